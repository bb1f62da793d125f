"""Writing, reviewing, publishing, archiving and restoring scripts."""

from portal.core.roles import Role
from portal.onboarding.assignment import assign
from portal.onboarding.modules import add_item, save_module
from scripts_library.models import CallScript, ScriptDraft, ScriptVersion
from scripts_library.search import find_published


def _form(script, **overrides):
    """The editor's fields as a browser sends them, from a script's content."""
    data = {
        "title": script.title,
        "purpose": script.purpose,
        "step_id": str(script.step_id),
        "channel": script.channel,
        "situation": script.situation,
        "segments": list(script.segments),
        "tags": ", ".join(script.tags),
    }
    for i, p in enumerate(script.placeholders):
        data.update(
            {
                f"placeholders-{i}-name": p["name"],
                f"placeholders-{i}-label": p["label"],
                f"placeholders-{i}-default": p["default"],
            }
        )
    for i, b in enumerate(script.blocks):
        data.update(
            {
                f"blocks-{i}-key": b["key"],
                f"blocks-{i}-kind": b["kind"],
                f"blocks-{i}-text": b["text"],
                f"blocks-{i}-choices": "\n".join(
                    f"{c['label']} -> {c['goto']}" for c in b["choices"]
                ),
            }
        )
    data.update(overrides)
    return data


def _edit_and_save(session, script, **overrides):
    page = session.get(f"/scripts/{script.slug}/edit")
    assert page.status_code == 200
    lock = int(
        page.get_data(as_text=True)
        .split('name="lock_version" type="hidden" value="')[1]
        .split('"')[0]
    )
    return session.post(
        f"/scripts/{script.slug}/edit", _form(script, lock_version=str(lock), **overrides)
    )


def test_a_supervisor_edits_and_an_approver_publishes_a_new_version(scripts, login_as, make, db):
    script = scripts["xin-loi-khieu-nai"]
    writer = login_as("supervisor")
    agent = login_as("agent")
    assert (
        _edit_and_save(
            writer, script, **{"blocks-0-text": "Dạ em chào {ten_khach_hang}, em xin lỗi."}
        ).status_code
        == 303
    )
    # Agents keep reading version 1 while the draft waits.
    assert "em rất tiếc" in agent.get("/scripts/xin-loi-khieu-nai").get_data(as_text=True)
    assert writer.post(f"/scripts/{script.slug}/submit").status_code == 303
    db.session.refresh(script)
    assert script.state == "in_review"
    # The writer is not an approver.
    assert (
        writer.post(f"/scripts/{script.slug}/publish", {"change_note": "Sửa lời chào"}).status_code
        == 403
    )
    granted = make.user(Role.SUPERVISOR)
    granted.can_approve_scripts = True
    db.session.commit()
    approver = login_as(granted)
    assert (
        approver.post(
            f"/scripts/{script.slug}/publish", {"change_note": "Sửa lời chào"}
        ).status_code
        == 303
    )
    db.session.refresh(script)
    assert script.published_version == 2 and script.state == "published"
    assert db.session.get(ScriptDraft, script.id) is None
    page = agent.get("/scripts/xin-loi-khieu-nai").get_data(as_text=True)
    assert "em xin lỗi" in page and "Phiên bản 2" in page
    diff = agent.get(f"/scripts/{script.slug}/diff?a=1&b=2").get_data(as_text=True)
    assert "<ins>[Nhân viên nói] Dạ em chào {ten_khach_hang}, em xin lỗi.</ins>" in diff
    assert (
        db.session.query(ScriptVersion)
        .filter_by(script_id=script.id, version=1)
        .one()
        .blocks[0]["text"]
        .endswith("em rất tiếc về sự việc.")
    )


def test_agents_and_hr_cannot_write(scripts, login_as):
    for role in ("agent", "new_hire", "hr"):
        session = login_as(role)
        assert session.get("/scripts/xin-loi-khieu-nai/edit").status_code == 403
        assert (
            session.post("/scripts/xin-loi-khieu-nai/publish", {"change_note": "x"}).status_code
            == 403
        )


