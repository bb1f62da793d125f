"""Server-side authorization: decorators for routes, helpers for scope."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal.core.roles import Role


def roles_required(*roles: Role) -> Callable:
    """Allow a view only to logged-in users holding one of `roles` (403 otherwise)."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # read by the route sweep test
        return wrapped

    return decorator
