"""The job queue: long work runs in a worker process, never in a web request or a
thread of the web worker.

Huey, chosen because one well-kept library covers both places the portal runs:
Redis as the production broker (`PORTAL_QUEUE_URL=redis://host:6379/0`, shared by
every app node and worker), and a SQLite file as the embedded default for one
machine (`instance/queue.db`, which `make run` serves with a worker it starts
itself). It also brings retries and a periodic scheduler without a second
service (Celery would need beat; RQ has no embedded broker).

Job *state* (progress, result, failure) lives in the portal's own tables, so any
app node can answer a page that polls it; the queue only carries job ids.

Tests run the queue in immediate mode (`QUEUE_IMMEDIATE`): a job runs in the
request that enqueues it, inside the test's app context.
"""

import os
from functools import wraps
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab

from portal.config import PROJECT_ROOT


def _make_huey() -> Huey:
    url = os.environ.get("PORTAL_QUEUE_URL", "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("portal", url=url)
    # Huey registers tasks on its instance at import time, before any app exists,
    # so the broker is chosen from the environment, like the database URL.
    default = Path(os.environ.get("PORTAL_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else default / "queue.db"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("portal", filename=str(path))


huey = _make_huey()
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Remember the app the worker's jobs run in; immediate mode for tests."""
    global _app
    _app = app
    if app.config.get("QUEUE_IMMEDIATE"):
        huey.immediate = True


def _in_app(fn):
    """Run `fn` inside the app context: the worker's own app, or the caller's (a test
    in immediate mode, a request)."""

    @wraps(fn)
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _app.app_context():
            return fn(*args, **kwargs)

    return run


def job(**options):
    """A queued job: `@job(retries=2)`; call `fn.schedule(args, delay=…)` or `fn(args)`
    to enqueue. The body runs inside the app context (the worker's own, or the test's
    in immediate mode)."""

    def decorate(fn):
        return huey.task(**options)(_in_app(fn))

    return decorate


def periodic(**when):
    """A job the worker's scheduler runs on its own, e.g. `@periodic(minute="*/5")`
    (crontab fields); the CLI commands stay for cron users."""

    def decorate(fn):
        return huey.periodic_task(crontab(**when))(_in_app(fn))

    return decorate


def describe() -> str:
    """Which broker this process uses, for the worker's start-up line."""
    if huey.immediate:
        return "immediate (in the request)"
    storage = huey.storage
    return f"{type(storage).__name__} ({getattr(storage, 'filename', '') or 'redis'})"


def run_worker(workers: int = 2, periodic: bool = True) -> None:
    """Consume jobs until stopped (what `flask portal worker` runs); with `periodic`,
    also run the schedule (on one worker per broker: the weekly sampling must not
    start twice)."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)
    current_app.logger.info("job worker on %s", describe())
    consumer.run()
