"""Benchmark: searching 10,000 published call scripts.

Generates N scripts (default 10,000) with Vietnamese text built from a
vocabulary of care-process phrases, then times search_scripts() for a set of
queries typed without diacritics, with filters, and as-you-type prefixes.
Prints the median and p95 per query and overall against the 50 ms target.

    .venv/bin/python bench/script_search.py [--scripts 10000] [--runs 30]
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/script_search.py
"""

import argparse
import os
import random
import statistics
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import insert

from portal import create_app
from portal.core import search
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.playbooks.services import load_content_pack, process_steps
from scripts_library.models import CallScript
from scripts_library.search import Filters, search_scripts
from scripts_library.validation import CHANNELS, SITUATIONS

PHRASES = [
    "xử lý khiếu nại",
    "xin lỗi chân thành",
    "khắc phục miễn phí",
    "giải thích khoản phí",
    "hỏi thăm sau một tuần",
    "chúc mừng sinh nhật",
    "ưu đãi khách hàng thân thiết",
    "tư vấn dịch vụ",
    "chốt hợp đồng",
    "tìm hiểu nhu cầu",
    "khách chê giá cao",
    "hẹn gọi lại",
    "đối thủ cạnh tranh",
    "đăng ký tư vấn",
    "thời gian phản hồi",
    "cảm ơn quý khách",
    "liên hệ lại khách cũ",
    "giờ nghỉ ngơi",
]
QUERIES = [
    ("xu ly khieu nai", {}),
    ("doi thu", {}),
    ("khach che gia", {}),
    ("cam on", {"channel": "email"}),
    ("hen goi l", {}),
    ("uu dai", {"situation": "thank_you"}),
    ("", {"segment": "loyal"}),
    ("ma giam gia", {}),
    ("khieu nai 9999", {}),
]  # the last two: rare, the whole table is read


def generate(app, count: int) -> None:
    rng = random.Random(7)
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        load_content_pack()
        steps = [s.id for s in process_steps()]
        segments = [
            "loyal",
            "ordinary",
            "potential",
            "hesitant",
            "lapsed",
            "negative",
            "premium",
            "budget",
        ]
        rows = []
        for i in range(count):
            title = f"{rng.choice(PHRASES).capitalize()} {i}"
            blocks = [
                {
                    "key": f"b{j}",
                    "kind": "agent",
                    "text": " ".join(rng.sample(PHRASES, 4)),
                    "choices": [],
                }
                for j in range(6)
            ]
            chosen = rng.sample(segments, 2)
            rows.append(
                {
                    "slug": f"kich-ban-{i}",
                    "state": "published",
                    "published_version": 1,
                    "title": title,
                    "purpose": " ".join(rng.sample(PHRASES, 3)),
                    "step_id": rng.choice(steps),
                    "channel": rng.choice(list(CHANNELS)),
                    "situation": rng.choice(list(SITUATIONS)),
                    "segments": chosen,
                    "tags": [],
                    "placeholders": [],
                    "blocks": blocks,
                    "search_text": search.document(title, [b["text"] for b in blocks]),
                    "title_key": search.document(title).split("\n", 1)[0],
                    "segment_key": " " + " ".join(chosen) + " ",
                    "updated_at": utcnow(),
                }
            )
        db.session.execute(insert(CallScript), rows)
        db.session.commit()


def p95(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scripts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
    generate(app, args.scripts)
    print(f"database: {url.split('@')[-1]}   scripts: {args.scripts}   runs per query: {args.runs}")
    everything = []
    with app.test_request_context():
        for query, filters in QUERIES:
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter()
                results = search_scripts(query, Filters(**filters))
                samples.append((time.perf_counter() - start) * 1000)
            everything.extend(samples)
            label = f"{query!r} {filters or ''}"
            print(
                f"  {label:<42} {results.total:>6} hits   median {statistics.median(samples):6.1f} ms   p95 {p95(samples):6.1f} ms"
            )
    verdict = "within" if p95(everything) < 50 else "OVER"
    print(
        f"all queries: median {statistics.median(everything):.1f} ms, p95 {p95(everything):.1f} ms "
        f"({verdict} the 50 ms target)"
    )


if __name__ == "__main__":
    main()
