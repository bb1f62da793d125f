"""Targets per measure: a company default, overridden per team; and the status
colour of a value against its target."""

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.models import utcnow
from portal.kpi.measures import BY_CODE, HIGHER, LOWER
from portal.kpi.models import KpiTarget

# Until HR sets its own, from the figures the playbooks quote (e.g. most
# customers expect an answer within 5 minutes).
DEFAULTS = {
    "review_score": 80.0,
    "pass_rate": 80.0,
    "critical_fails": 0.0,
    "nps": 30.0,
    "csat": 80.0,
    "frt_median": 300.0,
    "atht_median": 600.0,
    "complaint_rate": 5.0,
    "recontact_rate": 10.0,
    "return_rate": 3.0,
    "onboarding_done": 100.0,
    "overdue_items": 0.0,
}
TARGETED = tuple(DEFAULTS)
MET, NEAR, MISSED = "met", "near", "missed"


def targets_for(team_ids) -> dict[int | None, dict[str, float]]:
    """{team id or None (company): {measure: target}} with the defaults filled in."""
    company = dict(DEFAULTS)
    teams: dict[int | None, dict[str, float]] = {}
    for target in db.session.scalars(select(KpiTarget)):
        if target.team_id is None:
            company[target.measure] = target.value
        else:
            teams.setdefault(target.team_id, {})[target.measure] = target.value
    result = {None: company}
    for team_id in set(team_ids) - {None}:
        result[team_id] = {**company, **teams.get(team_id, {})}
    return result


def own_targets(team_id: int | None) -> dict[str, float]:
    """The targets set for exactly this scope (company: None), without inheritance."""
    condition = KpiTarget.team_id.is_(None) if team_id is None else KpiTarget.team_id == team_id
    return {t.measure: t.value for t in db.session.scalars(select(KpiTarget).where(condition))}


def status(measure: str, value: float | None, target: float | None) -> str | None:
    """met, near (within a small margin) or missed; None without a value or target."""
    if value is None or target is None:
        return None
    spec = BY_CODE[measure]
    margin = {"percent": 5.0, "score": 5.0, "count": 1.0}.get(spec.unit, abs(target) * 0.1)
    if spec.better == HIGHER:
        gap = target - value
    elif spec.better == LOWER:
        gap = value - target
    else:
        return None
    if gap <= 0:
        return MET
    return NEAR if gap <= margin else MISSED


def set_target(measure: str, team_id: int | None, value: float | None, *, by) -> None:
    """Set (or with None, remove) a target, for the caller to commit; a team without
    its own uses the company's."""
    if measure not in BY_CODE:
        raise ValueError(measure)
    scope = KpiTarget.team_id.is_(None) if team_id is None else KpiTarget.team_id == team_id
    existing = db.session.scalar(select(KpiTarget).where(KpiTarget.measure == measure, scope))
    who = by.id if by else None
    if value is None:
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(
            KpiTarget(
                measure=measure,
                team_id=team_id,
                value=value,
                updated_by_id=who,
                updated_at=utcnow(),
            )
        )
    else:
        existing.value, existing.updated_by_id, existing.updated_at = value, who, utcnow()


def save_targets(values: dict[str, float | None], team_id: int | None, *, by) -> None:
    """Set a scope's targets in one transaction. A team's empty target falls back to
    the company's; the company always has one, so an empty company field keeps it."""
    for code, value in values.items():
        if team_id is None and value is None:
            continue
        set_target(code, team_id, value, by=by)
    db.session.commit()
