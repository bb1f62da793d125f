"""Benchmark: the company's HR workbook for 300 agents and a quarter of reviews.

Generates the data (300 agents in 10 teams, a review per agent per week with
every criterion of the call rubric, three customer-outcome records per agent
per day), then, each in its own process so peak memory is measured alone:

  1. the real export: `export.plan` + `write_openpyxl` (write-only, lxml);
  2. the same cells, formats, filters, colours and charts written by xlsxwriter
     (constant_memory mode), from the same `plan`;
  3. the export as the worker runs it: the background job (`portal.core.jobs.run`,
     what `flask portal worker` executes for a queued export), workbook stored
     through the storage interface.

Prints the time and peak memory (max RSS) of each, the time of the data reads
alone, and the ratio openpyxl / xlsxwriter. Targets: within 1.5x of xlsxwriter,
peak memory under 300 MB.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/hr_export.py [--agents 300] [--runs 3]
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/hr_export.py
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from company import QUARTER_END, QUARTER_START  # noqa: E402 (after the path it lives on)


def _app(url: str, export_dir: str):
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "STORAGE_DIR": export_dir,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def prepare(url: str, agents: int, reviews_per_week: int) -> None:
    """The company of bench/company.py in an emptied database."""
    import company
    from flask_migrate import upgrade

    from portal.core.extensions import db

    app = _app(url, tempfile.mkdtemp())
    with app.app_context():
        upgrade()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    made = company.build(app, agents, reviews_per_week=reviews_per_week)
    print(f"data: {made.describe()}", flush=True)


def write_xlsxwriter(sheets, target) -> None:
    """The same sheets, cells and formats as `write_openpyxl`, with xlsxwriter."""
    import xlsxwriter

    from portal.kpi.export import FORMATS, STATUS_FILLS, status_label

    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    formats = {}

    def fmt(number_format, bold):
        key = (number_format, bold)
        if key not in formats:
            spec = {"bold": bold} if bold else {}
            if number_format != "text":
                spec["num_format"] = FORMATS[number_format]
            formats[key] = book.add_format(spec) if spec else None
        return formats[key]

    fills = {
        code: book.add_format({"bg_color": "#" + colour}) for code, colour in STATUS_FILLS.items()
    }
    for spec in sheets:
        sheet = book.add_worksheet(spec.name)
        for index, width in enumerate(spec.widths):
            sheet.set_column(index, index, width)
        if spec.freeze:
            from xlsxwriter.utility import xl_cell_to_rowcol

            row, col = xl_cell_to_rowcol(spec.freeze)
            sheet.freeze_panes(row, col)
        count, columns = 0, 0
        for line in spec.rows():
            for col, item in enumerate(line):
                if item.value is None:
                    continue
                style = fmt(item.format, item.bold)
                if isinstance(item.value, str):
                    sheet.write_string(count, col, item.value, style)
                else:
                    sheet.write_number(count, col, item.value, style)
            count += 1
            columns = max(columns, len(line))
        if spec.autofilter and count:
            sheet.autofilter(0, 0, count - 1, columns - 1)
        for column in spec.status_columns:
            for code, fill in fills.items():
                sheet.conditional_format(
                    1,
                    column - 1,
                    max(count, 2) - 1,
                    column - 1,
                    {
                        "type": "cell",
                        "criteria": "==",
                        "value": f'"{status_label(code)}"',
                        "format": fill,
                    },
                )
        for chart_spec in spec.charts:
            chart = book.add_chart({"type": "line"})
            first = chart_spec.first_row - 1
            for column in chart_spec.series_columns:
                chart.add_series(
                    {
                        "name": [spec.name, first, column - 1],
                        "categories": [spec.name, first + 1, 0, first + chart_spec.rows, 0],
                        "values": [
                            spec.name,
                            first + 1,
                            column - 1,
                            first + chart_spec.rows,
                            column - 1,
                        ],
                    }
                )
            chart.set_title({"name": chart_spec.title})
            sheet.insert_chart(chart_spec.anchor, chart)
    book.close()


def child(url: str, mode: str) -> None:
    """One measured run in this process; prints a JSON line."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.kpi import export
    from portal.kpi.periods import Period

    out = tempfile.mkdtemp()
    app = _app(url, out)
    if mode == "job":
        job_child(app)
        return
    with app.app_context(), app.test_request_context():
        agents = list(
            db.session.scalars(select(User).where(User.role == "agent").order_by(User.name))
        )
        period = Period("quarter", QUARTER_START, QUARTER_END)
        started = time.perf_counter()
        sheets = export.plan(agents, period, QUARTER_END)
        read = time.perf_counter() - started
        written = time.perf_counter()
        path = os.path.join(out, f"{mode}.xlsx")
        if mode == "openpyxl":
            export.write_openpyxl(sheets, path)
        else:
            write_xlsxwriter(sheets, path)
        write = time.perf_counter() - written
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "read": read,
                "write": write,
                "total": read + write,
                "peak_mb": peak_mb,
                "bytes": os.path.getsize(path),
            }
        )
    )


