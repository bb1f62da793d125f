"""Every recording analysed when it arrives, whichever way it came (an upload, a
batch, the API, a webhook, the drop folder), and again on demand.

Arrival is noticed on the session, as the KPI version counters are: an
interaction flushed with a new recording file gets its analysis row (queued) in
the same transaction, and the job is handed to the queue once that transaction
has committed, so the worker always finds what it is asked about. A periodic
sweep queues again what a lost message or a dead worker left waiting, and what an
older analysis version measured.
"""

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from autoqa.analysis import VERSION, analyse
from autoqa.audio import AudioError
from autoqa.auto_score import score_call
from autoqa.models import DONE, FAILED, QUEUED, CallAnalysis
from autoqa.transcript_checks import check, load_rules
from autoqa.transcripts import turns_of
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.queue import job, periodic
from portal.core.storage import StorageError, seekable
from reviews.models import Interaction, TranscriptSegment
from reviews.recordings import key_of
from scripts_library.lines import lines_for

PENDING = "autoqa_pending"
STALE_AFTER = timedelta(minutes=15)  # queued this long: its message was lost
SWEEP_BATCH = 200


@event.listens_for(Session, "after_flush")
def _note_new_recordings(session: Session, _context) -> None:
    """A new recording, or new words (the transcript checks run again; a chat or an
    email has words and no recording)."""
    pending = session.info.setdefault(PENDING, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Interaction) and (obj.recording_file or obj.transcript):
            changed = inspect(obj).attrs
            if (
                obj in session.new
                or changed.recording_file.history.has_changes()
                or changed.transcript.history.has_changes()
            ):
                pending.add(obj.id)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, TranscriptSegment):
            pending.add(obj.interaction_id)
    if not pending:
        session.info.pop(PENDING, None)


@event.listens_for(Session, "before_commit")
def _queue_in_the_same_transaction(session: Session) -> None:
    session.flush()
    pending = session.info.get(PENDING)
    if not pending:
        return
    known = {
        a.interaction_id: a
        for a in session.scalars(
            select(CallAnalysis).where(CallAnalysis.interaction_id.in_(sorted(pending)))
        )
    }
    found = {
        row.id: row
        for row in session.execute(
            select(Interaction.id, Interaction.recording_file, Interaction.transcript).where(
                Interaction.id.in_(sorted(pending))
            )
        )
    }
    for interaction_id in sorted(pending):
        row = found.get(interaction_id)
        if row is None or not (row.recording_file or row.transcript):  # nothing to check
            pending.discard(interaction_id)
            continue
        analysis = known.get(interaction_id) or CallAnalysis(interaction_id=interaction_id)
        analysis.state, analysis.error = QUEUED, ""
        analysis.recording_file = row.recording_file or ""
        analysis.requested_at = utcnow()
        session.add(analysis)
    session.flush()


@event.listens_for(Session, "after_commit")
def _hand_to_the_queue(session: Session) -> None:
    for interaction_id in sorted(session.info.pop(PENDING, ())):
        analyse_call(interaction_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


def request_again(interaction: Interaction) -> None:
    """On demand (a person, the CLI): queue the interaction's analysis again."""
    session = db.session
    session.info.setdefault(PENDING, set()).add(interaction.id)
    session.commit()


@job(retries=2, retry_delay=60)
def analyse_call(interaction_id: int) -> None:
    run(interaction_id)


def run(interaction_id: int) -> str:
    """Analyse one interaction's recording and keep what was found; its own session,
    since in immediate mode it runs inside the commit of the one that queued it."""
    with Session(db.engine) as session:
        analysis = session.scalar(
            select(CallAnalysis).where(CallAnalysis.interaction_id == interaction_id)
        )
        interaction = session.get(Interaction, interaction_id)
        if analysis is None or analysis.state != QUEUED:
            return analysis.state if analysis else "missing"
        file = interaction.recording_file if interaction else None
        started = time.perf_counter()
        try:
            if file:
                with seekable(key_of(file)) as stored:
                    measures = analyse(stored)
                heard, holds = measures.as_dict(), measures.holds
            else:  # a chat or an email: its words only
                heard, holds = {}, []
            checks = _checks(session, interaction, holds)
            if not (heard or checks):
                raise AudioError("the interaction has neither a recording nor words")
        except (AudioError, StorageError) as error:
            analysis.state, analysis.error = FAILED, str(error)[:500]
        except Exception as error:
            # A defect in the analysis must not leave the call queued (and queued
            # again by the sweep) for ever: it fails, logged, and can be redone.
            current_app.logger.exception("analysis of interaction %s failed", interaction_id)
            analysis.state, analysis.error = FAILED, f"internal error ({type(error).__name__})"
        else:
            analysis.state, analysis.error = DONE, ""
            analysis.measures, analysis.checks = heard, checks
        analysis.recording_file = file or analysis.recording_file
        analysis.version = VERSION
        analysis.analysed_at = utcnow()
        analysis.seconds_taken = round(time.perf_counter() - started, 3)
        score_call(session, analysis, interaction)
        session.commit()
        return analysis.state


def _checks(session, interaction: Interaction, holds) -> dict:
    """The transcript checks, when the call has a transcript ({} otherwise)."""
    turns = turns_of(session, interaction)
    if not turns:
        return {}
    lines = lines_for(interaction.step_id, interaction.channel, session=session)
    return check(turns, load_rules(current_app.config["CONTENT_DIR"]), holds=holds, lines=lines)


@periodic(minute="*/10")
def sweep() -> None:
    queue_waiting()


def queue_waiting(now=None) -> int:
    """Queue again analyses left waiting, done by an older version, or missing."""
    now = now or utcnow()
    waiting = list(
        db.session.scalars(
            select(CallAnalysis.interaction_id)
            .where(
                or_(
                    (CallAnalysis.state == QUEUED)
                    & (CallAnalysis.requested_at < now - STALE_AFTER),
                    (CallAnalysis.state == DONE) & (CallAnalysis.version < VERSION),
                )
            )
            .limit(SWEEP_BATCH)
        )
    )
    missing = list(
        db.session.scalars(
            select(Interaction.id)
            .outerjoin(CallAnalysis, CallAnalysis.interaction_id == Interaction.id)
            .where(Interaction.recording_file.is_not(None), CallAnalysis.id.is_(None))
            .limit(SWEEP_BATCH)
        )
    )
    ids = sorted({*waiting, *missing})
    if ids:
        db.session.info.setdefault(PENDING, set()).update(ids)
        db.session.commit()
    return len(ids)
