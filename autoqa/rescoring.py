"""When a rubric the automatic QA scores with is published anew (by an admin, or by
`flask portal load-content`), every analysed call of its channels gets its
suggestions and auto-QA score again, on the job queue. No audio is read: the
figures the analysis kept are mapped by the new version's rules. Also
`flask portal rescore-auto-qa`."""

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from autoqa.auto_score import rubric_for, score_call, slug_for
from autoqa.models import DONE, CallAnalysis
from portal.core.extensions import db
from portal.core.queue import job
from reviews.models import Interaction, Rubric
from reviews.recordings import CHANNELS

PENDING = "autoqa_rescore"
BATCH = 500  # analyses per transaction: a quarter's calls never sit in one


@event.listens_for(Session, "after_flush")
def _note_published(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Rubric) or not obj.published_version:
            continue
        if inspect(obj).attrs.published_version.history.has_changes():
            session.info.setdefault(PENDING, set()).add(obj.slug)


@event.listens_for(Session, "after_commit")
def _hand_to_the_queue(session: Session) -> None:
    for slug in sorted(session.info.pop(PENDING, ())):
        rescore_calls(slug)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


@job(retries=2, retry_delay=60)
def rescore_calls(slug: str) -> None:
    rescore(slug)


def rescore(slug: str) -> int:
    """Score again every analysed call whose channel this rubric scores; returns how
    many. Its own session, committed batch by batch (the KPI rollups follow each)."""
    channels = [channel for channel in CHANNELS if slug_for(channel) == slug]
    done, last = 0, 0
    with Session(db.engine) as session:
        versions = {channel: rubric_for(session, channel) for channel in channels}
        while channels:
            rows = session.execute(
                select(CallAnalysis, Interaction)
                .join(Interaction, Interaction.id == CallAnalysis.interaction_id)
                .where(
                    CallAnalysis.state == DONE,
                    CallAnalysis.id > last,
                    Interaction.channel.in_(channels),
                )
                .order_by(CallAnalysis.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for analysis, interaction in rows:
                score_call(session, analysis, interaction, versions[interaction.channel])
            session.commit()
            done, last = done + len(rows), rows[-1][0].id
    return done
