"""Where a redirect may send a person back to: only pages of this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never another host, scheme, or `//host` trick."""
    if not target:
        return None
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
