"""Call scripts, their immutable published versions, favourites and recent use."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, VersionStamp, utcnow

DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED = "draft", "in_review", "published", "archived"


class ScriptContent:
    """What a version of a script holds; the script row mirrors its published version."""

    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    step_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_steps.id"))
    channel: Mapped[str] = mapped_column(String(20))
    situation: Mapped[str] = mapped_column(String(30))
    segments: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # [{"name", "label", "default"}]
    placeholders: Mapped[list] = mapped_column(JSON, default=list)
    # [{"key", "kind", "text", "choices": [{"label", "goto"}]}]
    blocks: Mapped[list] = mapped_column(JSON, default=list)


CONTENT_FIELDS = (
    "title",
    "purpose",
    "step_id",
    "channel",
    "situation",
    "segments",
    "tags",
    "placeholders",
    "blocks",
)


class CallScript(ScriptContent, db.Model):
    __tablename__ = "call_scripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    # Folded copies for search and filtering (see portal.core.search).
    search_text: Mapped[str] = mapped_column(Text, default="")
    title_key: Mapped[str] = mapped_column(String(400), default="")
    segment_key: Mapped[str] = mapped_column(String(400), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    step = relationship("PlaybookStep")


class ScriptVersion(ScriptContent, VersionStamp, db.Model):
    """A published version: never changed once written."""

    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "version", name="uq_script_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("call_scripts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)


class ScriptFavourite(db.Model):
    __tablename__ = "script_favourites"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    script_id: Mapped[int] = mapped_column(
        ForeignKey("call_scripts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScriptUse(db.Model):
    """When a person last opened a script ("recently used")."""

    __tablename__ = "script_uses"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    script_id: Mapped[int] = mapped_column(
        ForeignKey("call_scripts.id", ondelete="CASCADE"), primary_key=True
    )
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ScriptDraft(ScriptContent, db.Model):
    """The working copy writers edit; agents keep reading the published version.

    `lock_version` goes up with every save so that a stale tab is refused.
    """

    __tablename__ = "script_drafts"

    script_id: Mapped[int] = mapped_column(
        ForeignKey("call_scripts.id", ondelete="CASCADE"), primary_key=True
    )
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    updated_by = relationship("User")
