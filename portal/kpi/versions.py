"""What KPI pages are made of, as version counters, for HTTP validators (ETags).

Each transaction that changes an agent's reviews, scores, disputes, outcomes,
onboarding progress, quiz attempts, calls and their analyses, notifications or their own record bumps
that person's counter (a review bumps its reviewer's too)
just before it commits; targets, teams, rubrics, playbook steps and quizzes bump
the shared one (scope 0). A page's ETag is made from the counters it reads, so a
reload after any such change gets the new figures, and otherwise a 304.

Counters per agent, not one for the whole portal: writers on different agents
never wait for one another's row.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from autoqa.models import CallAnalysis
from portal.accounts.models import Team, User
from portal.kpi.changes import changed_values
from portal.kpi.models import KpiTarget, KpiVersion, OutcomeRecord
from portal.onboarding.models import ItemProgress, OnboardingAssignment, OnboardingModule
from portal.playbooks.models import PlaybookStep
from quizzes.models import Quiz, QuizAttempt
from reviews.models import (
    CriterionScore,
    Dispute,
    Interaction,
    Notification,
    Review,
    RubricVersion,
    SectionScore,
)

SHARED = 0
PENDING = "kpi_versions"
# Whose counter a change bumps: a review's agent and its reviewer (their inbox),
# a notification's reader (the inbox and every page's unread badge).
BY_AGENT = {
    Review: ("agent_id", "reviewer_id"),
    OutcomeRecord: ("agent_id",),
    ItemProgress: ("user_id",),
    OnboardingAssignment: ("user_id",),
    QuizAttempt: ("user_id",),
    User: ("id",),
    Interaction: ("agent_id",),
    Notification: ("user_id",),
}
BY_REVIEW = (CriterionScore, SectionScore, Dispute)
SHARED_MODELS = (KpiTarget, Team, RubricVersion, PlaybookStep, Quiz, OnboardingModule)


def _values(obj, name: str) -> set:
    return changed_values(inspect(obj), name)


@event.listens_for(Session, "after_flush")
def _note(session: Session, _context) -> None:
    scopes = session.info.setdefault(PENDING, {"agents": set(), "reviews": set()})
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = type(obj)
        if kind in BY_AGENT:
            for name in BY_AGENT[kind]:
                scopes["agents"].update(_values(obj, name))
        elif isinstance(obj, BY_REVIEW):
            scopes["reviews"].update(_values(obj, "review_id"))
        elif isinstance(obj, SHARED_MODELS):
            scopes["agents"].add(SHARED)
        elif isinstance(obj, CallAnalysis):  # the call's agent: their auto-QA figures
            scopes.setdefault("calls", set()).update(_values(obj, "interaction_id"))


def touch(session: Session, agent_ids) -> None:
    """For writes that bypass the ORM (a bulk insert): these agents changed."""
    session.info.setdefault(PENDING, {"agents": set(), "reviews": set()})["agents"].update(
        agent_ids
    )


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending or not (pending["agents"] or pending["reviews"] or pending.get("calls")):
        return
    scopes = set(pending["agents"])
    if pending.get("calls"):
        scopes.update(
            session.scalars(
                select(Interaction.agent_id).where(Interaction.id.in_(sorted(pending["calls"])))
            )
        )
    if pending["reviews"]:
        for agent_id, reviewer_id in session.execute(
            select(Review.agent_id, Review.reviewer_id).where(Review.id.in_(pending["reviews"]))
        ):
            scopes.update((agent_id, reviewer_id))
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(KpiVersion).values([{"scope": s, "version": 1} for s in sorted(scopes)])
    # Sorted: two transactions bumping the same agents lock their rows in one order.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[KpiVersion.scope], set_={"version": KpiVersion.version + 1}
        )
    )
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


# Built once and run with bound values (see reviews/notifications.py): every KPI page
# and every reload answered 304 asks.
_COUNTERS = select(KpiVersion.scope, KpiVersion.version).where(
    KpiVersion.scope.in_(bindparam("scopes", expanding=True))
)


def counters(session, people) -> dict[int, int]:
    """The counters of these people and the shared one (under SHARED), in one
    statement; 0 for a counter never bumped. A page asks once for everyone it
    depends on: the person it shows and the person looking (the unread badge)."""
    wanted = sorted({SHARED, *people})
    found = dict(session.execute(_COUNTERS, {"scopes": wanted}).all())
    return {scope: found.get(scope, 0) for scope in wanted}


@dataclass(frozen=True)
class ScopeVersions:
    ids: list[int]  # the people of the scope, in the query's order
    counters: dict[int, int]  # each one's counter (0: never bumped)
    shared: int  # the shared counter
    digest: str  # all of it, as one short string
    viewer: int = 0  # the counter of the person looking, when asked for


def of_scope(session, people_query, viewer: int | None = None) -> ScopeVersions:
    """The people a query selects (in its order), their counters, the shared one and
    the viewer's, in one statement. For large scopes: `counters` above would send
    every id back to the database as a parameter."""

    def counter_of(scope: int):
        return select(KpiVersion.version).where(KpiVersion.scope == scope).scalar_subquery()

    looking = viewer or SHARED
    rows = session.execute(
        people_query.with_only_columns(
            User.id, KpiVersion.version, counter_of(SHARED), counter_of(looking)
        ).outerjoin(KpiVersion, KpiVersion.scope == User.id)
    ).all()
    if rows:
        shared, own = rows[0][2] or 0, rows[0][3] or 0
    else:
        alone = counters(session, [looking])
        shared, own = alone[SHARED], alone[looking]
    found = {person: version or 0 for person, version, _shared, _own in rows}
    listed = ",".join(f"{person}:{version}" for person, version in found.items())
    digest = hashlib.sha256(f"{shared};{listed}".encode()).hexdigest()[:24]
    return ScopeVersions(list(found), found, shared, digest, own if viewer else 0)
