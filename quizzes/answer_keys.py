"""Which answer key grades an answer: the version shown, or a later key a regrade fixed."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from quizzes.models import QuestionVersion, Regrade


def shape(version: QuestionVersion) -> tuple:
    """What a response points at: the type and the number of choices / items / pairs.

    A key of the same shape can mark a response given to another version.
    """
    data = version.data or {}
    return (
        version.type,
        len(data.get("choices") or data.get("items") or data.get("pairs") or []),
    )


def latest_keys(question_ids) -> dict[int, QuestionVersion]:
    """The key of each question's latest regrade, for attempts handed in later."""
    found = {}
    for regrade in db.session.scalars(
        select(Regrade)
        .where(Regrade.question_id.in_(question_ids))
        .options(selectinload(Regrade.key_version))
        .order_by(Regrade.at)
    ):
        found[regrade.question_id] = regrade.key_version
    return found
