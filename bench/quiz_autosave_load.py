"""Load benchmark: quiz takers autosaving against the portal under gunicorn.

60 simulated people (default) log in, start the same quiz and save an answer
every 5 seconds (with jitter) for 3 minutes. Afterwards every attempt is read
back from the database: the answer stored for each question must be the last
one the server acknowledged. Prints the median and p95 autosave latency, the
number of saves, server errors (5xx) and lost answers.

    .venv/bin/python bench/quiz_autosave_load.py                       # SQLite (WAL)
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/quiz_autosave_load.py
    options: --users 60 --seconds 180 --interval 5 --workers 4
"""

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

PASSWORD = "bench password 123"


def prepare(url: str, users: int, keep_data: bool = False) -> int:
    """Schema, bank, one quiz of ten fixed questions, and the people; returns the quiz id.
    With `keep_data` (bench/two_nodes.py), the portal's data stays and only the quiz and
    its takers are added."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.services import hash_password
    from portal.core.extensions import db
    from portal.core.roles import Role
    from portal.playbooks.services import load_content_pack
    from quizzes.models import Question, Quiz, QuizSlot
    from quizzes.services import load_question_bank

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        if not keep_data:
            upgrade()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            load_content_pack()
            load_question_bank()
        quiz = Quiz(
            title="Bench", shuffle_questions=False, time_limit_minutes=60, attempts_allowed=None
        )
        questions = list(db.session.scalars(select(Question).order_by(Question.id).limit(10)))
        for position, question in enumerate(questions):
            quiz.slots.append(QuizSlot(position=position, question_id=question.id))
        db.session.add(quiz)
        hashed = hash_password(PASSWORD)
        for i in range(users):
            db.session.add(
                User(
                    email=f"taker{i}@bench.local",
                    name=f"Người {i}",
                    role=Role.NEW_HIRE,
                    password_hash=hashed,
                )
            )
        db.session.commit()
        return quiz.id


def start_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "bench-secret"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "portal:create_app()",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class Taker(threading.Thread):
    def __init__(self, number, base, quiz_id, seconds, interval, results):
        super().__init__(daemon=True)
        self.number, self.base, self.quiz_id = number, base, quiz_id
        self.seconds, self.interval, self.results = seconds, interval, results
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.acknowledged: dict[int, str] = {}
        self.attempt_id = None

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode(), response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), path

    def run(self):
        rng = random.Random(self.number)
        status, page, _ = self.request("/login")
        token = next(g for g in TOKEN.search(page).groups() if g)
        self.request(
            "/login",
            {"email": f"taker{self.number}@bench.local", "password": PASSWORD, "csrf_token": token},
        )
        status, page, where = self.request(f"/quizzes/{self.quiz_id}/start", {"csrf_token": token})
        self.attempt_id = int(re.search(r"/quizzes/attempts/(\d+)", where).group(1))
        token = next(g for g in TOKEN.search(page).groups() if g)
        sequence = 0
        time.sleep(rng.uniform(0, self.interval))
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            sequence += 1
            position = rng.randrange(10)
            text = f"câu trả lời {self.number}-{sequence}"
            started = time.perf_counter()
            status, _, _ = self.request(
                f"/quizzes/attempts/{self.attempt_id}/answers/{position}",
                {"text": text, "choice": str(sequence % 2), "sequence": str(sequence)},
                {"HX-Request": "true", "X-CSRFToken": token},
            )
            elapsed = (time.perf_counter() - started) * 1000
            self.results.append((status, elapsed))
            if status == 200:
                self.acknowledged[position] = (text, sequence)
            time.sleep(max(0.0, self.interval + rng.uniform(-1, 1)))


def verify(url: str, takers) -> tuple[int, int]:
    """Answers whose stored sequence is the last acknowledged one / those that are not."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    ok = lost = 0
    with engine.connect() as conn:
        for taker in takers:
            rows = dict(
                conn.execute(
                    text("SELECT position, sequence FROM attempt_answers WHERE attempt_id = :a"),
                    {"a": taker.attempt_id},
                ).all()
            )
            for position, (_, sequence) in taker.acknowledged.items():
                if rows.get(position) == sequence:
                    ok += 1
                else:
                    lost += 1
    engine.dispose()
    return ok, lost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--interval", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    quiz_id = prepare(url, args.users)
    server, base = start_gunicorn(url, args.workers)
    results: list = []
    try:
        takers = [
            Taker(i, base, quiz_id, args.seconds, args.interval, results) for i in range(args.users)
        ]
        for taker in takers:
            taker.start()
        for taker in takers:
            taker.join()
    finally:
        server.terminate()
        server.wait(10)
    latencies = sorted(ms for status, ms in results if status == 200)
    errors = sum(1 for status, _ in results if status >= 500)
    other = sum(1 for status, _ in results if status != 200 and status < 500)
    ok, lost = verify(url, takers)
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)] if latencies else float("nan")
    print(
        f"database: {url.split('@')[-1]}   takers: {args.users}   {args.seconds} s, a save every ~{args.interval} s, "
        f"gunicorn {args.workers} workers x 4 threads"
    )
    print(
        f"saves: {len(results)}   acknowledged: {len(latencies)}   server errors: {errors}   other refusals: {other}"
    )
    print(f"autosave latency: median {statistics.median(latencies):.1f} ms   p95 {p95:.1f} ms")
    print(f"answers found as last acknowledged: {ok}   lost: {lost}")


if __name__ == "__main__":
    main()
