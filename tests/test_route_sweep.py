"""Every URL × every role → the status that role must get. Authorization is on the server."""

from datetime import date, timedelta

import pytest

from portal.core.models import utcnow
from portal.core.roles import Role
from portal.onboarding.assignment import assign
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.onboarding.path import open_item
from portal.playbooks import services as playbooks

ROLES = ["anonymous", *[r.value for r in Role]]
ALL = {r.value for r in Role}
OK, FORBIDDEN = 200, 403


def allowed(*roles, ok=OK, others=FORBIDDEN):
    """Expected status per role: `ok` for `roles`, `others` for the rest, login redirect for anonymous."""
    return {"anonymous": 302, **{r: (ok if r in roles else others) for r in ALL}}


# endpoint -> (method, expected status per role)
EXPECTED = {
    "pages.home": ("GET", {**allowed(*ALL), "new_hire": 302}),
    "pages.health": ("GET", dict.fromkeys(ROLES, 200)),
    "pages.language": ("POST", dict.fromkeys(ROLES, 303)),
    "static": ("GET", dict.fromkeys(ROLES, 200)),
    "accounts.login": ("GET", {"anonymous": 200, **dict.fromkeys(ALL, 302)}),
    "accounts.logout": ("POST", dict.fromkeys(ROLES, 303)),
    "accounts.change_password": ("GET", allowed(*ALL)),
    "admin.users": ("GET", allowed("admin", "hr")),
    "admin.new_user": ("GET", allowed("admin")),
    "admin.edit_user": ("GET", allowed("admin")),
    "admin.toggle_active": ("POST", allowed("admin", ok=303)),
    "admin.teams": ("GET", allowed("admin", "hr")),
    "admin.edit_team": ("GET", allowed("admin")),
    "admin.roster_upload": ("GET", allowed("admin")),
    "admin.roster_preview": ("GET", allowed("admin", ok=303)),
    "playbooks.index": ("GET", allowed(*ALL)),
    "playbooks.search": ("GET", allowed(*ALL)),
    "playbooks.playbook": ("GET", allowed(*ALL)),
    "playbooks.step": ("GET", allowed(*ALL)),
    "playbooks.history": ("GET", allowed(*ALL)),
    "playbooks.version": ("GET", allowed(*ALL)),
    "playbooks.diff": ("GET", allowed(*ALL)),
    "playbooks.edit": ("GET", allowed("admin")),
    "playbooks.intro_history": ("GET", allowed(*ALL)),
    "playbooks.intro_diff": ("GET", allowed(*ALL, ok=404)),
    "playbooks.edit_intro": ("GET", allowed("admin")),
    "playbooks.preview": ("POST", allowed("admin")),
    "onboarding.mine": ("GET", allowed(*ALL)),
    "onboarding.open_item": ("GET", allowed(*ALL, ok=302)),
    "onboarding.complete_item": ("POST", {**allowed(*ALL, ok=404), "new_hire": 303}),
    "onboarding.person": ("GET", allowed("supervisor", "hr", "admin")),
    "onboarding.matrix": ("GET", allowed("supervisor", "hr", "admin")),
    "onboarding.matrix_csv": ("GET", allowed("supervisor", "hr", "admin")),
    "onboarding.change_due": ("POST", allowed("supervisor", "admin", ok=422)),
    "onboarding.remove_assignment": ("POST", allowed("supervisor", "admin", ok=303)),
    "onboarding.modules": ("GET", allowed("admin")),
    "onboarding.edit_module": ("GET", allowed("admin")),
    "onboarding.move_module": ("POST", allowed("admin", ok=303)),
    "onboarding.module_items": ("GET", allowed("admin")),
    "onboarding.remove_item": ("POST", allowed("admin", ok=303)),
    "onboarding.move_item": ("POST", allowed("admin", ok=303)),
    "onboarding.assign": ("GET", allowed("supervisor", "admin")),
    "scripts_library.library": ("GET", allowed(*ALL)),
    "scripts_library.script": ("GET", allowed(*ALL)),
    "scripts_library.fill": ("GET", allowed(*ALL)),
    "scripts_library.run": ("GET", allowed(*ALL)),
    "scripts_library.diff": ("GET", allowed(*ALL)),
    "scripts_library.drafts": ("GET", allowed("supervisor", "admin")),
    "scripts_library.new": ("GET", allowed("supervisor", "admin")),
    "scripts_library.edit": ("GET", allowed("supervisor", "admin")),
    "scripts_library.history": ("GET", allowed("supervisor", "admin")),
    "scripts_library.submit": ("POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.publish": ("POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.archive": ("POST", {**allowed("admin", ok=303)}),
    "scripts_library.discard": ("POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.restore": ("POST", allowed("supervisor", "admin", ok=303)),
    "scripts_library.export": ("GET", allowed("supervisor", "hr", "admin")),
    "scripts_library.import_library": ("GET", allowed("admin")),
    "scripts_library.favourite": ("POST", allowed(*ALL)),
    "quizzes.index": ("GET", allowed(*ALL)),
    "quizzes.quiz": ("GET", allowed(*ALL)),
    "quizzes.start": ("POST", allowed(*ALL, ok=303)),
    # An attempt belongs to the new hire alone: for everyone else it does not exist.
    "quizzes.attempt": ("GET", {**allowed(*ALL, ok=404, others=404), "new_hire": 200}),
    # Without a sequence number a save counts as older than what is stored: 409.
    "quizzes.save": ("POST", {**allowed(*ALL, ok=404, others=404), "new_hire": 409}),
    # The new hire's own attempt is still running (302 back to it); supervisors of
    # their team, HR and admins may read it; other learners get 404.
    "quizzes.result": (
        "GET",
        {**allowed("supervisor", "hr", "admin", others=404), "new_hire": 302},
    ),
    "quizzes.submit": ("POST", {**allowed(*ALL, ok=404, others=404), "new_hire": 303}),
    "quizzes.grading": ("GET", allowed("supervisor", "admin")),
    # No essay is waiting in the sweep's world: 404 for graders, 403 for the rest.
    "quizzes.grade_essay": ("POST", allowed("supervisor", "admin", ok=404)),
    "quizzes.bank_index": ("GET", allowed("supervisor", "admin")),
    "quizzes.question_new": ("GET", allowed("supervisor", "admin")),
    "quizzes.question": ("GET", allowed("supervisor", "admin")),
    "quizzes.question_edit": ("GET", allowed("supervisor", "admin")),
    "quizzes.question_archive": ("POST", allowed("supervisor", "admin", ok=303)),
    "quizzes.question_regrade": ("GET", allowed("admin")),
    "quizzes.bank_export": ("GET", allowed("supervisor", "admin")),
    "quizzes.bank_import": ("GET", allowed("supervisor", "admin")),
    "quizzes.quiz_new": ("GET", allowed("supervisor", "admin")),
    "quizzes.quiz_edit": ("GET", allowed("supervisor", "admin")),
    # An empty submission names no question: refused with a reason.
    "quizzes.slot_add": ("POST", allowed("supervisor", "admin", ok=422)),
    "quizzes.slot_change": ("POST", allowed("supervisor", "admin", ok=303)),
    "quizzes.quiz_results": ("GET", allowed("supervisor", "hr", "admin")),
    "quizzes.quiz_analysis": ("GET", allowed("supervisor", "hr", "admin")),
    "quizzes.person_results": ("GET", allowed("supervisor", "hr", "admin")),
    "reviews.index": ("GET", allowed(*ALL)),
    # The new hire's submitted review, scored by their supervisor: the agent of
    # another person's review gets 404 (it does not exist for them).
    "reviews.review": ("GET", {**allowed(*ALL, others=404), "agent": 404}),
    "reviews.save_draft": ("POST", {**allowed("supervisor", ok=422, others=404)}),
    "reviews.submit": ("POST", {**allowed("supervisor", ok=422, others=404)}),
    "reviews.comment": (
        "POST",
        {**allowed("supervisor", "admin", ok=422), "agent": 404},
    ),
    "reviews.acknowledge": ("POST", {**allowed(*ALL, ok=303), "agent": 404}),
    # After acknowledging, the new hire can no longer dispute: refused with a reason.
    "reviews.dispute": ("POST", {**allowed(*ALL, ok=422), "agent": 404}),
    "reviews.decide": ("POST", allowed("supervisor", "admin", ok=422)),
    "reviews.coach": ("POST", allowed("supervisor", "admin", ok=422)),
    "reviews.read_notifications": ("POST", dict.fromkeys(ROLES, 303) | {"anonymous": 302}),
    "reviews.interactions": ("GET", allowed("supervisor", "admin")),
    "reviews.interaction_new": ("GET", allowed("supervisor", "admin")),
    "reviews.interaction_import": ("GET", allowed("supervisor", "admin")),
    # Recordings: the agent, their supervisors and admins; HR reads scores only.
    "reviews.interaction": ("GET", {**allowed("new_hire", "supervisor", "admin", others=404)}),
    "reviews.recording": ("GET", {**allowed("new_hire", "supervisor", "admin", others=404)}),
    # Without a rubric chosen the review is not started: back to the interaction.
    "reviews.start_review": ("POST", allowed("supervisor", "admin", ok=303)),
    "reviews.sample": ("GET", allowed("supervisor", "admin")),
    "reviews.rubric_list": ("GET", allowed("supervisor", "hr", "admin")),
    "reviews.rubric": ("GET", allowed("supervisor", "hr", "admin")),
    "reviews.rubric_new": ("GET", allowed("admin")),
    "reviews.rubric_edit": ("GET", allowed("admin")),
    "reviews.rubric_retire": ("POST", allowed("admin", ok=303)),
    "reviews.calibration_list": ("GET", allowed("supervisor", "admin")),
    "reviews.calibration_new": ("GET", allowed("supervisor", "admin")),
    "reviews.calibration_session": ("GET", allowed("supervisor", "admin")),
    # Learners land on their own sheet, the others on the team table.
    "kpi.index": ("GET", dict.fromkeys(ROLES, 302)),
    "kpi.agent": ("GET", {**allowed("new_hire", "supervisor", "hr", "admin", others=404)}),
    "kpi.team": ("GET", allowed("supervisor", "hr", "admin")),
    "kpi.team_csv": ("GET", allowed("supervisor", "hr", "admin")),
    "kpi.start_export": ("POST", allowed("supervisor", "hr", "admin", ok=303)),
    # Someone else's export does not exist for you.
    "kpi.export_job": ("GET", allowed("supervisor", "hr", "admin", ok=404)),
    "kpi.export_download": ("GET", allowed("supervisor", "hr", "admin", ok=404)),
    "kpi.outcomes_import": ("GET", allowed("hr", "admin")),
    "kpi.targets_page": ("GET", allowed("supervisor", "hr", "admin")),
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
    from scripts_library.services import load_scripts_pack
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
    from quizzes import attempts
    from quizzes.models import Question, QuestionCategory, QuestionVersion, Quiz, QuizSlot

    category = QuestionCategory(code="chi-so", name_vi="Chỉ số")
    db.session.add(category)
    db.session.flush()
    question = Question(key="nps", category_id=category.id, current_version=1)
    db.session.add(question)
    db.session.flush()
    db.session.add(
        QuestionVersion(
            question_id=question.id,
            version=1,
            type="short_answer",
            prompt="NPS?",
            data={"answers": ["45"], "diacritics_optional": True},
        )
    )
    quiz = Quiz(title="NPS", attempts_allowed=None)
    quiz.slots.append(QuizSlot(position=0, question_id=question.id))
    db.session.add(quiz)
    db.session.commit()
    attempt = attempts.start(quiz, people["new_hire"].id, now=utcnow())
    world_reviews = _review_world(people)
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


def _review_world(people):
    """A recorded call of the new hire: one submitted review by their supervisor,
    one with an open dispute, and a calibration session."""
    from pathlib import Path

    from portal.core.models import utcnow
    from reviews import calibration, recordings, reviewing
    from reviews.models import Rubric
    from reviews.rubrics import criteria_of, load_rubric_pack, published
    from reviews.scoring import Given

    load_rubric_pack()
    version = published(_db_session().query(Rubric).filter_by(slug="goi-dien").one())
    sample = Path(__file__).resolve().parent.parent / "content/recordings/goi-cut-lun-hung.wav"
    with open(sample, "rb") as stream:
        audio = recordings.check_audio(stream, max_bytes=1_000_000)
    call = recordings.create_interaction(
        recordings.InteractionInput(
            agent_id=people["new_hire"].id, channel="phone", occurred_at=utcnow()
        ),
        audio,
        by=people["supervisor"],
    )
    _db_session().flush()
    every = {
        k: Given(1 if c["scale"] == "yes_no" else 3)
        for k, c in criteria_of(version.structure).items()
    }
    made = []
    for _ in range(2):
        review = reviewing.assign(call, version, people["supervisor"].id, by=people["supervisor"])
        _db_session().commit()
        reviewing.save_draft(review, every, fields={}, summary="", lock_version=1, now=utcnow())
        reviewing.submit(review, now=utcnow())
        made.append(review)
    case = reviewing.raise_dispute(
        made[1],
        people["new_hire"],
        [reviewing.DisputedCriterion("lang-nghe", "Tôi có lắng nghe.", 5)],
        now=utcnow(),
    )
    session = calibration.create_session(
        "Hiệu chỉnh",
        version,
        [call],
        [people["supervisor"].id],
        benchmark_id=people["admin"].id,
        by=people["admin"],
    )
    return {"call": call, "review": made[0], "dispute": case, "calibration": session}


def _db_session():
    from portal.core.extensions import db

    return db.session


def _url(endpoint, world):
    step, module, people = world["step"], world["module"], world["people"]
    values = {
        "static": "/static/css/portal.css",
        "admin.edit_user": f"/admin/users/{people['agent'].id}/edit",
        "admin.toggle_active": f"/admin/users/{world['outsider'].id}/active",
        "admin.edit_team": f"/admin/teams/{world['team'].id}/edit",
        "admin.roster_preview": "/admin/roster/" + "0" * 32,
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
        "reviews.start_review": f"/reviews/interactions/{world['call'].id}/review",
        "reviews.rubric": "/reviews/rubrics/goi-dien",
        "reviews.rubric_edit": "/reviews/rubrics/goi-dien/edit",
        "reviews.rubric_retire": "/reviews/rubrics/goi-dien/retire",
        "reviews.calibration_session": f"/reviews/calibration/{world['calibration'].id}",
        "kpi.agent": f"/kpi/agents/{people['new_hire'].id}",
        "kpi.export_job": "/kpi/exports/" + "0" * 32,
        "kpi.export_download": "/kpi/exports/" + "0" * 32 + "/download",
        "onboarding.person": f"/onboarding/people/{people['new_hire'].id}",
        "onboarding.change_due": f"/onboarding/people/{people['new_hire'].id}/modules/{module.id}/due",
        "onboarding.remove_assignment": f"/onboarding/people/{people['new_hire'].id}/modules/{module.id}/remove",
        "onboarding.edit_module": f"/onboarding/modules/{module.id}/edit",
        "onboarding.move_module": f"/onboarding/modules/{module.id}/move",
        "onboarding.module_items": f"/onboarding/modules/{module.id}/items",
        "onboarding.remove_item": f"/onboarding/items/{module.items[1].id}/remove",
        "onboarding.move_item": f"/onboarding/items/{module.items[0].id}/move",
    }
    return values.get(endpoint)


def test_every_route_is_in_the_sweep(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "add new routes to EXPECTED with the status each role gets"


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
            return session.post(url) if method == "POST" else session.get(url)

    with app.test_request_context():
        from flask import url_for

        urls = {e: _url(e, world) or url_for(e) for e in EXPECTED}
    failures = []
    # Logging out ends the session, so it goes last.
    for endpoint, (method, expected) in sorted(
        EXPECTED.items(), key=lambda e: e[0] == "accounts.logout"
    ):
        status = request(method, urls[endpoint]).status_code
        if status != expected[role]:
            failures.append(f"{method} {urls[endpoint]}: got {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


# The POST side of routes that also answer GET: an empty submission must be
# refused as 403 for roles without access, and reach validation (422) otherwise.
POSTED_FORMS = {
    "accounts.change_password": allowed(*ALL, ok=422),
    "admin.new_user": allowed("admin", ok=422),
    "admin.edit_user": allowed("admin", ok=422),
    "admin.edit_team": allowed("admin", ok=422),
    "admin.roster_upload": allowed("admin", ok=422),
    "admin.roster_preview": allowed("admin", ok=303),
    "playbooks.edit": allowed("admin", ok=422),
    "playbooks.edit_intro": allowed("admin", ok=422),
    "onboarding.edit_module": allowed("admin", ok=422),
    "onboarding.module_items": allowed("admin", ok=422),
    "onboarding.assign": allowed("supervisor", "admin", ok=422),
    "scripts_library.new": allowed("supervisor", "admin", ok=422),
    "scripts_library.edit": allowed("supervisor", "admin", ok=422),
    "scripts_library.import_library": allowed("admin", ok=422),
    "quizzes.question_new": allowed("supervisor", "admin", ok=422),
    "quizzes.question_edit": allowed("supervisor", "admin", ok=422),
    # Without the previewed key's id the regrade is refused and the dry run shown again.
    "quizzes.question_regrade": allowed("admin", ok=409),
    "quizzes.bank_import": allowed("supervisor", "admin", ok=422),
    "quizzes.quiz_new": allowed("supervisor", "admin", ok=422),
    "quizzes.quiz_edit": allowed("supervisor", "admin", ok=422),
    "reviews.interaction_new": allowed("supervisor", "admin", ok=422),
    "reviews.interaction_import": allowed("supervisor", "admin", ok=422),
    "reviews.sample": allowed("supervisor", "admin", ok=422),
    "reviews.rubric_new": allowed("admin", ok=422),
    "reviews.rubric_edit": allowed("admin", ok=422),
    "reviews.calibration_new": allowed("supervisor", "admin", ok=422),
    "kpi.outcomes_import": allowed("hr", "admin", ok=422),
    # An empty form changes nothing: back to the page; supervisors only read targets.
    "kpi.targets_page": {**allowed("hr", "admin", ok=303), "supervisor": 403},
}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_form_posts_are_authorized_too(app, world, login_as, role):
    session = login_as(world["people"][role])
    with app.test_request_context():
        from flask import url_for

        urls = {e: _url(e, world) or url_for(e) for e in POSTED_FORMS}
    failures = []
    for endpoint, expected in POSTED_FORMS.items():
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
