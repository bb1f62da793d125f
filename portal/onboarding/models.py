"""Onboarding: an ordered path of modules, their items, who must do them, and progress."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, utcnow


class OnboardingModule(db.Model):
    __tablename__ = "onboarding_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Locked until the module before it in the path is done.
    requires_previous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Due this many days after the person's hire date.
    due_days: Mapped[int] = mapped_column(Integer, default=7)
    # Given to every new hire when their account is created.
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=False)
    # A refresher made for one person from a quality review's coaching note;
    # it lives in that person's path only, not in the module list or the matrix.
    refresher_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Only the items in use; removed ones stay in the table with their
    # progress (history is kept) and come back if the item is added again.
    items: Mapped[list["ModuleItem"]] = relationship(
        back_populates="module",
        primaryjoin="and_(OnboardingModule.id == ModuleItem.module_id, ModuleItem.removed_at.is_(None))",
        order_by="ModuleItem.position",
    )


class ModuleItem(db.Model):
    """One thing to do in a module, pointing at content of any registered kind."""

    __tablename__ = "module_items"
    __table_args__ = (UniqueConstraint("module_id", "kind", "ref_id", name="uq_module_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_modules.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(30))
    ref_id: Mapped[int] = mapped_column(Integer)
    # For kinds that are graded (quizzes): completion needs a pass.
    requires_pass: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[OnboardingModule] = relationship(back_populates="items")


class OnboardingAssignment(db.Model):
    __tablename__ = "onboarding_assignments"
    __table_args__ = (UniqueConstraint("user_id", "module_id", name="uq_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_modules.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[OnboardingModule] = relationship()


class ItemProgress(db.Model):
    __tablename__ = "item_progress"
    __table_args__ = (UniqueConstraint("user_id", "item_id", name="uq_item_progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("module_items.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Content version the person acknowledged; a newer one sets `stale`.
    completed_version: Mapped[int | None] = mapped_column(Integer)
    # Set when the content changed after completion; opened_at is cleared at
    # the same time, so re-acknowledging means opening the new version.
    stale: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def done(self) -> bool:
        return self.completed_at is not None and not self.stale
