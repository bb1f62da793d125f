"""What a flush changed, and on which local day: shared by the rollups and the
version counters that follow the data."""

from datetime import date, datetime

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
