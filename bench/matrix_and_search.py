"""Benchmark: the completion matrix and playbook search as the team grows.

Builds a throwaway SQLite database (or PORTAL_BENCH_DATABASE_URL), loads the
content pack, creates N people with a three-module path and partial progress,
then times GET /onboarding/matrix and GET /playbooks/search through the app
(test client: no network, the whole Flask stack). Prints median and p95 per
size and the ratio between the largest and the smallest size.

    .venv/bin/python bench/matrix_and_search.py [--sizes 200 1000 3000] [--runs 30]
"""

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import date, timedelta

from flask_migrate import upgrade
from sqlalchemy import event, insert, text

from portal import create_app
from portal.accounts.models import Team, User
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)
from portal.playbooks import services as playbooks

PASSWORD = "bench password 123"


def build(app, people: int) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        playbooks.load_content_pack()
        modules = []
        for position, book in enumerate(playbooks.playbooks(), start=1):
            module = OnboardingModule(title=book.title, due_days=7 * position, position=position)
            for index, step in enumerate(book.steps, start=1):
                module.items.append(
                    ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.id, position=index)
                )
            db.session.add(module)
            modules.append(module)
        teams = [Team(name=f"Nhóm {i}", description="") for i in range(max(1, people // 25))]
        db.session.add_all(teams)
        hr = User(email="hr@bench.local", name="HR", role=Role.HR)
        from portal.accounts.services import set_password

        set_password(hr, PASSWORD)
        db.session.add(hr)
        db.session.commit()
        hire = date.today() - timedelta(days=10)
        rows = [
            {
                "email": f"p{i}@bench.local",
                "name": f"Người {i:05d}",
                "role": Role.NEW_HIRE.value,
                "team_id": teams[i % len(teams)].id,
                "hire_date": hire,
                "password_hash": "",
                "active": True,
                "session_version": 1,
                "failed_logins": 0,
                "created_at": utcnow(),
                "search_key": f"nguoi {i}",
            }
            for i in range(people)
        ]
        db.session.execute(insert(User), rows)
        ids = [
            u
            for (u,) in db.session.execute(
                text("SELECT id FROM users WHERE email LIKE 'p%@bench.local'")
            )
        ]
        db.session.execute(
            insert(OnboardingAssignment),
            [
                {
                    "user_id": uid,
                    "module_id": m.id,
                    "due_date": hire + timedelta(days=m.due_days),
                    "assigned_at": utcnow(),
                }
                for uid in ids
                for m in modules
            ],
        )
        items = [i for m in modules for i in m.items]
        db.session.execute(
            insert(ItemProgress),
            [
                {
                    "user_id": uid,
                    "item_id": item.id,
                    "opened_at": utcnow(),
                    "completed_at": utcnow() if n % 2 else None,
                    "completed_version": 1,
                    "stale": False,
                }
                for uid in ids
                for n, item in enumerate(items[: (uid % len(items))])
            ],
        )
        db.session.commit()


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": "hr@bench.local", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def timed(client, url: str, runs: int, engine) -> tuple[list[float], int]:
    client.get(url)  # warm up
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return samples, len(statements)


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 3000])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="portal-bench-")
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        upgrade()
        engine = db.engine
    print(f"database: {url.split('@')[-1]}   runs per measurement: {args.runs}")
    results = {}
    for size in args.sizes:
        build(app, size)
        client = app.test_client()
        login(client)
        matrix, matrix_queries = timed(client, "/onboarding/matrix", args.runs, engine)
        search, search_queries = timed(
            client, "/playbooks/search?q=xu+ly+khieu+nai", args.runs, engine
        )
        results[size] = (matrix, search)
        print(f"{size:>5} people  matrix  {summary(matrix)}   queries {matrix_queries}")
        print(f"{'':>5}         search  {summary(search)}   queries {search_queries}")
    small, large = min(args.sizes), max(args.sizes)
    ratio = statistics.median(results[large][0]) / statistics.median(results[small][0])
    print(
        f"matrix median, {large} vs {small} people: {ratio:.1f}x for {large / small:.0f}x the people"
    )


if __name__ == "__main__":
    main()
