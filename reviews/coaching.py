"""Coaching from a review: a note for the agent on the criteria concerned, and
optionally a refresher (playbook step, call script, quiz) put on the agent's
onboarding path through the onboarding service."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.onboarding.assignment import give_refresher
from reviews.models import CoachingNote, Review
from reviews.rubrics import criteria_of


class InvalidCoaching(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def open_note(
    review: Review,
    author,
    *,
    body: str,
    criteria: list[str],
    refreshers: list[tuple[str, int]],
    due_in_days: int,
) -> CoachingNote:

    known = criteria_of(review.rubric_version.structure)
    problems = []
    if not body.strip():
        problems.append(str(_l("Write what the agent should work on.")))
    if any(key not in known for key in criteria):
        problems.append(str(_l("Unknown criterion.")))
    if problems:
        raise InvalidCoaching(problems)
    note = CoachingNote(
        review_id=review.id,
        agent_id=review.agent_id,
        author_id=author.id,
        criteria=criteria,
        body=body[:5000],
    )
    if refreshers:
        agent = db.session.get(User, review.agent_id)
        titles = ", ".join(known[k]["title"] for k in criteria)[:150]
        module = give_refresher(
            agent,
            str(_l("Refresher: %(what)s", what=titles or review.rubric_version.title)),
            refreshers,
            by=author,
            due_in_days=due_in_days,
        )
        note.module_id = module.id
    db.session.add(note)
    db.session.commit()
    return note


def notes_for(agent_id: int, *, review_id: int | None = None) -> list[CoachingNote]:
    query = select(CoachingNote).where(CoachingNote.agent_id == agent_id)
    if review_id is not None:
        query = query.where(CoachingNote.review_id == review_id)
    return list(
        db.session.scalars(
            query.options(selectinload(CoachingNote.author)).order_by(
                CoachingNote.created_at.desc()
            )
        )
    )
