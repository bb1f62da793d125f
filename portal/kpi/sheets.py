"""The KPI sheet of one agent and the table of many, with targets and trends."""

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.core.extensions import db
from portal.kpi import targets, value_cache, versions
from portal.kpi.measures import BY_CODE
from portal.kpi.periods import Period, last_n
from portal.kpi.review_measures import versions_used
from portal.kpi.rollup_measures import (
    autoqa_measures,
    criterion_averages,
    outcome_measures,
    review_measures,
    section_averages,
    trend_values,
)
from portal.kpi.scopes import frontline
from portal.kpi.training_measures import training_measures
from portal.playbooks.models import PlaybookStep
from portal.playbooks.services import step_refs
from quizzes.models import QuestionCategory, Quiz, QuizSlot
from reviews.rubrics import criterion_catalogue, section_catalogue

TREND_PERIODS = 6
TREND_MEASURES = ("review_score", "csat", "nps", "frt_median")


@dataclass
class Row:
    agent: User
    team: str
    values: dict
    goals: dict
    statuses: dict = field(default_factory=dict)


def agents_in(scope_query, team_id: int | None = None) -> list[User]:
    """Frontline people (agents, new hires) in the viewer's scope, by name."""
    return list(db.session.scalars(frontline(scope_query, team_id)))


def agent_versions_in(scope_query, team_id: int | None, viewer: int) -> versions.ScopeVersions:
    """Their ids and the versions of their figures (and the viewer's counter), in one
    statement: what a cached page needs to know whether it is still right."""
    return versions.of_scope(db.session, frontline(scope_query, team_id), viewer)


def sheet_values(
    agent_ids: list[int], period: Period, today: date, *, with_targeted: bool = False
) -> dict[int, dict]:
    """Every measure for every agent: {agent_id: {code: value or None}}. The review
    figures count targeted reviews only `with_targeted` (reviews/sampling.py).

    The number of statements is fixed (one per source, plus one per median), so
    a team of 5 and a company of 500 cost the same number of queries.
    """
    values = {agent_id: dict.fromkeys(BY_CODE) for agent_id in agent_ids}
    if not agent_ids:
        return values
    for source in (
        review_measures(agent_ids, period, with_targeted=with_targeted),
        autoqa_measures(agent_ids, period),
        outcome_measures(agent_ids, period),
        training_measures(agent_ids, today),
    ):
        for agent_id, measures in source.items():
            values[agent_id].update({k: v for k, v in measures.items() if k in BY_CODE})
    for entry in values.values():
        entry["review_count"] = entry["review_count"] or 0
        entry["auto_qa_calls"] = entry["auto_qa_calls"] or 0
        entry["targeted_reviews"] = entry["targeted_reviews"] or 0
    return values


def table(
    agents: list[User],
    period: Period,
    today: date,
    scope: versions.ScopeVersions | None = None,
    *,
    with_targeted: bool = False,
) -> list[Row]:
    """A row per agent. With the scope's version counters, each agent's values come
    from the cache when that agent has not changed (portal/kpi/value_cache.py)."""
    ids = [a.id for a in agents]
    if with_targeted:  # asked for on one sheet: not what the shared cache holds
        values = sheet_values(ids, period, today, with_targeted=True)
    elif scope is None:
        values = sheet_values(ids, period, today)
    else:
        values = value_cache.values_for(scope, ids, period, today, sheet_values)
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    goals = targets.targets_for({a.team_id for a in agents})
    rows = []
    for agent in agents:
        own_goals = goals.get(agent.team_id, goals[None])
        row = Row(agent, teams.get(agent.team_id, ""), values[agent.id], own_goals)
        row.statuses = {
            code: targets.status(code, row.values.get(code), own_goals.get(code))
            for code in targets.TARGETED
        }
        rows.append(row)
    return rows


def sort_rows(rows: list[Row], column: str, descending: bool) -> list[Row]:
    if column == "name" or column not in BY_CODE:
        return sorted(rows, key=lambda r: (r.agent.name.lower(), r.agent.id), reverse=descending)
    present = [r for r in rows if r.values.get(column) is not None]
    missing = [r for r in rows if r.values.get(column) is None]
    present.sort(key=lambda r: r.values[column], reverse=descending)
    return present + missing  # no value sorts last either way


def trend(agent_ids: list[int], period: Period, today: date) -> tuple[list[Period], dict]:
    """The last few periods' values of the trend measures: {agent: {code: [values]}},
    read from the rollups in three statements for all the periods."""
    periods = last_n(period, TREND_PERIODS)
    values = trend_values(agent_ids, periods)
    series: dict[int, dict[str, list]] = {a: {c: [] for c in TREND_MEASURES} for a in agent_ids}
    for index, _each in enumerate(periods):
        for agent_id in agent_ids:
            merged = values.get((agent_id, index), {})
            for code in TREND_MEASURES:
                value = merged.get(code)
                series[agent_id][code].append(round(value, 1) if value is not None else None)
    return periods, series


@dataclass
class WeakCriterion:
    key: str
    title: str
    mean: float
    count: int
    step_url: str | None = None
    scripts_url: str | None = None
    quiz_url: str | None = None


def weakest(agent_id: int, period: Period, limit: int = 3) -> list[WeakCriterion]:
    """The agent's lowest criteria in the period, each with what to go over again."""
    rows = criterion_averages([agent_id], period).get(agent_id, [])[:limit]
    catalogue = criterion_catalogue(versions_used([agent_id], period))
    refs = step_refs()
    found = []
    for key, mean, count in rows:
        info = catalogue.get(key, {})
        item = WeakCriterion(key, info.get("title", key), mean, count)
        step_ref = info.get("step")
        if step_ref and step_ref in refs:
            step = db.session.get(PlaybookStep, refs[step_ref])
            item.step_url = url_for(
                "playbooks.step", playbook_slug=step.playbook.slug, step_slug=step.slug
            )
            if step.playbook.kind == "process":
                item.scripts_url = url_for("scripts_library.library", step=step.id)
            quiz_id = db.session.scalar(
                select(Quiz.id)
                .join(QuizSlot, QuizSlot.quiz_id == Quiz.id)
                .join(QuestionCategory, QuestionCategory.id == QuizSlot.category_id)
                .where(QuestionCategory.code == step.slug, Quiz.hidden.is_(False))
                .limit(1)
            )
            if quiz_id:
                item.quiz_url = url_for("quizzes.quiz", quiz_id=quiz_id)
        found.append(item)
    return found


def section_lines(agent_id: int, period: Period) -> list[tuple[str, float, int]]:
    """(section title, mean %, reviews) for the agent's sheet, weakest first."""
    titles = section_catalogue()
    rows = section_averages([agent_id], period).get(agent_id, [])
    return [(titles.get(key, key), mean, count) for key, mean, count in rows]
