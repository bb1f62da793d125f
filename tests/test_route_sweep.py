"""Every URL × every role → the status that role must get. Authorization is on the server.

`SWEEP` is the one table: per endpoint, the permission its view declares (see
each feature's `policy.py`; LOGIN = any logged-in person, OPEN = anyone), the
method, the status per role, and for forms that also answer GET, the status of
an empty POST. A route missing from it, a row whose permission is not the one
the view declares, or a role outside the permission that gets anything but 403
fails the suite.
"""

from datetime import date, timedelta
from typing import NamedTuple

import pytest

from portal.core import policy
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.onboarding.assignment import assign
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.onboarding.path import open_item
from portal.playbooks import services as playbooks
from quizzes import attempts as quiz_attempts
from reviews import calibration, disputes
from scripts_library.pack import load_scripts_pack

ROLES = ["anonymous", *[r.value for r in Role]]
ALL = {r.value for r in Role}
OK, FORBIDDEN = 200, 403


def allowed(*roles, ok=OK, others=FORBIDDEN):
    """Expected status per role: `ok` for `roles`, `others` for the rest, login redirect for anonymous."""
    return {"anonymous": 302, **{r: (ok if r in roles else others) for r in ALL}}


LOGIN, OPEN = "login", "open"


class Row(NamedTuple):
    permission: str  # the permission the view declares, LOGIN or OPEN
    method: str
    expected: dict[str, int]  # status per role
    posted: dict[str, int] | None = None  # an empty POST to a form that also answers GET


