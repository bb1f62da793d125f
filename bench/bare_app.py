"""The yardstick of bench/pages.py: a bare Flask app rendering a 50-row Jinja table,
served by the same gunicorn settings as the portal in the same run."""

from flask import Flask, render_template_string

app = Flask(__name__)

ROWS = [
    {
        "name": f"Nhân viên {n:02d}",
        "team": f"Nhóm {n % 10 + 1}",
        "score": 70 + n % 30,
        "nps": n - 10,
    }
    for n in range(50)
]

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Bảng</title></head>
<body><table>
<thead><tr><th>Tên</th><th>Nhóm</th><th>Điểm</th><th>NPS</th></tr></thead>
<tbody>{% for row in rows %}
<tr><td>{{ row.name }}</td><td>{{ row.team }}</td><td>{{ row.score }}</td><td>{{ row.nps }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


@app.get("/")
def table():
    return render_template_string(PAGE, rows=ROWS)
