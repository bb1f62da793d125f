"""Signed webhooks: HMAC-SHA256 over the timestamp and the raw body.

The sender puts ``X-Portal-Signature: t=<unix seconds>,v1=<hex>`` on each request,
where ``hex = HMAC-SHA256(signing key, "<t>." + body)`` — the scheme Stripe and
Svix use, so a phone system's existing webhook code needs no new idea. The
timestamp is inside the signed bytes, so an old request cannot be replayed with a
fresh time; requests more than five minutes away from the portal's clock are
refused (replays, and senders with a badly wrong clock). Several ``v1=`` values
are accepted, so a sender can sign with an old and a new key while rotating.

Written here rather than taken from a library: it is the standard library's
``hmac.compare_digest`` plus a header format, and the webhook libraries that
offer it (svix, standardwebhooks) fix a different header layout.
"""

import hashlib
import hmac
import time

HEADER = "X-Portal-Signature"
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    """Why a webhook's signature is refused (a sentence for the sender's log)."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body` (what a sender computes; the tests use it too)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(header: str, secret: str, body: bytes, now: float | None = None) -> int:
    """The signed timestamp, or BadSignature."""
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise BadSignature(f"Send {HEADER}: t=<unix seconds>,v1=<HMAC-SHA256 hex>.")
    expected = _digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise BadSignature("The signature does not match the body.")
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        # Checked after the signature, so only the key's holder learns about the clock.
        raise BadSignature("The signed time is more than 5 minutes from now (a replay?).")
    return timestamp
