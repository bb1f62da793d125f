"""Benchmark: a roster of 5,000 new people imported through the real routes, with the
production password hash (the app's default PASSWORD_HASH_METHOD, scrypt).

    .venv/bin/python bench/roster_import.py [--people 5000] [--runs 5]
    .venv/bin/python bench/roster_import.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_a

The queue is NOT immediate, as in production: a request only records and enqueues its
job, so what is timed for the web requests is theirs alone; each job is then run here
with `portal.core.jobs.run(job_id)`, as a worker would, and timed on its own. The
database starts empty (on PostgreSQL its public schema is dropped and rebuilt by the
migrations) and is ANALYZEd after the import's bulk write.

Each of --runs rounds uploads the workbook, polls the queued check, runs the check,
opens the finished preview and confirms; the import queued by every round but the
last is dropped unrun (one admin may have one import open), the last one is run.
Printed: median and p95 of each web request (target < 300 ms each), the check's and
the import's time to done, passwords hashed per second, and the comparison with
hashing in the request as before (one scrypt after the other, inside the confirm:
gunicorn kills a worker after 30 s).
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="roster-bench-"))
# The queue is chosen from the environment when portal.core.queue is imported: a
# private SQLite file, so enqueued ids go nowhere a real worker would take them.
os.environ["PORTAL_QUEUE_URL"] = f"sqlite:///{WORK / 'queue.db'}"

ADMIN_PASSWORD = "bench-password-1"


def roster_workbook(people: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Họ tên", "Email", "Vai trò", "Nhóm", "Ngày vào làm"])
    for n in range(people):
        role = "nhân viên mới" if n % 5 == 0 else "agent"
        sheet.append([f"Người {n:05d}", f"p{n}@bench.vn", role, f"Nhóm {n % 20}", "2026-11-02"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_app(url: str):
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "STORAGE_DIR": str(WORK / "files"),
            "QUEUE_IMMEDIATE": False,
            "LOGIN_RATE_LIMIT": "100000 per minute",
            # PASSWORD_HASH_METHOD is left alone: scrypt, as in production.
        }
    )


def prepare(app, url: str) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    with app.app_context():
        from portal.accounts.models import User
        from portal.accounts.services import set_password
        from portal.core.extensions import db

        upgrade()
        admin = User(email="admin@bench.vn", name="Quản trị", role="admin")
        set_password(admin, ADMIN_PASSWORD)
        db.session.add(admin)
        db.session.commit()


def analyze(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import text

    from portal.core.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started


def token_of(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def run_job(app, token: str) -> float:
    """Run the job a page's URL names, in an app context of its own as a worker would;
    returns its time to done (the lookup of its id not counted)."""
    from portal.core import jobs
    from portal.core.extensions import db
    from portal.core.jobs import Job

    with app.app_context():
        job = db.session.query(Job).filter_by(token=token).one()
        job_id, kind = job.id, job.kind
        db.session.commit()
        _, seconds = timed(jobs.run, job_id)
        job = db.session.get(Job, job_id)
        assert job.state == "done", f"{kind}: {job.state} {job.error}"
    return seconds


def drop_job(app, token: str) -> None:
    from portal.core.extensions import db
    from portal.core.jobs import Job

    with app.app_context():
        db.session.query(Job).filter_by(token=token).delete()
        db.session.commit()


def hashing_rates(sample: int, hash_passwords) -> tuple[float, float, int]:
    """Passwords per second, one after the other (as the request did) and in the
    import's pool, on `sample` passwords."""
    from flask import current_app
    from werkzeug.security import generate_password_hash

    from portal.accounts import roster_jobs

    method = current_app.config["PASSWORD_HASH_METHOD"]
    passwords = [f"sample-{n}" for n in range(sample)]
    _, alone = timed(lambda: [generate_password_hash(p, method=method) for p in passwords])
    _, pooled = timed(hash_passwords, passwords, lambda done=None: None)
    return sample / alone, sample / pooled, roster_jobs.HASH_THREADS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL, e.g. the test_a database")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{WORK / 'bench.db'}"
    app = make_app(url)
    prepare(app, url)
    body = roster_workbook(args.people)
    client = app.test_client()
    login = client.post("/login", data={"email": "admin@bench.vn", "password": ADMIN_PASSWORD})
    assert login.status_code == 303, login.status_code

    from portal.accounts import roster_jobs

    hashing = {}
    real_hash = roster_jobs._hash_passwords

    def timed_hash(passwords, beat):
        hashes, hashing["seconds"] = timed(real_hash, passwords, beat)
        return hashes

    roster_jobs._hash_passwords = timed_hash
    times: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)

    # Requests push an app context each (a fresh session, as on a server); the jobs
    # run in contexts of their own.
    for run in range(args.runs):
        last = run == args.runs - 1
        started, seconds = timed(
            client.post,
            "/admin/roster",
            data={"workbook": (io.BytesIO(body), "nhan-su.xlsx")},
            content_type="multipart/form-data",
        )
        assert started.status_code == 303, started.get_data(as_text=True)[-500:]
        record("upload (store + enqueue the check)", seconds)
        check_url = started.location
        poll, seconds = timed(client.get, check_url, headers={"HX-Request": "true"})
        assert poll.status_code == 200 and b"every 1s" in poll.data
        record("preview poll (check queued)", seconds)
        seconds = run_job(app, token_of(check_url))
        record("job: check, time to done", seconds)
        preview, seconds = timed(client.get, check_url)
        assert preview.status_code == 200, preview.get_data(as_text=True)[-500:]
        record(f"preview page ({args.people:,} rows)", seconds)
        confirmed, seconds = timed(client.post, check_url)
        assert confirmed.status_code == 303 and "/imports/" in confirmed.location
        record("confirm (enqueue the import)", seconds)
        import_url = confirmed.location
        if not last:  # dropped unrun: one admin may have one import open
            drop_job(app, token_of(import_url))
            continue
        poll, seconds = timed(client.get, import_url, headers={"HX-Request": "true"})
        assert poll.status_code == 200 and b"every 1s" in poll.data
        record("import poll (import queued)", seconds)
        record("job: import, time to done", run_job(app, token_of(import_url)))
        with app.app_context():
            analyze(url)
        page, seconds = timed(client.get, import_url)
        assert page.status_code == 200 and page.data.count(b"<code>") == args.people
        record(f"import page ({args.people:,} passwords)", seconds)
    with app.app_context():
        one_by_one, pooled, threads = hashing_rates(40, real_hash)
        method = app.config["PASSWORD_HASH_METHOD"]

    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"Roster import, {args.people:,} new people, {database}, hash {method}, {args.runs} runs")
    print(f"  {'':<40} {'median':>9} {'p95':>9} {'n':>3}")
    for name, values in times.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        unit, scale, digits = ("s", 1, 1) if name.startswith("job") else ("ms", 1000, 0)
        flag = ""
        if not name.startswith("job"):
            flag = "  ok (< 300 ms)" if p95 < 0.3 else "  OVER 300 ms"
        print(
            f"  {name:<40} {statistics.median(ordered) * scale:>7.{digits}f}{unit:<2}"
            f"{p95 * scale:>7.{digits}f}{unit:<2} {len(ordered):>3}{flag}"
        )
    rate = args.people / hashing["seconds"]
    total = times["job: import, time to done"][-1]
    print(
        f"  passwords hashed: {rate:.1f}/s in the import ({hashing['seconds']:.1f} s of its "
        f"{total:.1f} s; the rest reads, validates and writes)"
    )
    print(
        f"  hashing, sample of 40: one after the other {one_by_one:.1f}/s, "
        f"pool of {threads} threads {pooled:.1f}/s ({pooled / one_by_one:.2f}x; "
        f"{os.cpu_count()} CPUs here)"
    )
    print(
        f"  before (hashing inside the confirm request): ~{args.people / one_by_one:.0f} s for "
        f"{args.people:,} people; gunicorn kills a worker at 30 s, i.e. after "
        f"~{30 * one_by_one:.0f} people"
    )


if __name__ == "__main__":
    main()