def test_invalid_drafts_are_refused_with_reasons_and_nothing_saved(scripts, login_as, db):
    script = scripts["xin-loi-khieu-nai"]
    writer = login_as("admin")
    response = _edit_and_save(
        writer, script, **{"blocks-1-choices": "Khách đòi đền bù -> khong-co"}
    )
    assert response.status_code == 422 and "khong-co" in response.get_data(as_text=True)
    response = _edit_and_save(writer, script, **{"blocks-0-text": "Chào {ten_la}"})
    assert response.status_code == 422 and "{ten_la}" in response.get_data(as_text=True)
    response = _edit_and_save(writer, script, **{"blocks-1-choices": "không có mũi tên"})
    assert response.status_code == 422
    empty = {f"blocks-{i}-text": "" for i in range(len(script.blocks))}
    assert _edit_and_save(writer, script, **empty).status_code == 422
    hostile = _edit_and_save(
        writer, script, **{"blocks-0-text": "<script>alert(1)</script> {ten_khach_hang}"}
    )
    assert hostile.status_code == 303
    page = writer.get(f"/scripts/{script.slug}/edit").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert (
        db.session.get(ScriptDraft, script.id).blocks[0]["text"].startswith("<script>")
    )  # stored as text


def test_a_stale_tab_cannot_overwrite_a_newer_draft(scripts, login_as, db):
    script = scripts["cam-on-sau-dich-vu"]
    writer = login_as("supervisor")
    page = writer.get(f"/scripts/{script.slug}/edit").get_data(as_text=True)
    lock = page.split('name="lock_version" type="hidden" value="')[1].split('"')[0]
    first = writer.post(
        f"/scripts/{script.slug}/edit",
        _form(script, lock_version=lock, **{"blocks-1-text": "Bản một"}),
    )
    assert first.status_code == 303
    stale = writer.post(
        f"/scripts/{script.slug}/edit",
        _form(script, lock_version=lock, **{"blocks-1-text": "Bản cũ"}),
    )
    assert stale.status_code == 409 and "Bản cũ" in stale.get_data(as_text=True)
    assert db.session.get(ScriptDraft, script.id).blocks[1]["text"] == "Bản một"


def test_a_new_script_stays_hidden_until_published(content, login_as, db, scripts):
    admin = login_as("admin")
    step = scripts["xin-loi-khieu-nai"].step_id
    data = {
        "title": "Chào khách mới",
        "purpose": "",
        "step_id": str(step),
        "channel": "phone",
        "situation": "greeting",
        "blocks-0-key": "chao",
        "blocks-0-kind": "agent",
        "blocks-0-text": "Dạ em chào anh/chị.",
    }
    response = admin.post("/scripts/new", data)
    assert response.status_code == 303
    script = db.session.query(CallScript).filter_by(title="Chào khách mới").one()
    agent = login_as("agent")
    assert agent.get(f"/scripts/{script.slug}").status_code == 404
    assert "Chào khách mới" not in agent.get("/scripts/?q=chao+khach+moi").get_data(as_text=True)
    assert (
        admin.post(f"/scripts/{script.slug}/publish", {"change_note": "Bản đầu"}).status_code == 303
    )
    assert agent.get(f"/scripts/{script.slug}").status_code == 200


def test_archive_hides_and_restore_makes_a_draft(scripts, login_as, db):
    script = scripts["xin-loi-khieu-nai"]
    admin = login_as("admin")
    agent = login_as("agent")
    assert admin.post(f"/scripts/{script.slug}/archive", {"archived": "1"}).status_code == 303
    assert agent.get(f"/scripts/{script.slug}").status_code == 404
    assert admin.post(f"/scripts/{script.slug}/archive", {"archived": "0"}).status_code == 303
    assert agent.get(f"/scripts/{script.slug}").status_code == 200
    # Publish a version 2, then restore version 1 as a draft.
    _edit_and_save(admin, script, title="Tiêu đề mới")
    admin.post(f"/scripts/{script.slug}/publish", {"change_note": "Đổi tiêu đề"})
    assert admin.post(f"/scripts/{script.slug}/restore/1").status_code == 303
    draft = db.session.get(ScriptDraft, script.id)
    assert draft.title == "Xử lý khiếu nại: xin lỗi và khắc phục"
    # Restoring again while a draft exists is refused (the draft is not lost).
    assert admin.post(f"/scripts/{script.slug}/restore/2").status_code == 303
    assert db.session.get(ScriptDraft, script.id).title == "Xử lý khiếu nại: xin lỗi và khắc phục"
    assert find_published(script.slug).title == "Tiêu đề mới"


