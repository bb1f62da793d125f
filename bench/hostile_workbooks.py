"""Crafted workbooks against the imports, beside an honest one, through the Flask stack.

    .venv/bin/python bench/hostile_workbooks.py [--runs 5]

Each case runs in a fresh process (so peak memory is the case's own): a throwaway
SQLite portal, an admin or HR session, one upload. Printed per case: the status,
the median and p95 time to the answer, and the process's peak RSS above its idle
size. Cases: a roster whose sheet unpacks to ~1 GB from under 2 MB ("bomb"), the
same with one row ("one-row bomb"), the outcome import with the bomb, and an
honest 5,000-row roster for comparison (the preview only; no passwords hashed).
"""

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def crafted(unpacked_mb: int, rows: int = 1) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "email", "role", "team", "hire date"])
    for n in range(rows):
        sheet.append([f"Người {n}", f"p{n}@example.vn", "agent", "", ""])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in src.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(part, src.read(part))
                continue
            with dst.open(part.filename, "w", force_zip64=True) as target:
                target.write(src.read(part))
                chunk = b" " * (1024 * 1024)
                for _ in range(unpacked_mb):
                    target.write(chunk)
    return out.getvalue()


def honest(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "email", "role", "team", "hire date"])
    for n in range(rows):
        sheet.append([f"Người {n}", f"p{n}@example.vn", "agent", "Nhóm A", "2026-11-01"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def one_case(url: str, field: str, payload_path: str, role: str, follow: bool) -> dict:
    """Runs in its own process: returns status, seconds, peak RSS above idle (MB)."""
    from portal import create_app
    from portal.accounts.models import Team, User
    from portal.accounts.services import set_password
    from portal.core.extensions import db

    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'b.db'}",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "STORAGE_DIR": str(folder / "files"),
            "QUEUE_IMMEDIATE": True,
            "LOGIN_RATE_LIMIT": "100000 per minute",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.add(Team(name="Nhóm A", description=""))
        user = User(email="b@example.vn", name="B", role=role)
        set_password(user, "bench-password-1")
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "b@example.vn", "password": "bench-password-1"})
    body = Path(payload_path).read_bytes()
    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.post(
        url, data={field: (io.BytesIO(body), "x.xlsx")}, content_type="multipart/form-data"
    )
    if follow and response.status_code in (302, 303):
        response = client.get(response.headers["Location"])
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"status": response.status_code, "seconds": seconds, "rss_mb": (peak - idle) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    payloads = {
        "bomb": crafted(1024, rows=0),
        "one-row bomb": crafted(1024, rows=1),
        "honest 5,000 rows": honest(5000),
    }
    for name, data in payloads.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    cases = [
        ("roster: bomb", "/admin/roster", "workbook", "bomb", "admin", True),
        ("roster: one-row bomb", "/admin/roster", "workbook", "one-row bomb", "admin", True),
        ("outcomes: bomb", "/kpi/outcomes/import", "file", "bomb", "hr", False),
        (
            "roster: honest 5,000 rows (preview)",
            "/admin/roster",
            "workbook",
            "honest 5,000 rows",
            "admin",
            True,
        ),
    ]
    print(f"{'case':<38} {'file':>8} {'status':>6} {'median':>9} {'p95':>9} {'peak RSS':>9}")
    for label, url, field, payload, role, follow in cases:
        path = folder / f"{payload}.xlsx"
        runs = []
        for _ in range(args.runs):
            call = repr((url, field, str(path), role, follow))
            code = (
                f"import json,sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                f"from hostile_workbooks import one_case; print(json.dumps(one_case(*{call})))"
            )
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        times = sorted(r["seconds"] for r in runs)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        size = path.stat().st_size / 1024 / 1024
        print(
            f"{label:<38} {size:>6.1f}MB {runs[0]['status']:>6} "
            f"{statistics.median(times) * 1000:>7.0f}ms {p95 * 1000:>7.0f}ms "
            f"{max(r['rss_mb'] for r in runs):>7.1f}MB"
        )


if __name__ == "__main__":
    main()
