"""HTTP validators for the KPI pages: an ETag made from the data's version
counters (portal/kpi/versions.py) and everything else the page depends on, so a
reload with nothing changed answers 304 after one small statement.

What goes into the tag besides the counters: who is looking (and their session:
the page carries its CSRF token), the language, the exact address and whether
htmx asked for a fragment, today's date (overdue items move at midnight) and the
portal's version (a new release renders differently). A page with a message
still to show never answers 304.
"""

import hashlib
from importlib.metadata import PackageNotFoundError, version

from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.core.extensions import db
from portal.core.models import local_today
from portal.kpi import versions

try:
    RELEASE = version("care-portal")
except PackageNotFoundError:  # running from a checkout that was never installed
    RELEASE = "dev"


def data_version(agent_ids: list[int], fingerprint: str | None = None) -> str:
    """What the figures of a page about these agents are made of, as one string: the
    same for every viewer of the same page (the key of its cached fragments).
    `fingerprint`: their counters' (versions.of_scope), when already read."""
    parts = [
        fingerprint or versions.fingerprint(db.session, agent_ids),
        hashlib.sha256(",".join(map(str, agent_ids)).encode()).hexdigest()[:16],
        str(get_locale()),
        request.path,
        "&".join(f"{k}={v}" for k, v in sorted(request.args.items())),
        local_today().isoformat(),
        RELEASE,
    ]
    return "|".join(parts)


def etag_for(data: str) -> str:
    """The page's validator: its data version and the person looking (their session:
    the page carries its CSRF token) and whether htmx asked for a fragment."""
    parts = [
        data,
        str(current_user.id),
        str(current_user.session_version),
        hashlib.sha256(str(session.get("csrf_token", "")).encode()).hexdigest()[:16],
        request.headers.get("HX-Request", ""),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def not_modified(tag: str) -> Response | None:
    """A 304 when the browser already has this page, else None."""
    if session.get("_flashes") or tag not in request.if_none_match:
        return None
    return validated(Response(status=304), tag)


def validated(page, tag: str) -> Response:
    """The page with its ETag; the browser keeps it but asks again each time."""
    response = make_response(page)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    response.vary.add("HX-Request")
    return response
