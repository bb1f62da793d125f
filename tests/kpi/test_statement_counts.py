"""The KPI pages cost the same number of SQL statements whatever the number of
agents, reviews and days behind them: they read the rollups (portal/kpi/rollups.py)
in a fixed handful of statements, and each measurement here follows a change, so
it is the computing path, not a cached fragment."""

from datetime import timedelta

from portal.core.models import local_today, utcnow
from portal.core.roles import Role
from portal.kpi.models import OutcomeRecord


def _quarter() -> str:
    return "period=quarter&ref=" + local_today().isoformat()


def _quarter_days(count: int) -> list[int]:
    """Day offsets back from today that stay inside today's quarter."""
    today = local_today()
    first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    return [k for k in range(count) if today - timedelta(days=k) >= first] or [0]


def _busy(db, make, agent, supervisor, reviews: int, days: int) -> None:
    offsets = _quarter_days(days)
    for n in range(reviews):
        review = make.review(make.interaction(agent, recording=None), supervisor)
        review.submitted_at = utcnow() - timedelta(days=offsets[n % len(offsets)])
    for n, offset in enumerate(offsets):
        db.session.add(
            OutcomeRecord(
                record_key=f"{agent.id}-{days}-{n}",
                agent_id=agent.id,
                occurred_on=local_today() - timedelta(days=offset),
                nps=n % 11,
                csat=1 + n % 5,
                first_response_seconds=30 + n,
                handling_seconds=200 + 7 * n,
            )
        )
    db.session.commit()


def _count(count_queries, session, url) -> int:
    with count_queries() as statements:
        assert session.get(url).status_code == 200
    return len(statements)


def test_team_table_and_sheet_statements_do_not_grow_with_agents_reviews_or_days(
    login_as, make, db, count_queries
):
    team = make.team()
    lead = make.user(Role.SUPERVISOR, leads=[team])
    first = make.user(Role.AGENT, team=team)
    _busy(db, make, first, lead, reviews=1, days=1)
    hr, me = login_as("hr"), login_as(first)
    sheet = f"/kpi/agents/{first.id}?{_quarter()}"
    few_team = _count(count_queries, hr, f"/kpi/team?{_quarter()}")
    few_sheet = _count(count_queries, me, sheet)
    _busy(db, make, first, lead, reviews=6, days=20)  # more reviews, on more days
    for _ in range(12):
        _busy(db, make, make.user(Role.AGENT, team=team), lead, reviews=2, days=15)
    assert _count(count_queries, hr, f"/kpi/team?{_quarter()}") == few_team
    assert _count(count_queries, me, sheet) == few_sheet
    page = hr.get(f"/kpi/team?{_quarter()}").get_data(as_text=True)
    assert page.count('href="/kpi/agents/') == 13  # every agent is in the table
