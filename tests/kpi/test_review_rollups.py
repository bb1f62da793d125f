"""Reviews rolled up on the KPI sheet and in the workbook: sections, criteria, trend chart."""

import io
import zipfile

from openpyxl import load_workbook

from portal.core.models import local_today
from tests.reviews.conftest import call, call_rubric, submitted, team  # noqa: F401  (fixtures)


def test_sections_and_weakest_criteria_of_a_review(login_as, submitted, team, content, db):  # noqa: F811
    submitted.summary = '=HYPERLINK("http://x","bấm") rồi -1+2'  # a reviewer's text, not a formula
    db.session.commit()
    agent = login_as(team["agent"])
    page = agent.get(f"/kpi/agents/{team['agent'].id}").get_data(as_text=True)
    assert "Mở đầu cuộc gọi" in page and "Tiêu chí yếu nhất" in page
    assert 'data-measure="review_count">1<' in page
    assert "Đọc bước quy trình" in page  # a weak criterion links to its playbook step

    hr = login_as("hr")
    started = hr.post("/kpi/export", {"period": "month", "ref": local_today().isoformat()})
    body = hr.get(started.location + "/download").data
    sheet = load_workbook(io.BytesIO(body))[team["agent"].name]
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Phần" in labels and "Mở đầu cuộc gọi" in labels and "Tiêu chí" in labels
    summary_cell = next(c for row in sheet.iter_rows() for c in row if c.value == submitted.summary)
    assert summary_cell.data_type == "s"
    trend_header = labels.index("Kỳ") + 1
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    # The chart's series are the six trend rows under the header, wherever it landed.
    assert f"$B${trend_header + 1}:$B${trend_header + 6}" in chart
