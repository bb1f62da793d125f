"""Training measures as they stand today: onboarding done, overdue items, quiz grades."""

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, case, func, select

from portal.core.extensions import db
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)
from portal.onboarding.status import OVERDUE, module_status
from quizzes.models import Quiz, QuizAttempt
from quizzes.results import grades


def training_measures(agent_ids: list[int], today: date) -> dict[int, dict]:
    """Onboarding and quizzes as they stand today (they are not period-bound)."""
    a, item, progress = OnboardingAssignment, ModuleItem, ItemProgress
    completed = progress.completed_at.is_not(None)
    # Per person and module, the counts the onboarding matrix works from, so the
    # KPI and the matrix agree (a module finished once and changed later asks to
    # be read again; it is not overdue). Coaching refreshers are not onboarding.
    rows = db.session.execute(
        select(
            a.user_id,
            a.module_id,
            a.due_date,
            func.count(item.id).label("total"),
            func.sum(case((completed, 1), else_=0)).label("completed"),
            func.sum(case((and_(completed, progress.stale.is_(True)), 1), else_=0)).label("stale"),
            func.count(progress.opened_at).label("touched"),
        )
        .join(OnboardingModule, OnboardingModule.id == a.module_id)
        .join(item, and_(item.module_id == a.module_id, item.removed_at.is_(None)))
        .outerjoin(progress, and_(progress.item_id == item.id, progress.user_id == a.user_id))
        .where(a.user_id.in_(agent_ids), OnboardingModule.refresher_for_id.is_(None))
        .group_by(a.user_id, a.module_id, a.due_date)
    ).all()
    found: dict[int, dict] = defaultdict(dict)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # items, fresh done, overdue
    for r in rows:
        completed_n, stale_n = r.completed or 0, r.stale or 0
        fresh = completed_n - stale_n
        state = module_status(
            total=r.total,
            fresh=fresh,
            completed=completed_n,
            stale=stale_n,
            touched=r.touched or 0,
            due=r.due_date,
            today=today,
        )
        entry = totals[r.user_id]
        entry[0] += r.total
        entry[1] += fresh
        if state == OVERDUE:
            entry[2] += r.total - fresh
    for user_id, (items, fresh, overdue) in totals.items():
        found[user_id]["onboarding_done"] = 100.0 * fresh / items if items else None
        found[user_id]["overdue_items"] = overdue
    quizzes = {q.id: q for q in db.session.scalars(select(Quiz))}
    for grade in grades(QuizAttempt.user_id.in_(agent_ids)):
        quiz = quizzes[grade.quiz_id]
        value = grade.by(quiz.grading_method)
        entry = found[grade.user_id]
        entry.setdefault("quizzes_passed", 0)
        if value is not None and value >= quiz.pass_percent:
            entry["quizzes_passed"] += 1
        if grade.highest is not None:
            entry["quiz_best"] = max(entry.get("quiz_best") or 0, grade.highest)
        # The latest finished attempt across quizzes (an attempt still running
        # does not make its quiz the latest one).
        if (
            grade.last is not None
            and grade.last_finished is not None
            and (entry.get("_latest_at") is None or grade.last_finished > entry["_latest_at"])
        ):
            entry["quiz_latest"], entry["_latest_at"] = grade.last, grade.last_finished
    for entry in found.values():
        entry.pop("_latest_at", None)
    return found
