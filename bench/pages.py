"""Benchmark: the portal's busiest pages beside a bare Flask app, at contact-centre scale.

For each company size (300 agents, then 1,000, by default) it builds the company of
bench/company.py (the demo content and team, then the agents, a quarter of reviews
at 15 per agent per week with every criterion and section scored, three outcome
records per agent per day, queues and disputes; the KPI rollups rebuilt from the
raw rows; ANALYZE on PostgreSQL). It then starts the portal under gunicorn (2 sync
workers) and bench/bare_app.py (a Flask app rendering a 50-row Jinja table) under
the same settings, logs each role in, and drives each page with wrk (Debian's
package) at 16 connections for a fixed time, alternating portal and bare runs so
both meet the same noise. Pages that send an ETag are driven a second time with
`If-None-Match` (a reload of an unchanged page: the cache hit).

Prints, per page: portal req/s, bare req/s of the neighbouring run, the ratio, p50
and p99 of the portal, the number of SQL statements the page issues (counted
in-process through the Flask test client), and the cache-hit figures; then the team
table's time at the largest size against the smallest.

    apt-get install wrk
    .venv/bin/python bench/pages.py [--agents 300 1000] [--seconds 10] [--rounds 2]
        [--reuse]  (the company the last run of that size built, kept in its database)
        [--only sheet inbox]  (pages whose label contains one of these words)
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages \\
        .venv/bin/python bench/pages.py   # uses (drops and refills) bench_pages_300 and _1000
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUARTER = "period=quarter&ref=2026-09-30"
CACHE = "redis://127.0.0.1:6379/11"  # the fragment cache, on Redis as in production
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Page:
    label: str
    role: str | None  # None: nobody logged in
    path: str
    fragments: bool = False  # its figures come from the fragment cache


def pages_of(ids: dict, agents: int) -> list[Page]:
    return [
        Page("login page (the framework floor)", None, "/login"),
        Page(
            "agent's own KPI sheet (quarter)",
            "agent",
            f"/kpi/agents/{ids['agent']}?{QUARTER}",
            fragments=True,
        ),
        Page(f"HR team table, {agents} agents", "hr", f"/kpi/team?{QUARTER}", fragments=True),
        Page("supervisor's review inbox", "supervisor", "/reviews/", fragments=True),
        Page("agent's review inbox", "agent", "/reviews/", fragments=True),
        Page("review page of one call (supervisor)", "supervisor", f"/reviews/{ids['review']}"),
        Page("quiz attempt page", "agent", f"/quizzes/attempts/{ids['attempt']}"),
        Page("new hire's home page (their path)", "new_hire", "/onboarding/"),
        Page("agent's home page", "agent", "/"),
        Page("supervisor's home page", "supervisor", "/"),
        Page("HR's home page", "hr", "/"),
        Page("admin's home page", "admin", "/"),
    ]


# --- the database -----------------------------------------------------------------------


def fresh_database(url: str | None, agents: int) -> str:
    """An empty database for this size: a new SQLite file, or on PostgreSQL the
    database named by the URL with the size appended (created when missing, its
    schema dropped when present), so each size can be kept for --reuse."""
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='pages-')}/bench.db"
    import sqlalchemy

    base = sqlalchemy.engine.make_url(url)
    sized = base.set(database=f"{base.database}_{agents}")
    engine = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        known = conn.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %s", (sized.database,)
        ).scalar()
        if not known:
            conn.exec_driver_sql(f'CREATE DATABASE "{sized.database}"')
    engine.dispose()
    engine = sqlalchemy.create_engine(sized, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return sized.render_as_string(hide_password=False)


def portal_config(url: str, instance: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "pages-bench-secret",
        "STORAGE_DIR": instance,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def prepare(url: str, agents: int, instance: str):
    import company
    from flask_migrate import upgrade

    from portal import create_app

    os.environ["PORTAL_INSTANCE_DIR"] = instance
    app = create_app(portal_config(url, instance))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    started = time.perf_counter()
    made = company.build(app, agents)
    print(f"data: {made.describe()} ({time.perf_counter() - started:.0f} s)", flush=True)
    return made


def statement_counts(url: str, instance: str, made, pages: list[Page]) -> dict[str, int]:
    """SQL statements per page, counted in-process for the same logged-in people."""
    from sqlalchemy import event

    from portal import create_app
    from portal.core.extensions import db

    app = create_app({**portal_config(url, instance), "WTF_CSRF_ENABLED": False})
    counts, seen = {}, []
    with app.app_context():  # only to reach the engine: each request has its own context
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(1))
    clients = {}
    for page in pages:
        client = clients.get(page.role)
        if client is None:
            client = clients[page.role] = app.test_client()
            if page.role:
                email, password = made.logins[page.role]
                client.post("/login", data={"email": email, "password": password})
        client.get(page.path)  # warm: the first request of a client loads more
        seen.clear()
        status = client.get(page.path).status_code
        counts[page.label] = len(seen) if status == 200 else f"HTTP {status}"
    return counts


# --- the servers and the load -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_spec: str, env: dict, cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--timeout",
            "30",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        env=env,
        cwd=cwd,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/", timeout=1)
            return process, base
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{app_spec} did not start: see {log}")


def cookie_of(base: str, email: str, password: str) -> str:
    import requests

    with requests.Session() as browser:
        token = TOKEN.search(browser.get(f"{base}/login").text).group(1)
        answer = browser.post(
            f"{base}/login",
            data={"csrf_token": token, "email": email, "password": password},
            allow_redirects=False,
        )
        assert answer.status_code == 303, f"login of {email}: HTTP {answer.status_code}"
        return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


@dataclass
class Load:
    rps: float
    p50: float  # ms
    p99: float
    bad: int  # non-2xx/3xx answers, socket errors and timeouts


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url: str, headers: list[str], seconds: int, connections: int) -> Load:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return Load(rps, p50, p99, bad)


@dataclass
class Figures:
    portal: Load
    bare: float
    hit: Load | None = None  # with If-None-Match: the 304 of a reload
    hit_bare: float | None = None
    uncached: Load | None = None  # fragment cache off: every request computes
    uncached_bare: float | None = None


def _median_load(loads: list[Load]) -> Load:
    return Load(
        statistics.median(x.rps for x in loads),
        statistics.median(x.p50 for x in loads),
        statistics.median(x.p99 for x in loads),
        sum(x.bad for x in loads),
    )


def _alternating(url, headers, bare, args) -> tuple[Load, float]:
    """Portal run, bare run, and again: both meet the same noise."""
    runs, bares = [], []
    for _ in range(args.rounds):
        runs.append(wrk(url, headers, args.seconds, args.connections))
        bares.append(wrk(bare + "/", [], args.seconds, args.connections).rps)
    return _median_load(runs), statistics.median(bares)


def drive(servers: dict, page: Page, cookies: dict, args) -> Figures:
    import requests

    base, bare = servers["portal"], servers["bare"]
    cookie = cookies["portal"][page.role]
    headers = [f"Cookie: {cookie}"] if cookie else []
    first = requests.get(base + page.path, headers=dict(h.split(": ", 1) for h in headers))
    assert first.status_code == 200, f"{page.label}: HTTP {first.status_code}"
    figures = Figures(*_alternating(base + page.path, headers, bare, args))
    tag = first.headers.get("ETag")
    if tag:
        validated = headers + [f"If-None-Match: {tag}"]
        figures.hit, figures.hit_bare = _alternating(base + page.path, validated, bare, args)
    if page.fragments:
        cookie = cookies["uncached"][page.role]
        figures.uncached, figures.uncached_bare = _alternating(
            servers["uncached"] + page.path, [f"Cookie: {cookie}"], bare, args
        )
    return figures


def _cells(load: Load | None, bare: float | None) -> str:
    if load is None:
        return f"{'':>31}"
    return f"{load.rps:8.1f} {load.rps / bare:6.2f} {load.p50:7.1f} {load.p99:7.1f}"


def report(agents: int, database: str, results: dict, counts: dict) -> None:
    print(f"\n{agents} agents, {database}, gunicorn 2 sync workers, 16 connections")
    print(
        "req/s, ratio to the bare Flask run beside it, p50 and p99 in ms; "
        "'304': reload with If-None-Match; 'no cache': fragment cache off"
    )
    heading = f"{'req/s':>8} {'ratio':>6} {'p50':>7} {'p99':>7}"
    print(f"{'page':<40} {heading} {'bare':>7} {'stmts':>5} | 304: {heading} | no cache: {heading}")
    for label, f in results.items():
        line = (
            f"{label:<40} {_cells(f.portal, f.bare)} {f.bare:7.1f} {counts.get(label, '?')!s:>5}"
            f" |      {_cells(f.hit, f.hit_bare)} |           {_cells(f.uncached, f.uncached_bare)}"
        )
        failed = sum(x.bad for x in (f.portal, f.hit, f.uncached) if x)
        if failed:
            line += f"   ({failed} failed)"
        print(line.rstrip(), flush=True)


def built(agents: int, args, url_setting: str | None):
    """(url, instance folder, company): made now, or, with --reuse, the last run's."""
    import company

    state = Path(tempfile.gettempdir()) / f"portal-pages-bench-{agents}.json"
    if args.reuse and state.exists():
        saved = json.loads(state.read_text())
        if saved["setting"] == url_setting:
            made = company.Company(**saved["company"])
            made.logins = {role: tuple(login) for role, login in made.logins.items()}
            print(f"data (reused): {made.describe()}", flush=True)
            return saved["url"], saved["instance"], made
    instance = tempfile.mkdtemp(prefix="pages-instance-")
    url = fresh_database(url_setting, agents)
    made = prepare(url, agents, instance)
    state.write_text(
        json.dumps(
            {"setting": url_setting, "url": url, "instance": instance, "company": asdict(made)}
        )
    )
    return url, instance, made


