"""Scheduled sampling: every team's interactions of the last days drawn into its
supervisors' review queues, on the worker's schedule (weekly by default) or by
`flask portal sample-reviews` from cron.

Each run is a background job (portal/core/jobs.py) with its result kept for a month,
so an admin can see when sampling last ran and what it drew. Running it twice
draws nothing new: interactions already reviewed or queued are never drawn again,
which is also why a run whose worker died can simply run again.
"""

import os
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.core import jobs
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.queue import periodic
from portal.core.roles import FRONTLINE
from reviews import rubrics, sampling
from reviews.models import Rubric

KIND = "review_sampling"
# Crontab fields in UTC, from the environment like the broker: Monday 06:00 in
# Vietnam is Sunday 23:00 UTC. "off" turns the schedule off (cron users).
SCHEDULE = os.environ.get("PORTAL_SAMPLING_CRON", "0 23 * * 0")


@dataclass
class TeamDraw:
    team: str
    assigned: int = 0
    short: int = 0
    skipped: bool = False  # no supervisor to review


class NoRubric(Exception):
    """The rubric to sample for is not published."""


def draw_for_every_team(
    *, per_agent: int, days: int, rubric_slug: str, channel: str | None = None
) -> list[TeamDraw]:
    """Draw for each team with active frontline people into its leads' queues."""
    rubric = db.session.scalar(select(Rubric).where(Rubric.slug == rubric_slug))
    version = rubrics.published(rubric) if rubric else None
    if version is None:
        raise NoRubric(rubric_slug)
    end = utcnow()
    start = end - timedelta(days=days)
    draws = []
    for team in db.session.scalars(select(Team).order_by(Team.name)):
        agents = list(
            db.session.scalars(
                select(User.id).where(
                    User.team_id == team.id,
                    User.active.is_(True),
                    User.role.in_([r.value for r in FRONTLINE]),
                )
            )
        )
        if not agents:
            continue
        leads = [u.id for u in team.leads if u.active]
        if not leads:
            draws.append(TeamDraw(team.name, skipped=True))
            continue
        result = sampling.draw(
            agent_ids=agents,
            per_agent=per_agent,
            start=start,
            end=end,
            reviewer_ids=leads,
            version=version,
            by=None,
            channel=channel,
        )
        draws.append(TeamDraw(team.name, len(result.assigned), sum(result.short.values())))
    return draws


@jobs.kind(KIND, per_person=1, keep_for=timedelta(days=31))
def run_sampling(job: jobs.Job, beat) -> dict:
    try:
        draws = draw_for_every_team(**job.params)
    except NoRubric as missing:
        raise jobs.JobFailed(f"no published rubric {missing}") from missing
    return {"teams": [vars(d) for d in draws], "assigned": sum(d.assigned for d in draws)}


def start_sampling(per_agent: int = 3, days: int = 7, rubric_slug: str = "goi-dien") -> jobs.Job:
    params = {"per_agent": per_agent, "days": days, "rubric_slug": rubric_slug, "channel": None}
    return jobs.start(KIND, by_id=None, params=params)


if SCHEDULE != "off":
    minute, hour, day, month, day_of_week = SCHEDULE.split()

    @periodic(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)
    def scheduled_sampling() -> None:
        """The weekly draw, recorded as a job like any other; skipped while one runs."""
        try:
            start_sampling()
        except jobs.JobLimit:
            current_app.logger.info("sampling already running; this run skipped")
