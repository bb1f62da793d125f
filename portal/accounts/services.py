"""Accounts: authentication, throttling, user and team changes (who sees whom: `policy`)."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import ScalarSelect, String, bindparam, cast, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import Team, User, team_leads
from portal.accounts.policy import remember_led_teams
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.core.signals import person_joined

# Figures the frame of every page shows about the person (the unread-reviews badge)
# are read with their row, in the same statement: on a small page a round trip to
# the database costs as much as the rest of the request. A feature above accounts
# registers a correlated count under a name, and the value lands in flask.g there.
FrameCount = Callable[[Any], ScalarSelect]


# The teams the person leads, with their row too: every review, call and KPI page
# asks whether the viewer leads someone (accounts.policy.led_team_ids).
_LED_TEAMS = (
    select(func.aggregate_strings(cast(team_leads.c.team_id, String), ","))
    .where(team_leads.c.user_id == User.id)
    .scalar_subquery()
)


def register_frame_count(app: Flask, name: str, count_of: FrameCount) -> None:
    app.extensions.setdefault("portal.frame_counts", {})[name] = count_of
    app.extensions.pop("portal.person_statement", None)


def _person_statement(app: Flask):
    statement = app.extensions.get("portal.person_statement")
    if statement is None:  # built once per app, then run with a bound id
        counts = app.extensions.get("portal.frame_counts", {})
        statement = select(
            User,
            _LED_TEAMS,
            *(count_of(User.id).label(name) for name, count_of in counts.items()),
        ).where(User.id == bindparam("id"))
        app.extensions["portal.person_statement"] = statement
    return statement


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the session id is "<user id>:<session version>"."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    found = db.session.execute(_person_statement(current_app), {"id": int(user_id)}).first()
    if found is None:
        return None
    user, led, *figures = found
    if user.session_version != int(version) or not user.active:
        return None
    remember_led_teams(user, [int(team) for team in led.split(",")] if led else [])
    for name, value in zip(found._fields[2:], figures, strict=True):
        setattr(g, name, value)
    return user


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str) -> None:
    """Store a new password and end every other session of this user."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked: bool = False


_dummy_hash: str | None = None


def _spend_a_password_check(password: str) -> None:
    """As much work as a real check, so timing does not tell which emails exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_hex(8))
    check_password_hash(_dummy_hash, password)


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials, counting attempts per account.

    Throttling is kept on the account row rather than in Flask-Limiter's memory
    store so that it holds across gunicorn workers and restarts without Redis.
    Each attempt first claims a slot in one UPDATE (counted in SQL, refused
    while locked), and only then spends a password check: a burst of parallel
    guesses gets at most LOGIN_MAX_FAILURES checks.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        _spend_a_password_check(password)
        return LoginResult(None)
    user_id, now = user.id, utcnow()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    attempt = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar()
    db.session.commit()
    if attempt is None or attempt > limit:
        return LoginResult(None, locked=True)
    if user.password_hash and check_password_hash(user.password_hash, password):
        db.session.execute(
            update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None)
        )
        db.session.commit()
        return LoginResult(user)
    if attempt >= limit:
        lock_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        db.session.execute(
            update(User).where(User.id == user_id).values(failed_logins=0, locked_until=lock_until)
        )
        db.session.commit()
        return LoginResult(None, locked=True)
    return LoginResult(None)


# --- changes ----------------------------------------------------------------


@dataclass
class UserData:
    name: str
    email: str
    role: str
    team_id: int | None
    hire_date: date | None
    led_team_ids: list[int]
    can_approve_scripts: bool = False
    external_agent_id: str | None = None


def email_taken(email: str, *, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == email.lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def external_id_taken(external_id: str | None, *, except_id: int | None = None) -> bool:
    """Whether another person has this id in the phone system (one agent per id)."""
    if not external_id:
        return False
    query = select(User.id).where(User.external_agent_id == external_id.strip())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def save_user(user: User | None, data: UserData, password: str | None = None) -> User:
    """Create (user=None) or update a user; commits."""
    joined = data.role == Role.NEW_HIRE and (user is None or user.role != Role.NEW_HIRE)
    if user is None:
        user = User()
        db.session.add(user)
    user.name = data.name
    user.email = data.email.lower()
    user.role = data.role
    user.team_id = data.team_id
    user.hire_date = data.hire_date
    user.external_agent_id = data.external_agent_id
    if data.role == Role.SUPERVISOR:
        user.led_teams = list(
            db.session.scalars(select(Team).where(Team.id.in_(data.led_team_ids)))
        )
    else:
        user.led_teams = []
    # Only a supervisor can be granted approval; admins approve anyway.
    user.can_approve_scripts = data.role == Role.SUPERVISOR and data.can_approve_scripts
    if password:
        set_password(user, password)
    db.session.commit()
    if joined:
        person_joined.send(current_app._get_current_object(), user=user)
    return user


def set_active(user: User, active: bool) -> None:
    """Deactivate (keeping every record) or reactivate an account."""
    user.active = active
    user.deactivated_at = None if active else utcnow()
    if not active:
        user.session_version += 1  # ends any open session at once
    db.session.commit()


def team_named(name: str) -> int | None:
    """The id of the team called `name`, if there is one (names are unique)."""
    return db.session.scalar(select(Team.id).where(Team.name == name))


def save_team(team: Team | None, name: str, description: str, lead_ids: list[int]) -> Team:
    if team is None:
        team = Team()
        db.session.add(team)
    team.name = name
    team.description = description
    team.leads = list(
        db.session.scalars(select(User).where(User.id.in_(lead_ids), User.role == Role.SUPERVISOR))
    )
    db.session.commit()
    return team
