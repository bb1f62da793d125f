"""The one place that decides between a fragment and a full page."""

from flask import Response, make_response, redirect, render_template, request
from htmx_flask import make_response as htmx_response


def is_htmx() -> bool:
    # Boosted navigation (hx-boost) wants the whole page; only targeted htmx
    # requests get a fragment.
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def render(page: str, fragment: str | None = None, *, status: int = 200, **context) -> Response:
    """Render `fragment` for htmx requests and `page` otherwise."""
    template = fragment if fragment and is_htmx() else page
    return make_response(render_template(template, **context), status)


def redirect_to(url: str) -> Response:
    """Redirect after a successful POST: HX-Redirect for htmx, 303 otherwise."""
    if is_htmx():
        return htmx_response(redirect=url)
    return redirect(url, code=303)