def test_an_admin_grants_a_supervisor_the_right_to_publish(scripts, login_as, make, db):
    from portal.accounts.models import User

    supervisor = make.user(Role.SUPERVISOR, email="gs@example.vn")
    session = login_as(supervisor)
    assert session.get("/scripts/import").status_code == 403
    admin = login_as("admin")
    response = admin.post(
        f"/admin/users/{supervisor.id}/edit",
        {
            "name": supervisor.name,
            "email": supervisor.email,
            "role": "supervisor",
            "team_id": "None",
            "can_approve_scripts": "y",
        },
    )
    assert response.status_code == 303
    db.session.refresh(supervisor)
    assert supervisor.can_approve_scripts and session.get("/scripts/import").status_code == 200
    # The right goes with the supervisor role.
    admin.post(
        f"/admin/users/{supervisor.id}/edit",
        {
            "name": supervisor.name,
            "email": supervisor.email,
            "role": "agent",
            "team_id": "None",
            "can_approve_scripts": "y",
        },
    )
    assert db.session.get(User, supervisor.id).can_approve_scripts is False


def test_publishing_a_new_version_asks_onboarding_hires_to_read_it_again(
    app, scripts, login_as, db
):
    script = scripts["xin-loi-khieu-nai"]
    module = save_module(
        None, title="Kịch bản", description="", due_days=7, requires_previous=False
    )
    with app.test_request_context():
        add_item(module, "call_script", script.id)
    hire = login_as("new_hire")
    assign([hire.user], [module], by=None)
    item = module.items[0]
    hire.get(f"/onboarding/items/{item.id}/open")
    assert hire.post(f"/onboarding/items/{item.id}/complete", htmx=True).status_code == 200
    admin = login_as("admin")
    _edit_and_save(
        admin,
        script,
        **{"blocks-0-text": "Dạ em chào {ten_khach_hang}, em xin lỗi vì đã để anh/chị chờ."},
    )
    assert (
        admin.post(f"/scripts/{script.slug}/publish", {"change_note": "Lời chào mới"}).status_code
        == 303
    )
    page = hire.get("/onboarding/").get_data(as_text=True)
    assert "item-reack" in page
    opened = hire.get(f"/onboarding/items/{item.id}/open?then=changes")
    assert f"/scripts/{script.slug}/diff?a=1&b=2" in opened.location
    assert "em xin lỗi vì đã để" in hire.get(opened.location).get_data(as_text=True)


def test_opening_the_editor_creates_no_draft_and_removing_a_block_just_warns(scripts, login_as, db):
    script = scripts["xin-loi-khieu-nai"]
    writer = login_as("supervisor")
    page = writer.get(f"/scripts/{script.slug}/edit").get_data(as_text=True)
    assert db.session.get(ScriptDraft, script.id) is None and "Gửi duyệt" not in page
    # Emptying the only block that used {ngay_hen} saves, with a warning.
    response = _edit_and_save(writer, script, **{"blocks-2-text": "", "blocks-1-choices": ""})
    assert response.status_code == 303
    assert "{ngay_hen}" in writer.get(response.location).get_data(as_text=True)
    assert len(db.session.get(ScriptDraft, script.id).blocks) == 3


def test_the_fill_in_view_warns_about_empty_fields(scripts, login_as):
    agent = login_as("agent")
    empty = agent.get("/scripts/xin-loi-khieu-nai/fill", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "Còn thiếu: Ngày hẹn" in empty
    filled = agent.get(
        "/scripts/xin-loi-khieu-nai/fill?ph__ngay_hen=mai", headers={"HX-Request": "true"}
    )
    assert "Còn thiếu" not in filled.get_data(as_text=True)