def job_child(app) -> None:
    """The queued export as the worker runs it, outside any request."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.core import jobs
    from portal.core.extensions import db
    from portal.core.storage import storage

    with app.app_context():
        agents = list(db.session.scalars(select(User.id).where(User.role == "agent")))
        job = jobs.Job(
            token=os.urandom(16).hex(),
            kind="hr_export",
            params={
                "agents": agents,
                "kind": "quarter",
                "start": QUARTER_START.isoformat(),
                "end": QUARTER_END.isoformat(),
                "today": QUARTER_END.isoformat(),
            },
            total=len(agents),
        )
        db.session.add(job)
        db.session.commit()
        started = time.perf_counter()
        jobs.run(job.id)
        total = time.perf_counter() - started
        db.session.refresh(job)
        assert job.state == "done", job.error
        with storage().open(job.result["file"]) as stored:
            size = len(stored.read())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"read": 0, "write": 0, "total": total, "peak_mb": peak_mb, "bytes": size}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reviews-per-week", type=int, default=1)
    parser.add_argument("--child", choices=["openpyxl", "xlsxwriter", "job"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child)
        return
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    prepare(url, args.agents, args.reviews_per_week)
    results = {"openpyxl": [], "xlsxwriter": [], "job": []}
    for _ in range(args.runs):
        for mode in results:
            line = (
                subprocess.run(
                    [sys.executable, __file__, "--child", mode, "--url", url],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            results[mode].append(json.loads(line))

    def median(mode, key):
        return statistics.median(r[key] for r in results[mode])

    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"HR export, {args.agents} agents, one quarter, {database}, median of {args.runs} runs:")
    for mode in ("openpyxl", "xlsxwriter"):
        print(
            f"  {mode:<10} data reads {median(mode, 'read'):6.2f} s   writing {median(mode, 'write'):6.2f} s   "
            f"total {median(mode, 'total'):6.2f} s   peak memory {max(r['peak_mb'] for r in results[mode]):6.0f} MB   "
            f"file {median(mode, 'bytes') / 1e6:.1f} MB"
        )
    ratio = median("openpyxl", "write") / median("xlsxwriter", "write")
    print(f"  writing ratio openpyxl / xlsxwriter: {ratio:.2f}x (target <= 1.5x)")
    job_total, xlsxwriter_total = median("job", "total"), median("xlsxwriter", "total")
    print(
        f"  the queued job (worker) total {job_total:6.2f} s   peak memory "
        f"{max(r['peak_mb'] for r in results['job']):6.0f} MB   file {median('job', 'bytes') / 1e6:.1f} MB"
        f"   vs xlsxwriter's total: {job_total / xlsxwriter_total:.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
