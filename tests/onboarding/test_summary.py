"""The home page's onboarding figures (portal/onboarding/summary.py) are the
completion matrix's, for any people, modules, items, progress and due dates."""

from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.models import local_today, utcnow
from portal.core.roles import Role
from portal.onboarding.matrix import completion_matrix
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)
from portal.onboarding.summary import onboarding_summary

roles = st.sampled_from([Role.NEW_HIRE, Role.AGENT, Role.SUPERVISOR])
# Per module: its items, each kept (True) or removed (False).
modules = st.lists(st.lists(st.booleans(), max_size=3), min_size=1, max_size=3)
# Per person and item: nothing, opened, completed, completed then changed.
progress = st.sampled_from(["none", "opened", "done", "stale"])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(roles, min_size=1, max_size=4),
    shape=modules,
    refresher=st.booleans(),
    dues=st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=16, max_size=16),
    marks=st.lists(progress, min_size=48, max_size=48),
)
# Always tried: an overdue personal refresher, which the matrix does not count.
@example(
    people=[Role.NEW_HIRE], shape=[[True]], refresher=True, dues=[-1] * 16, marks=["none"] * 48
)
def test_the_summary_counts_what_the_matrix_counts(db, make, people, shape, refresher, dues, marks):
    team = make.team()
    users = [make.user(role, team=team) for role in people]
    built = []
    for position, kept in enumerate(shape):
        module = OnboardingModule(title=f"Học phần {position}", position=position, due_days=5)
        if refresher and position == len(shape) - 1:
            module.refresher_for_id = users[0].id  # a personal refresher: not a column
        for index, keep in enumerate(kept):
            module.items.append(
                ModuleItem(
                    kind="playbook_step",
                    ref_id=index + 1,
                    position=index,
                    removed_at=None if keep else utcnow(),
                )
            )
        db.session.add(module)
        built.append(module)
    db.session.flush()
    today, n, m = local_today(), 0, 0
    for user in users:
        for module in built:
            due, n = dues[n % len(dues)], n + 1
            if due is None:
                continue
            db.session.add(
                OnboardingAssignment(
                    user_id=user.id, module_id=module.id, due_date=today + timedelta(days=due)
                )
            )
            for item in module.items:
                mark, m = marks[m % len(marks)], m + 1
                if mark != "none":
                    db.session.add(
                        ItemProgress(
                            user_id=user.id,
                            item_id=item.id,
                            opened_at=utcnow(),
                            completed_at=utcnow() if mark in ("done", "stale") else None,
                            stale=mark == "stale",
                        )
                    )
    db.session.commit()
    scope = select(User).where(User.team_id == team.id, User.active)
    matrix = completion_matrix(scope, per_page=1)
    summary = onboarding_summary(scope)
    assert (summary.total_people, summary.overdue_total) == (
        matrix.total_people,
        matrix.overdue_total,
    )
