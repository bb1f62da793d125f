"""The job queue for real: an HR export started through the page is built by a
Huey worker consuming from Redis (as production runs it), not in the request.
Skipped, with the reason, where no Redis answers on 127.0.0.1:6379."""

import time
import uuid

import pytest
from huey.storage import RedisStorage

from portal.core import queue
from portal.core.models import local_today
from portal.core.roles import Role
from portal.kpi.models import ExportJob

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
        state = db.session.query(ExportJob).filter_by(token=token).one().state
        if state in ("done", "failed"):
            break
        time.sleep(0.2)
    assert state == "done", f"the worker left the job {state}"
    assert time.perf_counter() - started < 30
    download = hr.get(f"/kpi/exports/{token}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_immediate_mode_is_what_the_rest_of_the_suite_uses(app):
    assert queue.huey.immediate and "immediate" in queue.describe()


def test_the_export_sweep_is_on_the_schedule_and_fails_stalled_jobs(app, make, db):
    from datetime import datetime, timedelta

    from portal.core.models import utcnow
    from portal.kpi import jobs

    # On the worker's schedule every five minutes.
    assert jobs.sweep_exports.task_class().validate_datetime(datetime(2026, 12, 1, 10, 5))
    assert not jobs.sweep_exports.task_class().validate_datetime(datetime(2026, 12, 1, 10, 7))
    hr = make.user(Role.HR)
    db.session.add(
        ExportJob(
            token="s" * 32,
            requested_by_id=hr.id,
            state="running",
            created_at=utcnow() - timedelta(hours=1),
            params={},
        )
    )
    db.session.commit()
    jobs.sweep_exports.call_local()
    db.session.expire_all()
    stalled = db.session.query(ExportJob).filter_by(token="s" * 32).one()
    assert stalled.state == "failed" and stalled.error == "stalled"