def run_size(agents: int, args, url_setting: str | None) -> dict:
    url, instance, made = built(agents, args, url_setting)
    pages = [
        p
        for p in pages_of(made.ids, agents)
        if not args.only or any(o in p.label for o in args.only)
    ]
    counts = statement_counts(url, instance, made, pages)
    logs = Path(instance)
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "pages-bench-secret",
        "PORTAL_INSTANCE_DIR": instance,
        "PORTAL_LOGIN_RATE_LIMIT": "1000 per minute",
        "PORTAL_SAMPLING_CRON": "off",
    }
    import redis

    redis.Redis.from_url(CACHE).flushdb()  # no fragment of an earlier run
    processes, servers = [], {}
    for name, spec, cwd, extra in (
        ("portal", "portal:create_app()", ROOT, {"PORTAL_CACHE_URL": CACHE}),
        ("uncached", "portal:create_app()", ROOT, {"PORTAL_CACHE_URL": "off"}),
        ("bare", "bare_app:app", ROOT / "bench", {}),
    ):
        process, servers[name] = serve(spec, {**env, **extra}, cwd, logs / f"{name}.log")
        processes.append(process)
    try:
        cookies = {}
        for name in ("portal", "uncached"):
            cookies[name] = {None: ""}
            for role, (email, password) in made.logins.items():
                cookies[name][role] = cookie_of(servers[name], email, password)
        results = {}
        for page in pages:
            results[page.label] = drive(servers, page, cookies, args)
    finally:
        for process in processes:
            os.killpg(process.pid, 15)
            process.wait(10)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    report(agents, database, results, counts)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--reuse", action="store_true", help="the company of the last run of this size, if kept"
    )
    parser.add_argument("--only", nargs="*", help="pages whose label contains one of these")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL")
    by_size = {agents: run_size(agents, args, url) for agents in args.agents}
    if len(by_size) > 1:
        small, large = min(by_size), max(by_size)

        def team(results):
            return next(f for label, f in results.items() if label.startswith("HR team table"))

        a, b = team(by_size[small]), team(by_size[large])
        print(
            f"\nteam table, {large} agents against {small}: p50 {b.portal.p50 / a.portal.p50:.2f}x, "
            f"req/s {a.portal.rps / b.portal.rps:.2f}x slower (target <= 1.5x)"
        )


if __name__ == "__main__":
    main()
