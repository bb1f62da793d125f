"""Two app nodes, one worker, one PostgreSQL, one Redis, one S3-protocol bucket.

Starts, on loopback: an S3-protocol server (moto), two gunicorn nodes with separate
instance folders (nothing shared through the disk), and one job worker, all over
one PostgreSQL database and one Redis. Then, as people would:

1. a supervisor logs in on A and is known on B (one session across nodes);
   a form fetched from A is accepted by B (one CSRF key);
2. uploads a recording through A and plays it through B with a Range request;
3. HR starts an export on A, polls and downloads it on B;
4. an admin imports a 1,000-person roster through A (the production password hash,
   in the worker), and one of the new people logs in on B with their password;
5. the worker is killed in the middle of an export; a new one starts, and the job
   is retried and done (or failed with a sentence), never left "running";
6. quiz takers autosave, each save sent to the other node than the one before:
   saves, server errors, median, p95 and p99, answers lost;
7. failed logins spread over both nodes meet one limit (the counts live in Redis).

Every step prints its result and time; the run fails (exit 1) when one fails.

    .venv/bin/python bench/two_nodes.py                 # CI runs this after the suite
    options: --database-url URL (its database is dropped and created)
             --takers 300 --seconds 60 --roster 1000
"""

import argparse
import importlib.util
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
WAV = ROOT / "content" / "recordings" / "goi-cut-lun-hung.wav"
REDIS = "redis://127.0.0.1:6379"
BUCKET = "portal-two-nodes"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


class Cluster:
    """The services and processes of the run; stopped together."""

    def __init__(self, database_url: str, stalled_seconds: int):
        self.database_url = database_url
        self.root = Path(tempfile.mkdtemp(prefix="two-nodes-"))
        self.processes: dict[str, subprocess.Popen] = {}
        s3_port = free_port()
        self.env = {
            **os.environ,
            "FLASK_APP": "portal:create_app",
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": "two-nodes-bench-secret",
            "PORTAL_QUEUE_URL": f"{REDIS}/14",
            "PORTAL_RATELIMIT_STORAGE_URI": f"{REDIS}/13",
            "PORTAL_LOGIN_RATE_LIMIT": "6 per minute",
            "PORTAL_STORAGE": "s3",
            "PORTAL_S3_BUCKET": BUCKET,
            "PORTAL_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}",
            "PORTAL_JOB_STALLED_SECONDS": str(stalled_seconds),
            "PORTAL_JOBS_MAX_OPEN": "500",
            "PORTAL_SAMPLING_CRON": "off",
            "AWS_ACCESS_KEY_ID": "two-nodes",
            "AWS_SECRET_ACCESS_KEY": "two-nodes-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        self.s3_port = s3_port

    def instance(self, name: str) -> dict:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        return {**self.env, "PORTAL_INSTANCE_DIR": str(folder)}

    def start(self) -> None:
        import redis

        for db in (13, 14):
            redis.Redis.from_url(f"{REDIS}/{db}").flushdb()
        self.spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for(f"http://127.0.0.1:{self.s3_port}/")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.env["PORTAL_S3_ENDPOINT"],
            aws_access_key_id="two-nodes",
            aws_secret_access_key="two-nodes-secret",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        setup = self.instance("setup")
        flask = str(BIN / "flask")
        subprocess.run(
            [flask, "db", "upgrade", "-d", "migrations"], env=setup, cwd=ROOT, check=True
        )
        subprocess.run([flask, "portal", "setup-demo"], env=setup, cwd=ROOT, check=True)
        self.logins = {
            p["email"]: p["password"]
            for p in json.loads((self.root / "setup" / "demo_accounts.json").read_text())
        }
        self.nodes = {}
        for name in ("A", "B"):
            port = free_port()
            self.spawn(
                f"node {name}",
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "30",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    "portal:create_app()",
                ],
                env=self.instance(f"node-{name}"),
            )
            self.nodes[name] = f"http://127.0.0.1:{port}"
        for base in self.nodes.values():
            wait_for(f"{base}/healthz")
        self.start_worker()

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [str(BIN / "flask"), "portal", "worker", "--workers", "2"],
            env=self.instance("worker"),
        )

    def kill_worker(self) -> None:
        worker = self.processes.pop("worker")
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye: a crash, not a shutdown
        worker.wait(10)

    def spawn(self, name: str, command: list[str], env: dict | None = None) -> None:
        log = open(self.root / f"{name.replace(' ', '-')}.log", "wb")  # noqa: SIM115 (kept open)
        self.processes[name] = subprocess.Popen(
            command, env=env or self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )

    def stop(self) -> None:
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def sql(self, query: str, **params):
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        with engine.connect() as connection:
            rows = connection.execute(text(query), params).all()
        engine.dispose()
        return rows


