"""The job queue for real: an HR export started through the page is built by a
Huey worker consuming from Redis (as production runs it), not in the request.
Skipped, with the reason, where no Redis answers on 127.0.0.1:6379."""

import time
import uuid

import pytest
from huey.storage import RedisStorage

from portal.core import queue
from portal.core.jobs import Job
from portal.core.models import local_today
from portal.core.roles import Role

REDIS = "redis://127.0.0.1:6379/15"


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS}: {error}")


@pytest.fixture
def redis_queue(app):
    """The portal's queue on a private Redis name, with one worker thread consuming."""
    _redis_or_skip()
    storage, immediate, worker_app = queue.huey.storage, queue.huey.immediate, queue._app
    queue.huey.immediate = False
    queue._app = app  # other tests may have made apps of their own since
    queue.huey.storage = RedisStorage(name=f"portal-test-{uuid.uuid4().hex}", url=REDIS)
    consumer = queue.huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    yield queue.huey
    consumer.stop(graceful=True)
    queue.huey.storage.flush_all()
    queue.huey.storage, queue.huey.immediate, queue._app = storage, immediate, worker_app


def test_an_export_is_built_by_the_worker_not_the_request(redis_queue, login_as, make, db):
    assert not redis_queue.immediate and isinstance(redis_queue.storage, RedisStorage)
    make.user(Role.AGENT, team=make.team())
    hr = login_as("hr")
    started = time.perf_counter()
    response = hr.post("/kpi/export", {"period": "month", "ref": local_today().isoformat()})
    assert response.status_code == 303
    token = response.location.rsplit("/", 1)[-1]
    deadline = time.monotonic() + 30
    state = None
    while time.monotonic() < deadline:
        db.session.expire_all()
        state = db.session.query(Job).filter_by(token=token).one().state
        if state in ("done", "failed"):
            break
        time.sleep(0.2)
    assert state == "done", f"the worker left the job {state}"
    assert time.perf_counter() - started < 30
    download = hr.get(f"/kpi/exports/{token}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_immediate_mode_is_what_the_rest_of_the_suite_uses(app):
    assert queue.huey.immediate and "immediate" in queue.describe()


def test_the_job_sweep_is_on_the_schedule_and_settles_stalled_jobs(app, make, db):
    from datetime import datetime, timedelta

    from portal.core import jobs
    from portal.core.models import utcnow

    # On the worker's schedule every minute.
    assert jobs.sweep.task_class().validate_datetime(datetime(2026, 12, 1, 10, 7))
    hr = make.user(Role.HR)
    long_ago = utcnow() - timedelta(hours=1)
    for token, attempts in (("r" * 32, 1), ("f" * 32, 3)):
        db.session.add(
            Job(
                token=token,
                kind="hr_export",
                requested_by_id=hr.id,
                state="running",
                attempts=attempts,
                created_at=long_ago,
                heartbeat_at=long_ago,
                params={
                    "agents": [],
                    "kind": "month",
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "today": "2026-11-30",
                },
            )
        )
    db.session.commit()
    jobs.sweep.call_local()
    db.session.expire_all()
    # A first attempt whose worker died runs again (here at once: immediate mode);
    # the third is failed with a sentence, not left "running".
    retried = db.session.query(Job).filter_by(token="r" * 32).one()
    assert retried.state == "done" and retried.attempts == 2
    given_up = db.session.query(Job).filter_by(token="f" * 32).one()
    assert given_up.state == "failed" and "bị dừng trước khi xong" in given_up.error
