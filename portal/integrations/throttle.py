"""Per-token rate limits for the API (Flask-Limiter's storage and strategy).

Counted by the token's id, not the client address: a phone system behind a NAT
shares its address with others, and one token's burst must not hold back another
system's. The limit is API_RATE_LIMIT ("600 per minute", or several separated by
";"); the count lives in RATELIMIT_STORAGE_URI, shared by every worker when that
is Redis. Checked after the token is known, so calls without a valid token are
never counted against one.
"""

import math
import time

from flask import current_app
from limits import parse_many

from portal.core.extensions import limiter

NAMESPACE = "api-token"


def wait_seconds(token) -> int | None:
    """Count this call against the token; None while within its limits, otherwise
    the seconds until the window that refused it lets a call through again."""
    if not limiter.enabled:
        return None
    # The id with the secret's shown prefix: a database made again (each test's is)
    # reuses ids, and a new token must not inherit an old one's count.
    key = f"{token.id}:{token.prefix}"
    for item in parse_many(current_app.config["API_RATE_LIMIT"]):
        if not limiter.limiter.hit(item, NAMESPACE, key):
            reset_at, _left = limiter.limiter.get_window_stats(item, NAMESPACE, key)
            return max(1, math.ceil(reset_at - time.time()))
    return None
