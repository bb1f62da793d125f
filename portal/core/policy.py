"""Who may do what: named permissions that routes, templates and the route sweep all read.

A permission is a name such as ``"rubrics.edit"`` bound to the roles that hold
it and, where the answer depends on the object ("may this person read *this*
review in *this* state?"), to a rule in the owning feature's ``policy`` module.
The core knows the vocabulary (this registry, the role groups in ``roles``);
each feature states its own rules, with a docstring that reads as the rule.

- Routes: ``@permission_required(REVIEW_CALLS)`` answers 403 to anyone whose
  role does not hold it (and sends anonymous people to the login page);
  object rules are asked in the view or service with ``may(user, name, obj)``.
- Templates: ``{% if may("rubrics.edit") %}`` (the current user) or
  ``may("review.read", review)``.
- Tests: ``tests/test_route_sweep.py`` checks every endpoint × role against
  one table, and that each endpoint's declared permission matches the roles
  its row lets in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from portal.core.roles import Role

Rule = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Permission:
    """A named permission: the roles that hold it and, optionally, an object rule."""

    name: str
    roles: frozenset[Role]
    doc: str
    rule: Rule | None = None

    def __str__(self) -> str:
        return self.name

    def __call__(self, user, obj: Any = None) -> bool:
        """A rule reads as a function where services ask it: ``can_decide(user, review)``."""
        return may(user, self, obj)


_REGISTRY: dict[str, Permission] = {}


def permission(name: str, roles: Iterable[Role], doc: str) -> Permission:
    """Declare a permission that depends on the person's role alone."""
    return _register(Permission(name, frozenset(roles), doc))


def rule(name: str, roles: Iterable[Role] = tuple(Role)) -> Callable[[Rule], Permission]:
    """Declare a permission about one object; the decorated function is the rule
    (``rule(user, obj) -> bool``) and its docstring says it in words. Only people
    whose role is in `roles` are asked the rule at all."""

    def declare(check: Rule) -> Permission:
        return _register(Permission(name, frozenset(roles), (check.__doc__ or "").strip(), check))

    return declare


def _register(declared: Permission) -> Permission:
    existing = _REGISTRY.get(declared.name)
    if existing is not None and existing != declared:
        raise ValueError(f"permission {declared.name!r} declared twice")
    _REGISTRY[declared.name] = declared
    return declared


def lookup(name: str | Permission) -> Permission:
    """The permission of that name; an unknown name is a programming error."""
    if isinstance(name, Permission):
        return name
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no permission named {name!r}") from None


def permissions() -> list[Permission]:
    """Every declared permission, by name (for the policy table and the sweep)."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def may(user, name: str | Permission, obj: Any = None) -> bool:
    """Whether `user` holds the permission (for `obj`, when it has an object rule)."""
    declared = lookup(name)
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role not in declared.roles:
        return False
    if declared.rule is None:
        return True
    return bool(declared.rule(user, obj))


def require(name: str | Permission, obj: Any = None, *, hide: bool = False) -> None:
    """Stop the request unless the current user holds the permission: 403, or 404
    where the object must not even be known to exist for them (`hide`)."""
    if not may(current_user, name, obj):
        abort(404 if hide else 403)


def permission_required(name: str | Permission) -> Callable:
    """Allow a view only to logged-in people whose role holds the permission (403
    otherwise). Object rules are asked inside, once the object is loaded."""
    declared = lookup(name)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in declared.roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = declared  # read by the route sweep
        return wrapped

    return decorator


def template_helpers() -> dict[str, Callable]:
    """``may(name, obj=None)`` for templates, always about the current user."""

    def may_current(name: str, obj: Any = None) -> bool:
        return may(current_user, name, obj)

    return {"may": may_current}
