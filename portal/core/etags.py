"""HTTP validators: a page answers 304 when the browser's copy is still right.

A page's tag is made of the version of the data it shows (given by the feature
that owns that data) and of the person looking: their id and session (the page
carries their CSRF token), whether htmx asked for a fragment, and the release.
A page with a message still to show never answers 304.

Features below the one that keeps the version counters (portal/kpi/versions.py
sits above the reviews) ask for a version by name: `provide()` registers the
function at start, `version_of()` asks it; no provider, no validator.
"""

import hashlib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from flask import Response, make_response, request, session
from flask_login import current_user

try:
    RELEASE = version("care-portal")
except PackageNotFoundError:  # running from a checkout that was never installed
    RELEASE = "dev"

_providers: dict[str, Callable[[object], str]] = {}


def provide(name: str, source: Callable[[object], str]) -> None:
    _providers[name] = source


def version_of(name: str, user) -> str | None:
    source = _providers.get(name)
    return source(user) if source else None


def tag_for(data: str) -> str:
    """The validator of a page showing `data` to the current person."""
    parts = [
        data,
        str(current_user.id),
        str(current_user.session_version),
        hashlib.sha256(str(session.get("csrf_token", "")).encode()).hexdigest()[:16],
        request.headers.get("HX-Request", ""),
        RELEASE,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def not_modified(tag: str | None) -> Response | None:
    """A 304 when the browser already has this page, else None."""
    if not tag or session.get("_flashes") or tag not in request.if_none_match:
        return None
    return validated(Response(status=304), tag)


def validated(page, tag: str | None) -> Response:
    """The page with its ETag; the browser keeps it but asks again each time."""
    response = make_response(page)
    if tag:
        response.set_etag(tag)
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.add("Cookie")
        response.vary.add("HX-Request")
    return response
