"""Quality reviews: rubrics and their versions, interactions with recordings,
reviews and their criterion scores, comments on the recording, score
history, disputes, coaching notes and calibration sessions."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, VersionStamp, utcnow

# --- rubrics ----------------------------------------------------------------------------

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"


class Rubric(db.Model):
    """A scorecard's identity. What it scores lives in its versions: a review is
    bound to the version it was scored with, so later edits never move its score."""

    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # The version new reviews use (0 until first published).
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RubricVersion(VersionStamp, db.Model):
    """One immutable version once published; the newest may be a draft being edited."""

    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("rubric_id", "version", name="uq_rubric_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    pass_percent: Mapped[int] = mapped_column(Integer, default=80)
    # {"sections": [{key, title, weight, criteria: [{key, title, scale, guidance,
    #   na_allowed, critical: None|"section"|"all"}]}], "fields": [{key, label, options}]}
    structure: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by each save of a draft, so a stale editor tab cannot overwrite it.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    rubric: Mapped[Rubric] = relationship()


# --- interactions -----------------------------------------------------------------------


class Interaction(db.Model):
    """One customer contact handled by an agent, with its recording for calls."""

    __tablename__ = "interactions"
    # A phone system or CRM names its contacts by its own id: sending one again
    # updates it instead of adding a copy (portal/integrations).
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_interactions_source_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: a change knows the value before it even on an expired row, so
    # the figures of the agent and day a call leaves are computed again too.
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, active_history=True)
    channel: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, active_history=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    customer_ref: Mapped[str] = mapped_column(String(120), default="")
    step_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_steps.id"))
    transcript: Mapped[str] = mapped_column(Text, default="")
    # The stored file's generated name under instance/recordings (never the client's).
    recording_file: Mapped[str | None] = mapped_column(String(80), unique=True)
    recording_format: Mapped[str | None] = mapped_column(String(10))
    recording_bytes: Mapped[int | None] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set for interactions that came through the API; None for the portal's uploads.
    source: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(120))
    direction: Mapped[str | None] = mapped_column(String(10))  # inbound / outbound
    queue: Mapped[str] = mapped_column(String(80), default="")  # the phone system's queue
    # Set when retention deleted the recording; its review, scores and masked
    # transcript stay (reviews/retention.py).
    recording_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agent = relationship("User", foreign_keys=[agent_id])


class InteractionChange(db.Model):
    """What an update from a phone system or CRM changed: {field: [old, new]}, so
    sending an interaction again never silently overwrites what a reviewer saw."""

    __tablename__ = "interaction_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(120), default="")  # the token's name, or "drop folder"
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


AGENT_SPEAKER, CUSTOMER_SPEAKER = "agent", "customer"
SPEAKERS = (AGENT_SPEAKER, CUSTOMER_SPEAKER)


class TranscriptSegment(db.Model):
    """One speaker's turn in a timed transcript (reviews/timed_transcripts.py):
    the review page shows them as turns that seek the player."""

    __tablename__ = "transcript_segments"
    __table_args__ = (
        UniqueConstraint("interaction_id", "position", name="uq_transcript_segments_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(10))  # agent / customer
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")

    # Interaction.segments, declared from here so the Interaction class stays as it
    # was; loaded in one query when a page asks for it, gone with the interaction.
    interaction = relationship(
        "Interaction",
        backref=backref(
            "segments",
            order_by="TranscriptSegment.position",
            cascade="all, delete-orphan",
            passive_deletes=True,
        ),
    )


# --- reviews ----------------------------------------------------------------------------

ASSIGNED, IN_PROGRESS, SUBMITTED, ACKNOWLEDGED, DISPUTED = (
    "assigned",
    "in_progress",
    "submitted",
    "acknowledged",
    "disputed",
)
RESOLVED = "resolved"  # a dispute was decided
# A review is scored (and may be read by others than its reviewer) from submit on;
# before that it is the reviewer's working state.
SCORED = (SUBMITTED, ACKNOWLEDGED, DISPUTED, RESOLVED)
DRAFT_STATES = (ASSIGNED, IN_PROGRESS)
REGULAR, CALIBRATION = "regular", "calibration"


class Review(db.Model):
    __tablename__ = "reviews"
    # Fitted to the review inboxes' filters and sort (reviews/inbox.py): a person's
    # reviews newest first, a reviewer's queue oldest first.
    __table_args__ = (
        Index("ix_reviews_agent_submitted", "agent_id", "submitted_at"),
        Index("ix_reviews_reviewer_state_created", "reviewer_id", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    # Indexed first in the composite indexes above (a lone index would be redundant).
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default=REGULAR)
    calibration_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibration_sessions.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=ASSIGNED)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float | None] = mapped_column(Float)  # review %, 0..100
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    field_values: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why the call was drawn (reviews/sampling.py SIGNALS); None: chosen by a person.
    chosen_for: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    interaction: Mapped[Interaction] = relationship()
    rubric_version: Mapped[RubricVersion] = relationship()
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    agent = relationship("User", foreign_keys=[agent_id])
    scores: Mapped[list["CriterionScore"]] = relationship(cascade="all, delete-orphan")
    sections: Mapped[list["SectionScore"]] = relationship(cascade="all, delete-orphan")
    comments: Mapped[list["ReviewComment"]] = relationship(
        order_by="ReviewComment.at_seconds", cascade="all, delete-orphan"
    )


class CriterionScore(db.Model):
    """One criterion's value in one review (kept per row so averages per
    criterion are SQL aggregates)."""

    __tablename__ = "criterion_scores"
    __table_args__ = (UniqueConstraint("review_id", "criterion_key", name="uq_review_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(60))
    criterion_key: Mapped[str] = mapped_column(String(60), index=True)
    value: Mapped[int | None] = mapped_column(Integer)
    na: Mapped[bool] = mapped_column(Boolean, default=False)
    # Filled on submit: the criterion's share 0..1 (None for N/A), for roll-ups.
    percent: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    # The automatic checks' suggestion when the review was submitted, and its evidence
    # (reviews/auto_checks.py): kept beside the person's value, never instead of it.
    suggested_value: Mapped[int | None] = mapped_column(Integer)
    suggestion: Mapped[list | None] = mapped_column(JSON)


class SectionScore(db.Model):
    """A section's % in a submitted review (None: all N/A), kept for roll-ups."""

    __tablename__ = "section_scores"
    __table_args__ = (UniqueConstraint("review_id", "section_key", name="uq_review_section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(60), index=True)
    percent: Mapped[float | None] = mapped_column(Float)


class ReviewComment(db.Model):
    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at_seconds: Mapped[float | None] = mapped_column(Float)  # playback time, None: general
    criterion_key: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class ScoreChange(db.Model):
    """Every change to a submitted review's score: old and new, who, when, why."""

    __tablename__ = "score_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    criterion_key: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[int | None] = mapped_column(Integer)
    old_na: Mapped[bool] = mapped_column(Boolean, default=False)
    new_value: Mapped[int | None] = mapped_column(Integer)
    new_na: Mapped[bool] = mapped_column(Boolean, default=False)
    old_score: Mapped[float | None] = mapped_column(Float)
    new_score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by = relationship("User")


OPEN, ACCEPTED, PARTIAL, REJECTED = "open", "accepted", "partially_accepted", "rejected"


class Dispute(db.Model):
    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_state_raised", "state", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(30), default=OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list["DisputeItem"]] = relationship(cascade="all, delete-orphan")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class DisputeItem(db.Model):
    __tablename__ = "dispute_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    criterion_key: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    proposed_value: Mapped[int | None] = mapped_column(Integer)
    proposed_na: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    decided_value: Mapped[int | None] = mapped_column(Integer)
    decided_na: Mapped[bool] = mapped_column(Boolean, default=False)


# --- coaching ---------------------------------------------------------------------------


class CoachingNote(db.Model):
    __tablename__ = "coaching_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text)
    # The refresher module created for the agent, if any (onboarding's id).
    module_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_modules.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User", foreign_keys=[author_id])


# --- calibration ------------------------------------------------------------------------

calibration_interactions = Table(
    "calibration_interactions",
    db.metadata,
    Column(
        "session_id", ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("interaction_id", ForeignKey("interactions.id"), primary_key=True),
)
calibration_reviewers = Table(
    "calibration_reviewers",
    db.metadata,
    Column(
        "session_id", ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class CalibrationSession(db.Model):
    """Several reviewers score the same interactions blind; calibration reviews
    never count toward anyone's scores."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    benchmark_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rubric_version: Mapped[RubricVersion] = relationship()
    interactions: Mapped[list[Interaction]] = relationship(secondary=calibration_interactions)
    reviewers = relationship("User", secondary=calibration_reviewers)
    benchmark = relationship("User", foreign_keys=[benchmark_id])


# --- notifications (the agent hears about new reviews and decisions) -------------------


class Notification(db.Model):
    __tablename__ = "review_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    kind: Mapped[str] = mapped_column(String(30))  # new_review, dispute_raised, dispute_decided
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- who listened (Decree 13/2023: voice is personal data) ------------------------------

PLAY, DOWNLOAD, API = "play", "download", "api"
ACCESS_HOWS = (PLAY, DOWNLOAD, API)


class RecordingAccess(db.Model):
    """One person receiving one interaction's recording: a listening in the player,
    a download, or a read through the API (reviews/access_log.py decides when a
    request is a new one). Admins read the log; it is never edited."""

    __tablename__ = "recording_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    how: Mapped[str] = mapped_column(String(10), default=PLAY)
    # The client's address as the proxy reports it (ProxyFix); 45 fits IPv6.
    address: Mapped[str] = mapped_column(String(45), default="")

    user = relationship("User")
    interaction = relationship("Interaction")
