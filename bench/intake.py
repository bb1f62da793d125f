"""Intake benchmark: a phone system posting calls with their recordings through the API.

Prepares a database (migrations, one team of agents, an integration token with the
scope interactions:write), starts gunicorn on loopback (2 workers x 4 threads) and
runs concurrent clients. Each one repeatedly sends a new call,
``PUT /api/v1/interactions/pbx/<external id>``, then its 60-second WAV recording,
``PUT .../recording``; about one send in ten is a call sent before (by any client)
sent again with its recording, as a phone system retrying would. Afterwards every
external id is read back from the database.

Prints accepted calls per second, the median, p95 and p99 latency of each endpoint,
server errors (5xx), other refusals, and two counts that must be 0 (the run exits 1
otherwise): "lost" (an acknowledged call missing, or without its recording on disk)
and "duplicated" (more than one row for one (source, external id)).

    .venv/bin/python bench/intake.py                                   # SQLite (WAL)
    .venv/bin/python bench/intake.py --database-url \\
        postgresql+psycopg://postgres@127.0.0.1:5432/test_b  # its public schema is dropped
    options: --clients 8 --seconds 60 --agents 50 --resend 0.1
"""

import argparse
import io
import math
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "pbx"
RECORDING_SECONDS = 60


def recording() -> bytes:
    """A 60-second quiet 440 Hz tone with a little noise: 8 kHz mono 16-bit, ~960 KB."""
    rate, rng = 8000, random.Random(0)
    samples = (
        int(800 * math.sin(2 * math.pi * 440 * i / rate)) + rng.randint(-50, 50)
        for i in range(rate * RECORDING_SECONDS)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{rate * RECORDING_SECONDS}h", *samples))
    return buffer.getvalue()


def prepare(url: str, agents: int) -> str:
    """A fresh schema, a team of agents and a token; returns the token's secret."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()

    from portal import create_app
    from portal.accounts.models import Team, User
    from portal.accounts.services import hash_password
    from portal.core.extensions import db
    from portal.core.roles import Role
    from portal.integrations import tokens

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        team = Team(name="Tổng đài bench", description="")
        db.session.add(team)
        hashed = hash_password("bench password 123")
        for i in range(agents):
            db.session.add(
                User(
                    email=f"agent{i}@bench.local",
                    name=f"Điện thoại viên {i}",
                    role=Role.AGENT,
                    team=team,
                    password_hash=hashed,
                )
            )
        db.session.commit()
        secret = tokens.issue("Tổng đài bench", ["interactions:write"]).secret
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return secret


def start_gunicorn(url: str, storage_dir: Path, instance_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "bench-secret",
        "PORTAL_STORAGE": "local",
        "PORTAL_STORAGE_DIR": str(storage_dir),
        "PORTAL_INSTANCE_DIR": str(instance_dir),
        # The bench measures intake, not the per-token limit (600 a minute by default).
        "PORTAL_API_RATE_LIMIT": "1000000 per minute",
        "PORTAL_SAMPLING_CRON": "off",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "portal:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return server, base
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


@dataclass
class Shared:
    """What every client records; the lock guards the lists of sent ids."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict = field(default_factory=lambda: {"interaction": [], "recording": []})
    statuses: list = field(default_factory=list)
    acknowledged: set = field(default_factory=set)  # both steps answered 2xx at least once
    sent: list = field(default_factory=list)  # (external id, body) of every first send
    new_calls: int = 0
    resent_calls: int = 0


class Client(threading.Thread):
    def __init__(self, number, base, secret, args, audio, shared: Shared):
        super().__init__(daemon=True)
        self.number, self.base, self.args, self.audio, self.shared = (
            number,
            base,
            args,
            audio,
            shared,
        )
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {secret}"

    def put(self, endpoint: str, path: str, **kwargs) -> bool:
        started = time.perf_counter()
        try:
            status = self.http.put(self.base + path, timeout=60, **kwargs).status_code
        except requests.RequestException:
            status = 599  # no answer at all counts as a server error
        elapsed = (time.perf_counter() - started) * 1000
        with self.shared.lock:
            self.shared.statuses.append(status)
            if status < 300:
                self.shared.timings[endpoint].append(elapsed)
        return status < 300

    def run(self):
        rng = random.Random(self.number)
        sequence = 0
        end = time.monotonic() + self.args.seconds
        while time.monotonic() < end:
            again = rng.random() < self.args.resend
            with self.shared.lock:
                earlier = rng.choice(self.shared.sent) if again and self.shared.sent else None
            if earlier:
                external_id, body = earlier
            else:
                sequence += 1
                external_id = f"c{self.number}-{sequence}-{rng.getrandbits(32):08x}"
                minute = rng.randrange(60 * 24 * 30)
                body = {
                    "agent_email": f"agent{rng.randrange(self.args.agents)}@bench.local",
                    "channel": "phone",
                    "direction": "inbound",
                    "occurred_at": f"2026-11-{1 + minute // 1440:02d}T"
                    f"{minute // 60 % 24:02d}:{minute % 60:02d}:00+07:00",
                    "duration_seconds": RECORDING_SECONDS,
                }
            path = f"/api/v1/interactions/{SOURCE}/{external_id}"
            stored = self.put("interaction", path, json=body)
            attached = stored and self.put(
                "recording",
                f"{path}/recording",
                data=self.audio,
                headers={"Content-Type": "audio/wav"},
            )
            with self.shared.lock:
                if earlier:
                    self.shared.resent_calls += 1
                else:
                    self.shared.new_calls += 1
                    self.shared.sent.append((external_id, body))
                if attached:
                    self.shared.acknowledged.add(external_id)


def verify(url: str, storage_dir: Path, acknowledged: set) -> tuple[int, int, int]:
    """Rows read back: (found with their recording, lost, duplicated)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT external_id, recording_file FROM interactions WHERE source = :s"),
            {"s": SOURCE},
        ).all()
        duplicated = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT source, external_id FROM interactions"
                " WHERE source IS NOT NULL GROUP BY source, external_id"
                " HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
    engine.dispose()
    files = {}
    for external_id, recording_file in rows:
        files.setdefault(external_id, recording_file)
    found = lost = 0
    for external_id in acknowledged:
        name = files.get(external_id)
        if name and (storage_dir / "recordings" / name).is_file():
            found += 1
        else:
            lost += 1
    return found, lost, duplicated


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is dropped")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--resend", type=float, default=0.1, help="share of calls sent again")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    storage_dir, instance_dir = work / "storage", work / "instance"
    storage_dir.mkdir()
    instance_dir.mkdir()

    audio = recording()
    secret = prepare(url, args.agents)
    server, base = start_gunicorn(url, storage_dir, instance_dir)
    shared = Shared()
    try:
        clients = [Client(i, base, secret, args, audio, shared) for i in range(args.clients)]
        started = time.monotonic()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(15)

    found, lost, duplicated = verify(url, storage_dir, shared.acknowledged)
    on_disk = sum(1 for _ in (storage_dir / "recordings").glob("*"))
    errors = sum(1 for s in shared.statuses if s >= 500)
    refused = sum(1 for s in shared.statuses if 300 <= s < 500)
    print(
        f"database: {url.split('@')[-1]}   clients: {args.clients}   {args.seconds} s   "
        f"gunicorn 2 workers x 4 threads   recording {len(audio) // 1000} KB WAV"
    )
    print(
        f"calls sent: {shared.new_calls} new + {shared.resent_calls} sent again   "
        f"accepted (call and recording): {len(shared.acknowledged)} distinct ids   "
        f"{len(shared.acknowledged) / elapsed:.1f} new calls/s"
    )
    for endpoint, timings in shared.timings.items():
        print(
            f"PUT {endpoint:<11}  ok {len(timings):>5}   median {statistics.median(timings) if timings else float('nan'):7.1f} ms"
            f"   p95 {percentile(timings, 0.95):7.1f} ms   p99 {percentile(timings, 0.99):7.1f} ms"
        )
    print(
        f"requests: {len(shared.statuses)}   server errors (5xx): {errors}   other refusals: {refused}"
    )
    print(f"read back: {found} with their recording   lost: {lost}   duplicated: {duplicated}")
    print(f"recording files on disk: {on_disk} (a call sent again replaces its recording)")
    if args.keep:
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # ~1 MB a call: do not fill the disk
    return 1 if lost or duplicated or not shared.acknowledged else 0


if __name__ == "__main__":
    sys.exit(main())
