"""Upload size limits: PORTAL_MAX_UPLOAD_MB for every request, larger ones a view declares.

The limit has to be known before anything reads the body, and CSRF protection reads
the form in the app's own before_request, ahead of any view or blueprint hook (setting
`request.max_content_length` inside the view came too late: a 30 MB recording was
refused as over 20 MB). So a view declares its limit with `@upload_limit(...)`, and
the portal's request class answers `max_content_length` from that declaration
whenever the body is first parsed.
"""

from flask import Flask, Request, current_app, request

MB = 1024 * 1024
# Room for the other fields sent with a file at its limit (a transcript, the CSRF
# token, the multipart boundaries), so that a 50 MB recording fits a 50 MB limit.
FORM_ALLOWANCE = MB


def upload_limit(config_key: str):
    """Let this view take bodies up to `app.config[config_key]` MB instead of the
    app-wide limit. Put it right under the route decorator."""

    def decorate(view):
        view.upload_limit_key = config_key
        return view

    return decorate


def _declared_key(req: Request) -> str | None:
    if req.url_rule is None:
        return None
    view = current_app.view_functions.get(req.url_rule.endpoint)
    return getattr(view, "upload_limit_key", None)


class _DeclaredLimits:
    """A request whose body limit follows the view's `@upload_limit`."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app:
            key = _declared_key(self)
            if key:
                return current_app.config[key] * MB + FORM_ALLOWANCE
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def init_app(app: Flask) -> None:
    """Give the app's request class the declared limits. Call it after the extensions
    that set a request class of their own (htmx-flask sets HtmxAwareRequest)."""
    app.request_class = type("PortalRequest", (_DeclaredLimits, app.request_class), {})


def limit_mb() -> int:
    """The limit that applies to this request in MB, as configured (the 413 page names it)."""
    key = _declared_key(request)
    if key:
        return current_app.config[key]
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // MB
