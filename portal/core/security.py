"""Security headers on every response, the trusted proxy, and client throttling."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from portal.core.extensions import limiter

# Everything the portal loads is its own (htmx, Chart.js and Pico are vendored),
# so 'self' is the whole policy. No inline script or style is allowed: htmx's
# indicator styles are switched off in base.html and live in portal.css.
# img-src adds data: because Pico CSS draws its form icons (select chevron,
# checkbox tick, search glass) as data: SVG images; blocking them would leave
# those controls without their marks.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Uploaded recordings above all: a file is only ever what its type says.
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}

# A year; no includeSubDomains, since other intranet hosts may still be HTTP.
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Send the security headers, trust the configured proxies, start the limiter."""
    # A hook of our own rather than flask-talisman: five fixed headers do not
    # need a library that also redirects to HTTPS and rewrites cookie settings.

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # HTTPS is known to be in front only when the cookies are secure.
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    # Behind nginx every request comes from the proxy's address: without this
    # the per-address login limit would be one limit shared by everyone.
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    limiter.init_app(app)
