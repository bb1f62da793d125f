"""What the API does with what it is sent: interactions created or updated by the
sender's own id, their recordings, and submitted reviews read back for a BI tool."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import local_midnight
from portal.core.roles import FRONTLINE
from portal.core.storage import storage
from portal.core.text import clean
from portal.playbooks.models import PlaybookStep
from reviews import masking, recordings
from reviews.models import SCORED, Interaction, InteractionChange, Review


class Unprocessable(Exception):
    """The body names something the portal does not know: {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _agent_id(body: dict, errors: dict) -> int | None:
    """The active frontline person the body names, by email or by the sending
    system's own id for them (email first when both are given)."""
    frontline = (User.active.is_(True), User.role.in_([r.value for r in FRONTLINE]))
    if body.get("agent_email"):
        found = db.session.scalar(
            select(User.id).where(
                func.lower(User.email) == body["agent_email"].strip().lower(), *frontline
            )
        )
        if found is None:
            errors["agent_email"] = ["No active agent has this email address."]
        return found
    found = db.session.scalar(
        select(User.id).where(
            User.external_agent_id == body["agent_external_id"].strip(), *frontline
        )
    )
    if found is None:
        errors["agent_external_id"] = ["No active agent has this external id."]
    return found


def _resolve(body: dict) -> dict:
    """The body's names (agent email or external id, step slug) as the portal's ids."""
    errors = {}
    agent_id = _agent_id(body, errors)
    step_id = None
    if body.get("step"):
        step_id = db.session.scalar(
            select(PlaybookStep.id).where(PlaybookStep.slug == body["step"])
        )
        if step_id is None:
            errors["step"] = ["No playbook step has this slug."]
    if errors:
        raise Unprocessable(errors)
    values = {
        "agent_id": agent_id,
        "channel": body["channel"],
        "occurred_at": body["occurred_at"].astimezone(UTC),
        "duration_seconds": body.get("duration_seconds"),
        "direction": body["direction"],
        "customer_ref": clean(body.get("customer_ref") or "")[:120],
        "queue": clean(body.get("queue") or "")[:80],
        "step_id": step_id,
    }
    if "transcript" in body:  # absent: the transcript stays as it is
        # Masked like every other way in (reviews/masking.py): the original is never stored.
        values["transcript"] = masking.at_intake(clean(body["transcript"] or "", multiline=True))
    return values


def _as_json(value):
    return value.isoformat() if isinstance(value, datetime) else value


def find(source: str, external_id: str) -> Interaction | None:
    return db.session.scalar(
        select(Interaction).where(
            Interaction.source == source, Interaction.external_id == external_id
        )
    )


def put_interaction(
    source: str, external_id: str, body: dict, *, by: str
) -> tuple[Interaction, bool]:
    """Create the interaction, or update the one with this (source, external id),
    keeping what the update changed (InteractionChange, `by` names the sender);
    committed. Returns it and whether it was created."""
    values = _resolve(body)
    existing = find(source, external_id)
    if existing is None:
        interaction = Interaction(source=source, external_id=external_id, **values)
        db.session.add(interaction)
        try:
            db.session.commit()
            return interaction, True
        except IntegrityError:  # the same id sent twice at once: the other one won
            db.session.rollback()
            existing = find(source, external_id)
            if existing is None:
                raise
    changes = {}
    for name, value in values.items():
        before = getattr(existing, name)
        if before is not None and name == "occurred_at":
            before = before.astimezone(UTC)  # SQLite gives back what PostgreSQL would
        if before != value:
            changes[name] = [_as_json(before), _as_json(value)]
            setattr(existing, name, value)
    if changes:
        db.session.add(InteractionChange(interaction_id=existing.id, by=by[:120], changes=changes))
    db.session.commit()
    return existing, False


def attach_recording(interaction: Interaction, stream, *, max_bytes: int, name: str = "") -> None:
    """Check the audio by its content and store it in place of any earlier recording
    (RecordingRejected for a file that is not audio or too large; nothing written)."""
    audio = recordings.check_audio(stream, max_bytes=max_bytes)
    kept = recordings.store(audio)
    # Locked (PostgreSQL) before reading which file it replaces: two recordings of
    # one call sent at once would otherwise both replace the same old file, and the
    # loser's new file would be left behind, pointed to by nothing.
    db.session.refresh(interaction, with_for_update=True)
    replaced = interaction.recording_file
    interaction.recording_file = kept.file
    interaction.recording_format = kept.extension
    interaction.recording_bytes = kept.size
    interaction.original_name = recordings.client_name(name)
    if not interaction.duration_seconds:
        interaction.duration_seconds = round(kept.seconds)
    db.session.commit()
    # Only after the commit names the new one: an earlier recording nothing points
    # to would escape every retention purge (voice is personal data).
    if replaced and replaced != kept.file:
        storage().delete(recordings.key_of(replaced))


@dataclass
class ReviewPage:
    items: list[Review]
    total: int
    page: int
    per_page: int


def submitted_reviews(
    *, page: int, per_page: int, since: date | None, until: date | None, team: int | None
) -> ReviewPage:
    """Scored reviews (submitted on), by submission time, both dates inclusive in
    the portal's time zone."""
    query = select(Review).where(Review.state.in_(SCORED), Review.submitted_at.is_not(None))
    if since:
        query = query.where(Review.submitted_at >= local_midnight(since))
    if until:
        query = query.where(Review.submitted_at < local_midnight(until + timedelta(days=1)))
    if team is not None:
        query = query.where(Review.agent_id.in_(select(User.id).where(User.team_id == team)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Review.sections), selectinload(Review.agent))
        .order_by(Review.submitted_at, Review.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ReviewPage(list(items), total, page, per_page)