SWEEP = {
    "pages.home": Row(LOGIN, "GET", {**allowed(*ALL), "new_hire": 302}),
    "pages.health": Row(OPEN, "GET", dict.fromkeys(ROLES, 200)),
    "pages.language": Row(OPEN, "POST", dict.fromkeys(ROLES, 303)),
    "static": Row(OPEN, "GET", dict.fromkeys(ROLES, 200)),
    "accounts.login": Row(OPEN, "GET", {"anonymous": 200, **dict.fromkeys(ALL, 302)}),
    "accounts.logout": Row(OPEN, "POST", dict.fromkeys(ROLES, 303)),
    "accounts.change_password": Row(LOGIN, "GET", allowed(*ALL), posted=allowed(*ALL, ok=422)),
    "admin.users": Row("people.read", "GET", allowed("admin", "hr")),
    "admin.new_user": Row(
        "people.manage",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "admin.edit_user": Row(
        "people.manage",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "admin.toggle_active": Row("people.manage", "POST", allowed("admin", ok=303)),
    "admin.teams": Row("people.read", "GET", allowed("admin", "hr")),
    "admin.edit_team": Row(
        "people.manage",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "admin.roster_upload": Row(
        "people.manage",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    # Roster checks and imports are jobs: another admin's does not exist for you.
    "admin.roster_preview": Row(
        "people.manage",
        "GET",
        allowed("admin", ok=404),
        posted=allowed("admin", ok=404),
    ),
    "admin.roster_check_again": Row("people.manage", "POST", allowed("admin", ok=404)),
    "admin.roster_import": Row("people.manage", "GET", allowed("admin", ok=404)),
    "playbooks.index": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.search": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.playbook": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.step": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.history": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.version": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.diff": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.edit": Row(
        "playbooks.edit",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "playbooks.intro_history": Row(LOGIN, "GET", allowed(*ALL)),
    "playbooks.intro_diff": Row(LOGIN, "GET", allowed(*ALL, ok=404)),
    "playbooks.edit_intro": Row(
        "playbooks.edit",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "playbooks.preview": Row("playbooks.edit", "POST", allowed("admin")),
    "onboarding.mine": Row(LOGIN, "GET", allowed(*ALL)),
    "onboarding.open_item": Row(LOGIN, "GET", allowed(*ALL, ok=302)),
    "onboarding.complete_item": Row(LOGIN, "POST", {**allowed(*ALL, ok=404), "new_hire": 303}),
    "onboarding.person": Row("onboarding.track", "GET", allowed("supervisor", "hr", "admin")),
    "onboarding.matrix": Row("onboarding.track", "GET", allowed("supervisor", "hr", "admin")),
    "onboarding.matrix_csv": Row("onboarding.track", "GET", allowed("supervisor", "hr", "admin")),
    "onboarding.change_due": Row(
        "onboarding.assign",
        "POST",
        allowed("supervisor", "admin", ok=422),
    ),
    "onboarding.remove_assignment": Row(
        "onboarding.assign",
        "POST",
        allowed("supervisor", "admin", ok=303),
    ),
    "onboarding.modules": Row("onboarding.modules", "GET", allowed("admin")),
    "onboarding.edit_module": Row(
        "onboarding.modules",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "onboarding.move_module": Row("onboarding.modules", "POST", allowed("admin", ok=303)),
    "onboarding.module_items": Row(
        "onboarding.modules",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "onboarding.remove_item": Row("onboarding.modules", "POST", allowed("admin", ok=303)),
    "onboarding.move_item": Row("onboarding.modules", "POST", allowed("admin", ok=303)),
    "onboarding.assign": Row(
        "onboarding.assign",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "scripts_library.library": Row(LOGIN, "GET", allowed(*ALL)),
    "scripts_library.script": Row(LOGIN, "GET", allowed(*ALL)),
    "scripts_library.fill": Row(LOGIN, "GET", allowed(*ALL)),
    "scripts_library.run": Row(LOGIN, "GET", allowed(*ALL)),
    "scripts_library.diff": Row(LOGIN, "GET", allowed(*ALL)),
    "scripts_library.drafts": Row("scripts.write", "GET", allowed("supervisor", "admin")),
    "scripts_library.new": Row(
        "scripts.write",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "scripts_library.edit": Row(
        "scripts.write",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "scripts_library.history": Row("scripts.write", "GET", allowed("supervisor", "admin")),
    "scripts_library.submit": Row("scripts.write", "POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.publish": Row("scripts.write", "POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.archive": Row("scripts.write", "POST", {**allowed("admin", ok=303)}),
    "scripts_library.discard": Row("scripts.write", "POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.restore": Row("scripts.write", "POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.export": Row("scripts.export", "GET", allowed("supervisor", "hr", "admin")),
    "scripts_library.import_library": Row(
        "scripts.write",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "scripts_library.favourite": Row(LOGIN, "POST", allowed(*ALL)),
    "quizzes.index": Row(LOGIN, "GET", allowed(*ALL)),
    "quizzes.quiz": Row(LOGIN, "GET", allowed(*ALL)),
    "quizzes.start": Row(LOGIN, "POST", allowed(*ALL, ok=303)),
    # An attempt belongs to the new hire alone: for everyone else it does not exist.
    "quizzes.attempt": Row(LOGIN, "GET", {**allowed(*ALL, ok=404, others=404), "new_hire": 200}),
    # Without a sequence number a save counts as older than what is stored: 409.
    "quizzes.save": Row(LOGIN, "POST", {**allowed(*ALL, ok=404, others=404), "new_hire": 409}),
    # The new hire's own attempt is still running (302 back to it); supervisors of
    # their team, HR and admins may read it; other learners get 404.
    "quizzes.result": Row(
        LOGIN,
        "GET",
        {**allowed("supervisor", "hr", "admin", others=404), "new_hire": 302},
    ),
    "quizzes.submit": Row(LOGIN, "POST", {**allowed(*ALL, ok=404, others=404), "new_hire": 303}),
    "quizzes.grading": Row("quizzes.grade", "GET", allowed("supervisor", "admin")),
    # No essay is waiting in the sweep's world: 404 for graders, 403 for the rest.
    "quizzes.grade_essay": Row("quizzes.grade", "POST", allowed("supervisor", "admin", ok=404)),
    "quizzes.bank_index": Row("quizzes.author", "GET", allowed("supervisor", "admin")),
    "quizzes.question_new": Row(
        "quizzes.author",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "quizzes.question": Row("quizzes.author", "GET", allowed("supervisor", "admin")),
    "quizzes.question_edit": Row(
        "quizzes.author",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "quizzes.question_archive": Row(
        "quizzes.author",
        "POST",
        allowed("supervisor", "admin", ok=303),
    ),
    # Without the previewed key's id the regrade is refused and the dry run shown again.
    "quizzes.question_regrade": Row(
        "quizzes.regrade",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=409),
    ),
    "quizzes.bank_export": Row("quizzes.author", "GET", allowed("supervisor", "admin")),
    "quizzes.bank_import": Row(
        "quizzes.author",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "quizzes.quiz_new": Row(
        "quizzes.author",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "quizzes.quiz_edit": Row(
        "quizzes.author",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    # An empty submission names no question: refused with a reason.
    "quizzes.slot_add": Row("quizzes.author", "POST", allowed("supervisor", "admin", ok=422)),
    "quizzes.slot_change": Row("quizzes.author", "POST", allowed("supervisor", "admin", ok=303)),
    "quizzes.quiz_results": Row("quizzes.results", "GET", allowed("supervisor", "hr", "admin")),
    "quizzes.quiz_analysis": Row("quizzes.results", "GET", allowed("supervisor", "hr", "admin")),
    "quizzes.person_results": Row("quizzes.results", "GET", allowed("supervisor", "hr", "admin")),
    "reviews.index": Row(LOGIN, "GET", allowed(*ALL)),
    # The new hire's submitted review, scored by their supervisor: the agent of
    # another person's review gets 404 (it does not exist for them).
    "reviews.review": Row(LOGIN, "GET", {**allowed(*ALL, others=404), "agent": 404}),
    "reviews.save_draft": Row(LOGIN, "POST", {**allowed("supervisor", ok=422, others=404)}),
    "reviews.submit": Row(LOGIN, "POST", {**allowed("supervisor", ok=422, others=404)}),
    "reviews.comment": Row(LOGIN, "POST", {**allowed("supervisor", "admin", ok=422), "agent": 404}),
    "reviews.acknowledge": Row(LOGIN, "POST", {**allowed(*ALL, ok=303), "agent": 404}),
    # After acknowledging, the new hire can no longer dispute: refused with a reason.
    "reviews.dispute": Row(LOGIN, "POST", {**allowed(*ALL, ok=422), "agent": 404}),
    "reviews.decide": Row("reviews.review", "POST", allowed("supervisor", "admin", ok=422)),
    "reviews.coach": Row("reviews.review", "POST", allowed("supervisor", "admin", ok=422)),
    "reviews.read_notifications": Row(
        LOGIN,
        "POST",
        dict.fromkeys(ROLES, 303) | {"anonymous": 302},
    ),
    "reviews.interactions": Row("reviews.review", "GET", allowed("supervisor", "admin")),
    "reviews.interaction_new": Row(
        "reviews.review",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "reviews.interaction_import": Row(
        "reviews.review",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    # Someone else's batch does not exist for you.
    "reviews.batch_job": Row("reviews.review", "GET", allowed("supervisor", "admin", ok=404)),
    # Recordings: the agent, their supervisors and admins; HR reads scores only.
    "reviews.interaction": Row(
        LOGIN,
        "GET",
        {**allowed("new_hire", "supervisor", "admin", others=404)},
    ),
    "reviews.recording": Row(
        LOGIN,
        "GET",
        {**allowed("new_hire", "supervisor", "admin", others=404)},
    ),
    # Analysing a call again: those who may review it; to anyone else it does not exist.
    "autoqa.analyse_again": Row(LOGIN, "POST", allowed("supervisor", "admin", ok=303, others=404)),
    # Without a rubric chosen the review is not started: back to the interaction.
    "reviews.start_review": Row("reviews.review", "POST", allowed("supervisor", "admin", ok=303)),
    "reviews.sample": Row(
        "reviews.review",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "reviews.rubric_list": Row("rubrics.read", "GET", allowed("supervisor", "hr", "admin")),
    "reviews.rubric": Row("rubrics.read", "GET", allowed("supervisor", "hr", "admin")),
    "reviews.rubric_new": Row(
        "rubrics.edit",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "reviews.rubric_edit": Row(
        "rubrics.edit",
        "GET",
        allowed("admin"),
        posted=allowed("admin", ok=422),
    ),
    "reviews.rubric_retire": Row("rubrics.edit", "POST", allowed("admin", ok=303)),
    "reviews.calibration_list": Row("reviews.review", "GET", allowed("supervisor", "admin")),
    "reviews.calibration_new": Row(
        "reviews.review",
        "GET",
        allowed("supervisor", "admin"),
        posted=allowed("supervisor", "admin", ok=422),
    ),
    "reviews.calibration_session": Row("reviews.review", "GET", allowed("supervisor", "admin")),
    # Learners land on their own sheet, the others on the team table.
    "kpi.index": Row(LOGIN, "GET", dict.fromkeys(ROLES, 302)),
    "kpi.agent": Row(
        LOGIN,
        "GET",
        {**allowed("new_hire", "supervisor", "hr", "admin", others=404)},
    ),
    "kpi.team": Row("kpi.team", "GET", allowed("supervisor", "hr", "admin")),
    "kpi.team_csv": Row("kpi.team", "GET", allowed("supervisor", "hr", "admin")),
    "kpi.start_export": Row("kpi.team", "POST", allowed("supervisor", "hr", "admin", ok=303)),
    # Someone else's export does not exist for you.
    "kpi.export_job": Row("kpi.team", "GET", allowed("supervisor", "hr", "admin", ok=404)),
    "kpi.export_download": Row("kpi.team", "GET", allowed("supervisor", "hr", "admin", ok=404)),
    "kpi.outcomes_import": Row(
        "kpi.outcomes.import",
        "GET",
        allowed("hr", "admin"),
        posted=allowed("hr", "admin", ok=422),
    ),
    # Someone else's import does not exist for you.
    "kpi.outcomes_job": Row("kpi.outcomes.import", "GET", allowed("hr", "admin", ok=404)),
    # An empty form changes nothing: back to the page; supervisors only read targets.
    "kpi.targets_page": Row(
        "kpi.team",
        "GET",
        allowed("supervisor", "hr", "admin"),
        posted={**allowed("hr", "admin", ok=303), "supervisor": 403},
    ),
    "integrations.token_list": Row("integrations.manage", "GET", allowed("admin")),
    "integrations.new_token": Row(
        "integrations.manage", "GET", allowed("admin"), posted=allowed("admin", ok=422)
    ),
    # No such token in the world.
    "integrations.revoke": Row("integrations.manage", "POST", allowed("admin", ok=404)),
    "integrations.call_list": Row("integrations.manage", "GET", allowed("admin")),
    "integrations.call_csv": Row("integrations.manage", "GET", allowed("admin")),
    "integrations.drop_batches": Row("integrations.manage", "GET", allowed("admin")),
    "integrations.webhooks": Row("integrations.manage", "GET", allowed("admin", ok=404)),
    "integrations.new_signing_key": Row("integrations.manage", "POST", allowed("admin", ok=404)),
    "reviews.recording_accesses": Row("recordings.audit", "GET", allowed("admin")),
    "reviews.recording_accesses_csv": Row("recordings.audit", "GET", allowed("admin")),
    # An empty form changes no rule: back to the page.
    "reviews.retention_page": Row(
        "retention.manage", "GET", allowed("admin"), posted=allowed("admin", ok=303)
    ),
    "reviews.retention_purge": Row("retention.manage", "POST", allowed("admin", ok=303)),
    # The API takes a bearer token, never the session: every person gets 401, logged in
    # or not (tests/integrations checks the tokens and their scopes).
    "api.put_interaction": Row(OPEN, "PUT", dict.fromkeys(ROLES, 401)),
    "api.put_recording": Row(OPEN, "PUT", dict.fromkeys(ROLES, 401)),
    "api.put_transcript": Row(OPEN, "PUT", dict.fromkeys(ROLES, 401)),
    "api.list_reviews": Row(OPEN, "GET", dict.fromkeys(ROLES, 401)),
    "api.post_outcomes": Row(OPEN, "POST", dict.fromkeys(ROLES, 401)),
    "api-docs.openapi_json": Row(OPEN, "GET", dict.fromkeys(ROLES, 200)),
    # Webhooks are signed, not sent with a session (tests/integrations/test_webhooks.py).
    "webhooks.recording_ready": Row(OPEN, "POST", dict.fromkeys(ROLES, 401)),
}


@pytest.fixture
def world(app, db, make, content, script_pack):
    """A team with its supervisor, agent and new hire, a module with an item, assignments."""
    team, other_team = make.team("Nhóm A"), make.team("Nhóm B")
    people = {
        "admin": make.user(Role.ADMIN),
        "hr": make.user(Role.HR),
        "supervisor": make.user(Role.SUPERVISOR, leads=[team]),
        "agent": make.user(Role.AGENT, team=team),
        "new_hire": make.user(Role.NEW_HIRE, team=team, hire_date=date.today() - timedelta(days=1)),
    }
    outsider = make.user(Role.AGENT, team=other_team)
    step = playbooks.find_step("truoc-ban-hang", playbooks.playbooks()[0].steps[0].slug)
    from tests.scripts_library.conftest import COMPLAINT

    load_scripts_pack(script_pack(COMPLAINT))
    module = OnboardingModule(title="Tuần 1", due_days=7, position=1)
    module.items.append(ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.id, position=1))
    module.items.append(
        ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.playbook.steps[1].id, position=2)
    )
    db.session.add(module)
    db.session.commit()
    assign([people["new_hire"]], [module], by=people["admin"])
    with app.test_request_context():
        open_item(people["new_hire"], module.items[0].id)
    category = make.category("chi-so", "Chỉ số")
    question = make.question("45", kind="short_answer", key="nps", prompt="NPS?", category=category)
    quiz = make.quiz(question, title="NPS", attempts_allowed=None)
    attempt = quiz_attempts.start(quiz, people["new_hire"].id, now=utcnow())
    world_reviews = _review_world(make, people)
    return {
        **world_reviews,
        "people": people,
        "team": team,
        "outsider": outsider,
        "step": step,
        "module": module,
        "quiz": quiz,
        "question": question,
        "attempt": attempt,
    }


def _review_world(make, people):
    """A recorded call of the new hire: one submitted review by their supervisor,
    one with an open dispute, and a calibration session."""
    supervisor = people["supervisor"]
    call = make.interaction(people["new_hire"], by=supervisor)
    review = make.review(call, supervisor)
    disputed = make.review(call, supervisor, state="disputed")
    session = calibration.create_session(
        "Hiệu chỉnh",
        make.rubric(),
        [call],
        [supervisor.id],
        benchmark_id=people["admin"].id,
        by=people["admin"],
    )
    return {
        "call": call,
        "review": review,
        "dispute": disputes.open_dispute(disputed),
        "calibration": session,
    }


def _url(endpoint, world):
    step, module, people = world["step"], world["module"], world["people"]
    values = {
        "static": "/static/css/portal.css",
        "admin.edit_user": f"/admin/users/{people['agent'].id}/edit",
        "admin.toggle_active": f"/admin/users/{world['outsider'].id}/active",
        "admin.edit_team": f"/admin/teams/{world['team'].id}/edit",
        "admin.roster_preview": "/admin/roster/" + "0" * 32,
        "admin.roster_check_again": "/admin/roster/" + "0" * 32 + "/check-again",
        "admin.roster_import": "/admin/roster/imports/" + "0" * 32,
        "playbooks.playbook": f"/playbooks/{step.playbook.slug}",
        "playbooks.step": f"/playbooks/{step.playbook.slug}/{step.slug}",
        "playbooks.history": f"/playbooks/{step.playbook.slug}/{step.slug}/history",
        "playbooks.version": f"/playbooks/{step.playbook.slug}/{step.slug}/v/1",
        "playbooks.diff": f"/playbooks/{step.playbook.slug}/{step.slug}/diff?a=1&b=1",
        "playbooks.edit": f"/playbooks/{step.playbook.slug}/{step.slug}/edit",
        "playbooks.intro_history": f"/playbooks/{step.playbook.slug}/history",
        "playbooks.intro_diff": f"/playbooks/{step.playbook.slug}/diff?a=1&b=2",
        "playbooks.edit_intro": f"/playbooks/{step.playbook.slug}/edit",
        "playbooks.search": "/playbooks/search?q=khach+hang",
        "onboarding.open_item": f"/onboarding/items/{module.items[0].id}/open",
        "scripts_library.script": "/scripts/xin-loi-khieu-nai",
        "quizzes.start": f"/quizzes/{world['quiz'].id}/start",
        "quizzes.quiz": f"/quizzes/{world['quiz'].id}",
        "quizzes.attempt": f"/quizzes/attempts/{world['attempt'].id}",
        "quizzes.save": f"/quizzes/attempts/{world['attempt'].id}/answers/0",
        "quizzes.result": f"/quizzes/attempts/{world['attempt'].id}/result",
        "quizzes.submit": f"/quizzes/attempts/{world['attempt'].id}/submit",
        "quizzes.grade_essay": "/quizzes/grading/1",
        "quizzes.question": f"/quizzes/bank/{world['question'].id}",
        "quizzes.question_edit": f"/quizzes/bank/{world['question'].id}/edit",
        "quizzes.question_archive": f"/quizzes/bank/{world['question'].id}/archive",
        "quizzes.question_regrade": f"/quizzes/bank/{world['question'].id}/regrade",
        "quizzes.quiz_edit": f"/quizzes/{world['quiz'].id}/edit",
        "quizzes.slot_add": f"/quizzes/{world['quiz'].id}/slots",
        "quizzes.slot_change": f"/quizzes/{world['quiz'].id}/slots/{world['quiz'].slots[0].id}",
        "quizzes.quiz_results": f"/quizzes/{world['quiz'].id}/results",
        "quizzes.quiz_analysis": f"/quizzes/{world['quiz'].id}/analysis",
        "quizzes.person_results": f"/quizzes/people/{people['new_hire'].id}",
        "scripts_library.fill": "/scripts/xin-loi-khieu-nai/fill?ph__ten_khach_hang=Lan",
        "scripts_library.favourite": "/scripts/xin-loi-khieu-nai/favourite",
        "scripts_library.run": "/scripts/xin-loi-khieu-nai/run?path=mo-dau,khach",
        "scripts_library.diff": "/scripts/xin-loi-khieu-nai/diff?a=1&b=1",
        "scripts_library.edit": "/scripts/xin-loi-khieu-nai/edit",
        "scripts_library.history": "/scripts/xin-loi-khieu-nai/history",
        "scripts_library.submit": "/scripts/xin-loi-khieu-nai/submit",
        "scripts_library.publish": "/scripts/xin-loi-khieu-nai/publish",
        "scripts_library.archive": "/scripts/xin-loi-khieu-nai/archive",
        "scripts_library.discard": "/scripts/xin-loi-khieu-nai/discard",
        "scripts_library.restore": "/scripts/xin-loi-khieu-nai/restore/1",
        "onboarding.complete_item": f"/onboarding/items/{module.items[0].id}/complete",
        "reviews.review": f"/reviews/{world['review'].id}",
        "reviews.save_draft": f"/reviews/{world['review'].id}/draft",
        "reviews.submit": f"/reviews/{world['review'].id}/submit",
        "reviews.comment": f"/reviews/{world['review'].id}/comments",
        "reviews.acknowledge": f"/reviews/{world['review'].id}/acknowledge",
        "reviews.dispute": f"/reviews/{world['review'].id}/dispute",
        "reviews.decide": f"/reviews/disputes/{world['dispute'].id}/decide",
        "reviews.coach": f"/reviews/{world['review'].id}/coaching",
        "reviews.interaction": f"/reviews/interactions/{world['call'].id}",
        "reviews.recording": f"/reviews/interactions/{world['call'].id}/recording",
        "autoqa.analyse_again": f"/autoqa/interactions/{world['call'].id}/analyse",
        "reviews.start_review": f"/reviews/interactions/{world['call'].id}/review",
        "reviews.rubric": "/reviews/rubrics/goi-dien",
        "reviews.rubric_edit": "/reviews/rubrics/goi-dien/edit",
        "reviews.rubric_retire": "/reviews/rubrics/goi-dien/retire",
        "reviews.calibration_session": f"/reviews/calibration/{world['calibration'].id}",
        "kpi.agent": f"/kpi/agents/{people['new_hire'].id}",
        "kpi.export_job": "/kpi/exports/" + "0" * 32,
        "kpi.export_download": "/kpi/exports/" + "0" * 32 + "/download",
        "kpi.outcomes_job": "/kpi/outcomes/import/" + "0" * 32,
        "reviews.batch_job": "/reviews/interactions/import/" + "0" * 32,
        "onboarding.person": f"/onboarding/people/{people['new_hire'].id}",
        "onboarding.change_due": f"/onboarding/people/{people['new_hire'].id}/modules/{module.id}/due",
        "onboarding.remove_assignment": f"/onboarding/people/{people['new_hire'].id}/modules/{module.id}/remove",
        "onboarding.edit_module": f"/onboarding/modules/{module.id}/edit",
        "onboarding.move_module": f"/onboarding/modules/{module.id}/move",
        "onboarding.module_items": f"/onboarding/modules/{module.id}/items",
        "onboarding.remove_item": f"/onboarding/items/{module.items[1].id}/remove",
        "onboarding.move_item": f"/onboarding/items/{module.items[0].id}/move",
        "integrations.revoke": "/admin/integrations/999999/revoke",
        "integrations.webhooks": "/admin/integrations/999999/webhooks",
        "integrations.new_signing_key": "/admin/integrations/999999/signing-key",
        "webhooks.recording_ready": "/api/v1/webhooks/1/recording-ready",
        "api.put_interaction": "/api/v1/interactions/pbx/call-1",
        "api.put_recording": "/api/v1/interactions/pbx/call-1/recording",
        "api.put_transcript": "/api/v1/interactions/pbx/call-1/transcript",
    }
    return values.get(endpoint)


def test_every_route_is_in_the_sweep(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(SWEEP), "add new routes to SWEEP with the status each role gets"


def test_the_sweep_names_the_permission_each_view_declares(app):
    wrong = []
    for endpoint, row in SWEEP.items():
        declared = getattr(app.view_functions[endpoint], "permission", None)
        named = declared.name if declared else None
        if named != (None if row.permission in (LOGIN, OPEN) else row.permission):
            wrong.append(f"{endpoint}: the view declares {named}, the table says {row.permission}")
    assert not wrong, "\n".join(wrong)


def test_roles_without_the_permission_are_refused(app):
    """What the table expects agrees with the policy: a role outside the permission
    gets 403 (anonymous people go to the login page)."""
    wrong = []
    for endpoint, row in SWEEP.items():
        if row.permission in (LOGIN, OPEN):
            continue
        holders = {r.value for r in policy.lookup(row.permission).roles}
        for expected in filter(None, (row.expected, row.posted)):
            for role, status in expected.items():
                if role != "anonymous" and role not in holders and status != 403:
                    wrong.append(f"{endpoint}: {role} lacks {row.permission} but expects {status}")
            if row.permission != OPEN and expected.get("anonymous") not in (None, 302):
                wrong.append(f"{endpoint}: anonymous should be sent to the login page")
    assert not wrong, "\n".join(wrong)


def test_login_only_routes_send_anonymous_people_to_log_in(app):
    wrong = [
        e
        for e, row in SWEEP.items()
        if row.permission == LOGIN and row.expected["anonymous"] != 302
    ]
    assert not wrong


@pytest.mark.parametrize("role", ROLES)
def test_route_sweep(app, world, login_as, role):
    if role == "anonymous":
        from tests.conftest import csrf_token

        client = app.test_client()
        token = csrf_token(client)

        def request(method, url):
            data = {"csrf_token": token} if method == "POST" else None
            return client.open(url, method=method, data=data)
    else:
        session = login_as(world["people"][role])

        def request(method, url):
            if method == "POST":
                return session.post(url)
            return session.client.open(url, method=method)  # GET, or the API's PUT

    with app.test_request_context():
        from flask import url_for

        urls = {e: _url(e, world) or url_for(e) for e in SWEEP}
    failures = []
    # Logging out ends the session, so it goes last.
    for endpoint, (_permission, method, expected, _posted) in sorted(
        SWEEP.items(), key=lambda e: e[0] == "accounts.logout"
    ):
        status = request(method, urls[endpoint]).status_code
        if status != expected[role]:
            failures.append(f"{method} {urls[endpoint]}: got {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_form_posts_are_authorized_too(app, world, login_as, role):
    """The POST side of routes that also answer GET: an empty submission is refused
    as 403 for roles without access, and reaches validation (422) otherwise."""
    session = login_as(world["people"][role])
    forms = {e: row.posted for e, row in SWEEP.items() if row.posted}
    with app.test_request_context():
        from flask import url_for

        urls = {e: _url(e, world) or url_for(e) for e in forms}
    failures = []
    for endpoint, expected in forms.items():
        status = session.post(urls[endpoint]).status_code
        if status != expected[role]:
            failures.append(f"POST {urls[endpoint]}: got {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_supervisor_sees_only_their_teams(world, login_as):
    supervisor = login_as(world["people"]["supervisor"])
    assert supervisor.get(f"/onboarding/people/{world['people']['agent'].id}").status_code == 200
    assert supervisor.get(f"/onboarding/people/{world['outsider'].id}").status_code == 403
    matrix = supervisor.get("/onboarding/matrix").get_data(as_text=True)
    assert world["people"]["new_hire"].name in matrix
    assert world["outsider"].name not in matrix


def test_agents_cannot_reach_someone_elses_records(world, login_as):
    agent = login_as(world["people"]["agent"])
    assert agent.get(f"/onboarding/people/{world['people']['new_hire'].id}").status_code == 403
    # Opening someone else's item id does not record anything for the agent.
    response = agent.get(f"/onboarding/items/{world['module'].items[0].id}/open")
    assert response.status_code == 302 and "/onboarding/" in response.headers["Location"]


def test_hr_reads_but_cannot_change(world, login_as):
    hr = login_as(world["people"]["hr"])
    assert hr.get("/admin/users").status_code == 200
    page = hr.get("/admin/users").get_data(as_text=True)
    assert "/edit" not in page
    assert (
        hr.post(f"/admin/users/{world['outsider'].id}/active", {"active": "0"}).status_code == 403
    )
    assert world["outsider"].active


def test_huge_or_odd_numbers_in_urls_are_not_found_never_a_crash(world, login_as):
    admin = login_as(world["people"]["admin"])
    huge = "9" * 20
    step = world["step"]
    for url in (
        f"/admin/users/{huge}/edit",
        f"/onboarding/people/{huge}",
        f"/onboarding/modules/{huge}/items",
        f"/playbooks/{step.playbook.slug}/{step.slug}/v/{huge}",
    ):
        assert admin.get(url).status_code == 404, url
    for url in (
        f"/admin/users?team={huge}",
        f"/onboarding/matrix?team={huge}&page={huge}",
        "/onboarding/matrix?page=-3",
        f"/onboarding/matrix.csv?team={huge}",
        f"/playbooks/{step.playbook.slug}/{step.slug}/diff?a={huge}&b=1",
        f"/playbooks/?onboarding_item={huge}",
    ):
        assert admin.get(url).status_code in (200, 404), url
