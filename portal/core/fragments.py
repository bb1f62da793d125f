"""A server-side cache of rendered page fragments (the KPI team table, the body of
an agent's sheet): Flask-Caching on the same Redis as the job queue when there is
one, so every app node shares what another rendered; an in-process SimpleCache as
the embedded default (one machine, one process's memory).

Nothing is ever deleted to invalidate: a fragment's key carries the version
counters of the data it shows (portal/kpi/versions.py), bumped in the same
transaction as the change, so the first request after a change asks for a new key
and renders fresh figures; the old entry is never asked for again and expires.
A fragment holds only what every viewer with the same key may see: no CSRF
token, no name of the person looking.

`PORTAL_CACHE_URL`: `redis://…` (default: `PORTAL_QUEUE_URL` when that is Redis),
`simple` (in-process), or `off`. When Redis does not answer the page is rendered
as if nothing were cached: a cache never takes a page down.
"""

import hashlib
import logging
import os

from flask import Flask
from flask_caching import Cache
from markupsafe import Markup

log = logging.getLogger(__name__)
cache = Cache()
TIMEOUT_SECONDS = 15 * 60
PREFIX = "portal-fragment:"


def settings() -> dict:
    url = os.environ.get("PORTAL_CACHE_URL", "")
    queue = os.environ.get("PORTAL_QUEUE_URL", "")
    if not url and queue.startswith(("redis://", "rediss://")):
        url = queue
    common = {"CACHE_DEFAULT_TIMEOUT": TIMEOUT_SECONDS, "CACHE_KEY_PREFIX": PREFIX}
    if url.startswith(("redis://", "rediss://")):
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
    if url == "off":
        return {**common, "CACHE_TYPE": "NullCache"}
    return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 500}


def init_app(app: Flask) -> None:
    # What the app was given (a test's CACHE_TYPE) wins over the environment.
    given = {k: v for k, v in app.config.items() if k.startswith("CACHE_")}
    cache.init_app(app, config={**settings(), **given})


def key_of(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _quietly(action, fallback=None):
    """`action()`, or `fallback` when the cache does not answer (Redis down or out of
    memory): a cache costs speed, never the page."""
    try:
        return action()
    except Exception as error:  # noqa: BLE001
        log.warning("fragment cache not answering: %s", error)
        return fallback


def cached(key: str, render) -> Markup:
    """The fragment under `key`, rendered by `render()` (returning HTML) on a miss."""
    html = _quietly(lambda: cache.get(key))
    if html is None:
        html = str(render())
        _quietly(lambda: cache.set(key, html))
    return Markup(html)


def forget_all() -> None:
    """Every cached fragment dropped: after a restore, whose version counters go back."""
    _quietly(cache.clear)


def get_many(keys: list[str]) -> dict:
    """{key: value} of the keys kept (values of any picklable kind); {} when the
    cache does not answer."""
    if not keys:
        return {}
    return _quietly(lambda: dict(zip(keys, cache.get_many(*keys), strict=True)), {})


def set_many(values: dict) -> None:
    if values:
        _quietly(lambda: cache.set_many(values))
