"""Playbooks: the two care processes and the handbook, with every edit kept."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, VersionStamp, utcnow

PROCESS = "process"  # a care process: its steps are steps
HANDBOOK = "handbook"  # supporting knowledge: its steps are chapters


class IntroContent:
    """The versioned parts of a playbook's own page (its introduction)."""

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    intro_md: Mapped[str] = mapped_column(Text, default="")


INTRO_FIELDS = ("title", "summary", "intro_md")


class Playbook(IntroContent, db.Model):
    __tablename__ = "playbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=PROCESS)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    steps: Mapped[list["PlaybookStep"]] = relationship(
        back_populates="playbook", order_by="PlaybookStep.position"
    )

    @property
    def is_process(self) -> bool:
        return self.kind == PROCESS


class StepContent:
    """The parts of a step that are versioned: shared by the step (its current
    text) and by every kept version, so the two can never drift apart."""

    title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    mistakes: Mapped[list] = mapped_column(JSON, default=list)
    segments: Mapped[list] = mapped_column(JSON, default=list)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    kpis: Mapped[list] = mapped_column(JSON, default=list)


VERSIONED_FIELDS = (
    "title",
    "goal",
    "body_md",
    "checklist",
    "mistakes",
    "segments",
    "channels",
    "kpis",
)


class PlaybookStep(StepContent, db.Model):
    """A step of a care process, or a chapter of the handbook.

    The columns hold the current version; every version, the current one
    included, is also kept whole in `PlaybookStepVersion`.
    """

    __tablename__ = "playbook_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(ForeignKey("playbooks.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Folded (lower case, no diacritics) title + text for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    playbook: Mapped[Playbook] = relationship(back_populates="steps")
    versions: Mapped[list["PlaybookStepVersion"]] = relationship(
        back_populates="step", order_by="PlaybookStepVersion.version.desc()"
    )


class PlaybookStepVersion(StepContent, VersionStamp, db.Model):
    __tablename__ = "playbook_step_versions"
    __table_args__ = (UniqueConstraint("step_id", "version", name="uq_step_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("playbook_steps.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)

    step: Mapped[PlaybookStep] = relationship(back_populates="versions")


class PlaybookVersion(IntroContent, VersionStamp, db.Model):
    __tablename__ = "playbook_versions"
    __table_args__ = (UniqueConstraint("playbook_id", "version", name="uq_playbook_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(ForeignKey("playbooks.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
