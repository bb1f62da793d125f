"""What the analysis found for each recorded interaction, and where it stands."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, utcnow
from reviews.models import Interaction

QUEUED, DONE, FAILED = "queued", "done", "failed"


class CallAnalysis(db.Model):
    """One per interaction with a recording or words: queued when they arrive, done
    with the measures (autoqa.metrics.Measures as a dict; {} for a chat or an email,
    which have words only) and the checks, or failed with the reason. A new
    recording for the interaction, or a newer analysis version, queues it again; the
    measures are replaced (they are derived from the file, which is kept, so nothing
    a person wrote is lost)."""

    __tablename__ = "call_analyses"
    __table_args__ = (Index("ix_call_analyses_state_requested", "state", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    recording_file: Mapped[str] = mapped_column(String(80))  # the file analysed, "" for words
    version: Mapped[int] = mapped_column(Integer, default=0)  # autoqa.analysis.VERSION
    measures: Mapped[dict] = mapped_column(JSON, default=dict)
    # The transcript checks (autoqa/transcript_checks.py), when there was a transcript:
    # {"findings": [...], "adherence": {...}}; {} otherwise.
    checks: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    analysed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds_taken: Mapped[float | None] = mapped_column(Float)
    # What the checks suggest per criterion of the channel's rubric, and the auto-QA
    # score from those criteria alone (autoqa/auto_score.py); None: nothing to score.
    auto_rubric_version_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_versions.id"))
    suggested: Mapped[dict] = mapped_column(JSON, default=dict)
    auto_score: Mapped[float | None] = mapped_column(Float)
    auto_passed: Mapped[bool | None] = mapped_column(Boolean)

    # Interaction.analysis as well: read once per request however many parts of a
    # page ask for it (the panel, the suggestions), and again after a commit.
    interaction: Mapped[Interaction] = relationship(
        backref=backref("analysis", uselist=False, viewonly=True)
    )
