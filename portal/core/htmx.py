"""The one place that decides between a fragment and a full page."""

from flask import Response, make_response, redirect, render_template, request
from htmx_flask import make_response as htmx_response


def is_htmx() -> bool:
    # Boosted navigation (hx-boost) and htmx restoring history after Back want
    # the whole page; only targeted htmx requests get a fragment.
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, *, status: int = 200, **context) -> Response:
    """Render `fragment` for htmx requests and `page` otherwise."""
    template = fragment if fragment and is_htmx() else page
    response = make_response(render_template(template, **context), status)
    if status >= 400 and getattr(request, "htmx", None):
        # A refused boosted form must not leave its POST-only URL in the address
        # bar: reloading it would ask for a page that only takes forms (405).
        response.headers["HX-Push-Url"] = "false"
    if fragment:
        # The same URL answers with a page or a fragment: caches must keep both.
        response.vary.add("HX-Request")
    return response


def form_status() -> int:
    """The status of a form page shown again: 422 when it was posted and refused,
    200 when it is first opened."""
    return 422 if request.method == "POST" else 200


def redirect_to(url: str) -> Response:
    """Redirect after a successful POST: HX-Redirect for htmx, 303 otherwise."""
    if is_htmx():
        return htmx_response(redirect=url)
    return redirect(url, code=303)