class Person:
    """A browser: one cookie jar, any node."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.http = requests.Session()
        self.token = ""

    def url(self, node: str, path: str) -> str:
        return self.cluster.nodes[node] + path

    def get(self, node: str, path: str, **kwargs) -> requests.Response:
        response = self.http.get(self.url(node, path), timeout=60, **kwargs)
        found = (
            TOKEN.search(response.text)
            if "text/html" in response.headers.get("Content-Type", "")
            else None
        )
        if found:
            self.token = next(g for g in found.groups() if g)
        return response

    def post(self, node: str, path: str, data=None, files=None, **kwargs) -> requests.Response:
        data = {"csrf_token": self.token, **(data or {})}
        return self.http.post(self.url(node, path), data=data, files=files, timeout=120, **kwargs)

    def login(self, node: str, email: str, password: str) -> requests.Response:
        self.get(node, "/login")
        return self.post(node, "/login", {"email": email, "password": password})


def poll(person: Person, node: str, path: str, until, seconds: float) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        page = person.get(node, path)
        if until(page) or time.monotonic() > deadline:
            return page
        time.sleep(0.5)


# --- the steps ---------------------------------------------------------------------------


def step_sessions(cluster: Cluster) -> str:
    lead = Person(cluster)
    answer = lead.login("A", "giamsat@demo.local", cluster.logins["giamsat@demo.local"])
    assert answer.status_code == 200 and "/login" not in answer.url, answer.status_code
    assert lead.get("B", "/reviews/").status_code == 200, "B does not know A's session"
    lead.get("A", "/reviews/interactions/new")  # the form's token comes from A
    refused = lead.http.post(lead.url("B", "/reviews/interactions/new"), data={}, timeout=30)
    assert refused.status_code in (400, 422), "B took a post without a CSRF token"
    accepted = lead.post("B", "/reviews/interactions/new", {"agent_id": "0"})
    assert accepted.status_code == 422, f"B refused A's CSRF token: {accepted.status_code}"
    return "session from A known on B; A's CSRF token accepted by B, none refused"


def _agent_id(cluster: Cluster, email: str) -> int:
    return cluster.sql("SELECT id FROM users WHERE email = :e", e=email)[0][0]


def step_recording(cluster: Cluster) -> str:
    lead = Person(cluster)
    lead.login("A", "giamsat@demo.local", cluster.logins["giamsat@demo.local"])
    lead.get("A", "/reviews/interactions/new")
    audio = WAV.read_bytes()
    saved = lead.post(
        "A",
        "/reviews/interactions/new",
        {
            "agent_id": str(_agent_id(cluster, "nhanvien@demo.local")),
            "channel": "phone",
            "occurred_at": "2026-11-30T09:30",
            "step_id": "0",
        },
        files={"recording": ("goi.wav", io.BytesIO(audio), "audio/wav")},
        allow_redirects=False,
    )
    assert saved.status_code in (302, 303), f"upload on A: {saved.status_code}"
    interaction = re.search(r"/interactions/(\d+)", saved.headers["Location"]).group(1)
    path = f"/reviews/interactions/{interaction}/recording"
    started = time.perf_counter()
    part = lead.get("B", path, headers={"Range": "bytes=1000-1999"})
    took = (time.perf_counter() - started) * 1000
    assert part.status_code == 206 and part.content == audio[1000:2000], part.status_code
    assert lead.get("B", path).content == audio
    return f"uploaded on A, 206 with the right 1,000 bytes on B in {took:.0f} ms"


def _export(person: Person, node: str) -> str:
    person.get(node, "/kpi/team")
    started = person.post(
        node, "/kpi/export", {"period": "month", "ref": "2026-11-15"}, allow_redirects=False
    )
    assert started.status_code == 303, f"export start: {started.status_code}"
    return started.headers["Location"].rsplit("/", 1)[-1]


def step_export(cluster: Cluster) -> str:
    hr = Person(cluster)
    hr.login("A", "hr@demo.local", cluster.logins["hr@demo.local"])
    started = time.perf_counter()
    token = _export(hr, "A")
    page = poll(hr, "B", f"/kpi/exports/{token}", lambda p: "/download" in p.text, 120)
    assert "/download" in page.text, "the export never finished"
    took = time.perf_counter() - started
    download = hr.get("B", f"/kpi/exports/{token}/download")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    return f"started on A, done and downloaded on B after {took:.1f} s ({len(download.content):,} bytes)"


def _roster(count: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Họ tên", "Email", "Vai trò", "Nhóm", "Ngày vào làm"])
    for n in range(count):
        sheet.append(
            [
                f"Nhân Viên {n}",
                f"nv{n}@two-nodes.local",
                "nhân viên",
                f"Nhóm {n % 10}",
                "2026-11-02",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def step_roster(cluster: Cluster, count: int) -> str:
    admin = Person(cluster)
    admin.login("A", "admin@demo.local", cluster.logins["admin@demo.local"])
    admin.get("A", "/admin/roster")
    started = time.perf_counter()
    upload = admin.post(
        "A",
        "/admin/roster",
        files={
            "workbook": ("nhan-su.xlsx", io.BytesIO(_roster(count)), "application/octet-stream")
        },
        allow_redirects=False,
    )
    assert upload.status_code == 303, f"roster upload: {upload.status_code}"
    preview_path = upload.headers["Location"]
    # The finished check shows the preview with its import form (the page's other
    # form is the log-out button, which has an action).
    confirm_form = '<form method="post" hx-boost="false">'
    preview = poll(admin, "A", preview_path, lambda p: confirm_form in p.text, 300)
    assert confirm_form in preview.text, "the preview never offered the import"
    checked = time.perf_counter() - started
    confirm = admin.post("A", preview_path, allow_redirects=False)
    assert confirm.status_code == 303, f"confirm: {confirm.status_code}"
    result_path = confirm.headers["Location"]
    result = poll(admin, "A", result_path, lambda p: "<code>" in p.text, 900)
    took = time.perf_counter() - started
    pairs = re.findall(r"<td>(nv\d+@two-nodes\.local)</td><td><code>([^<]+)</code>", result.text)
    assert len(pairs) == count, f"{len(pairs)} one-time passwords shown, {count} expected"
    email, password = pairs[count // 2]
    newcomer = Person(cluster)
    answer = newcomer.login("B", email, password)
    assert answer.status_code == 200 and "/login" not in answer.url, (
        "the new person cannot log in on B"
    )
    return (
        f"{count} people checked in {checked:.1f} s and imported (scrypt, in the worker) "
        f"through A in {took:.1f} s; {email} logged in on B with the password shown"
    )


def step_throttle(cluster: Cluster) -> str:
    guesser = Person(cluster)
    statuses = []
    for n in range(8):
        node = "AB"[n % 2]
        guesser.get(node, "/login")
        statuses.append(
            guesser.post(
                node, "/login", {"email": f"x{n}@nobody.local", "password": "wrong"}
            ).status_code
        )
    assert statuses[:6] == [422] * 6 and statuses[6:] == [429, 429], statuses
    return f"6 failures over both nodes allowed, then 429 on either: {statuses}"


def _more_agents(cluster: Cluster, count: int) -> None:
    """Agents enough for an export that lasts long enough to be interrupted."""
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.database_url)
    with engine.begin() as connection:
        team = connection.execute(text("SELECT min(id) FROM teams")).scalar()
        connection.execute(
            text(
                "INSERT INTO users (email, name, role, team_id, password_hash, active,"
                " session_version, failed_logins, created_at, search_key, can_approve_scripts)"
                " VALUES (:email, :name, 'agent', :team, '!', true, 0, 0, now(), :key, false)"
            ),
            [
                {
                    "email": f"bulk{n}@two-nodes.local",
                    "name": f"Bulk {n}",
                    "team": team,
                    "key": f"bulk {n}",
                }
                for n in range(count)
            ],
        )
    engine.dispose()


def _job_state(cluster: Cluster, token: str) -> tuple[str, int]:
    return tuple(cluster.sql("SELECT state, attempts FROM jobs WHERE token = :t", t=token)[0])


def step_kill_worker(cluster: Cluster) -> str:
    _more_agents(cluster, 3000)
    hr = Person(cluster)
    hr.login("A", "hr@demo.local", cluster.logins["hr@demo.local"])
    token = _export(hr, "A")
    poll(
        hr,
        "B",
        f"/kpi/exports/{token}",
        lambda p: "<progress" in p.text and 'value="0"' not in p.text,
        120,
    )
    state, _ = _job_state(cluster, token)
    assert state == "running", f"the export was {state} when the worker was to be killed"
    cluster.kill_worker()
    killed = time.perf_counter()
    cluster.start_worker()
    retried_after = None
    deadline = killed + int(cluster.env["PORTAL_JOB_STALLED_SECONDS"]) * 4 + 180
    while time.perf_counter() < deadline:
        hr.get("B", f"/kpi/exports/{token}")  # the polling page settles a stalled job
        state, attempts = _job_state(cluster, token)
        if attempts > 1 and retried_after is None:
            retried_after = time.perf_counter() - killed
        if state in ("done", "failed"):
            break
        time.sleep(0.5)
    took = time.perf_counter() - killed
    assert state in ("done", "failed"), f"the job is still {state} {took:.0f} s after the kill"
    if state == "done":
        assert hr.get("B", f"/kpi/exports/{token}/download").content[:2] == b"PK"
    retried = f"retried {retried_after:.1f} s after the kill, " if retried_after else ""
    return (
        f"worker killed while the job ran (stalled after {cluster.env['PORTAL_JOB_STALLED_SECONDS']} s"
        f" without a heartbeat): {retried}{state} at attempt {attempts}, {took:.1f} s after the kill"
    )


def step_autosave(cluster: Cluster, takers: int, seconds: int) -> str:
    spec = importlib.util.spec_from_file_location(
        "autosave", ROOT / "bench" / "quiz_autosave_load.py"
    )
    autosave = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(autosave)
    quiz_id = autosave.prepare(cluster.database_url, takers, keep_data=True)
    nodes = list(cluster.nodes.values())

    saves: list[tuple[float, int, float]] = []  # started at, status, ms
    started: list[float] = []  # when each taker had its attempt open

    class Alternating(autosave.Taker):
        """Each request to the other node than the one before."""

        def request(self, path, data=None, headers=None):
            self.base = nodes[(nodes.index(self.base) + 1) % 2]
            at = time.monotonic()
            answer = super().request(path, data, headers)
            if "/answers/" in path:
                saves.append((at, answer[0], (time.monotonic() - at) * 1000))
            elif path.endswith("/start"):
                started.append(time.monotonic())
            return answer

    results: list = []
    people = [Alternating(i, nodes[i % 2], quiz_id, seconds, 5, results) for i in range(takers)]
    for taker in people:
        taker.start()
    for taker in people:
        taker.join()
    latencies = sorted(ms for status, ms in results if status == 200)
    errors = sum(1 for status, _ in results if status >= 500)
    ok, lost = autosave.verify(cluster.database_url, people)
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
    p99 = latencies[max(0, int(round(0.99 * len(latencies))) - 1)]
    # Once every taker is in: the start of a shift (300 logins and quiz starts in a
    # few seconds) queues the first saves behind them; the rest of the hour is this.
    steady = sorted(ms for at, status, ms in saves if status == 200 and at > max(started))
    steady_p99 = steady[max(0, int(round(0.99 * len(steady))) - 1)] if steady else float("nan")
    assert errors == 0 and lost == 0, f"{errors} server errors, {lost} answers lost"
    return (
        f"{takers} takers over {seconds} s: {len(results)} saves, {errors} server errors, "
        f"median {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms "
        f"(after the last taker started: {len(steady)} saves, p99 {steady_p99:.0f} ms), "
        f"{ok} answers as last acknowledged, {lost} lost"
    )


def fresh_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/portal_two_nodes"
    )
    parser.add_argument("--takers", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--roster", type=int, default=1000)
    parser.add_argument("--stalled-seconds", type=int, default=10)
    args = parser.parse_args()
    fresh_database(args.database_url)
    cluster = Cluster(args.database_url, args.stalled_seconds)
    steps = [
        ("one session and CSRF key across nodes", lambda: step_sessions(cluster)),
        ("recording: upload on A, Range on B", lambda: step_recording(cluster)),
        ("HR export: start on A, download on B", lambda: step_export(cluster)),
        (f"roster of {args.roster} on A, log in on B", lambda: step_roster(cluster, args.roster)),
        ("worker killed mid-export", lambda: step_kill_worker(cluster)),
        (
            "quiz autosave over both nodes",
            lambda: step_autosave(cluster, args.takers, args.seconds),
        ),
        # Last: it leaves this address over the login limit for a minute.
        ("login throttling across nodes", lambda: step_throttle(cluster)),
    ]
    if not args.roster:  # --roster 0: a quicker run without the import
        del steps[3]
    failed = 0
    try:
        cluster.start()
        print(
            f"two nodes {cluster.nodes['A']} and {cluster.nodes['B']}, one worker, "
            f"PostgreSQL {args.database_url.rsplit('/', 1)[-1]}, Redis, S3 (moto); logs in {cluster.root}"
        )
        for name, run in steps:
            started = time.perf_counter()
            try:
                said = run()
                print(f"PASS  {name} ({time.perf_counter() - started:.1f} s): {said}", flush=True)
            except Exception as error:  # a step's failure is reported, the others still run
                failed += 1
                print(
                    f"FAIL  {name} ({time.perf_counter() - started:.1f} s): {error!r}", flush=True
                )
    finally:
        cluster.stop()
    print(f"{len(steps) - failed} of {len(steps)} steps passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
