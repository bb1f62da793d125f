"""What a flush changed, and on which local day, and taking an agent's days in
turn: shared by the rollups and the version counters that follow the data."""

from datetime import date, datetime

from sqlalchemy import text

from portal.core.models import local_zone


def local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(local_zone()).date() if moment is not None else None


def changed_values(state, name: str) -> set:
    """The attribute's value now and, if this flush changed it, before."""
    history = state.attrs[name].history
    found = {*history.added, *history.deleted, *history.unchanged}
    if not found:
        found = {getattr(state.object, name, None)}
    return {v for v in found if v is not None}


def one_at_a_time(session, key: int, agent_ids: set[int]) -> None:
    """On PostgreSQL, wait for any other transaction refreshing these agents' days of
    the rollup `key` names: two refreshes of one day at once would each delete what
    the other had not yet committed and then collide inserting it. Locks are taken in
    id order (no deadlock between two such transactions) and held until commit.
    SQLite has one writer at a time anyway."""
    if not agent_ids or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT pg_advisory_xact_lock(:key, a) FROM unnest(CAST(:ids AS integer[])) a"),
        {"key": key, "ids": sorted(agent_ids)},
    )
