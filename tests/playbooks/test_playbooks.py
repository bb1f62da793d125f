"""Playbooks: the content pack, pages, search, versioned editing and diffs."""

import re

from portal.playbooks import services as svc
from portal.playbooks.models import PlaybookStepVersion


def test_content_pack_has_both_processes_and_the_handbook(content, db):
    books = {b.slug: b for b in svc.playbooks()}
    assert [s.position for s in books["truoc-ban-hang"].steps] == [1, 2, 3, 4, 5]
    assert [s.position for s in books["sau-ban-hang"].steps] == [1, 2, 3, 4]
    assert (
        books["kien-thuc-nen-tang"].kind == "handbook"
        and len(books["kien-thuc-nen-tang"].steps) >= 5
    )
    tax = svc.taxonomy()
    for book in books.values():
        for step in book.steps:
            assert step.title and step.goal and step.body_md
            if book.kind == "process":
                assert step.checklist and step.mistakes and step.kpis, step.slug
            assert set(step.kpis) <= set(tax.kpis) and set(step.channels) <= set(tax.channels)
            assert set(step.segments) <= set(tax.segments)


def test_loading_the_pack_again_changes_nothing(content, db):
    versions = db.session.query(PlaybookStepVersion).count()
    assert svc.load_content_pack() == {"playbooks": 0, "created": 0, "updated": 0, "kept": 0}
    assert db.session.query(PlaybookStepVersion).count() == versions


def test_segmentation_step_shows_tables(content, login_as):
    page = (
        login_as("new_hire")
        .get("/playbooks/truoc-ban-hang/phan-nhom-khach-hang")
        .get_data(as_text=True)
    )
    assert page.count("<table>") >= 5
    assert "70%" in page


def test_step_page_shows_every_part_and_the_flow(content, login_as):
    session = login_as("agent")
    step = svc.playbooks()[0].steps[2]
    page = session.get(f"/playbooks/truoc-ban-hang/{step.slug}").get_data(as_text=True)
    assert step.title in page
    assert step.checklist[0] in page and step.mistakes[0] in page
    # The five steps drawn as a flow with this one highlighted.
    assert page.count('class="flow-step') == 5
    assert re.search(r'flow-step current">\s*<a href="[^"]+/' + step.slug, page)
    assert "NPS" in page or "CSAT" in page or "FRT" in page


def test_search_ignores_diacritics_and_d(content, login_as):
    session = login_as("agent")
    page = session.get("/playbooks/search?q=xu+ly+khieu+nai").get_data(as_text=True)
    assert "Xử lý khiếu nại" in page or "xử lý khiếu nại" in page.lower()
    assert "<mark>" in page
    # "đ" typed as "d".
    hits = svc.search_steps("doi thu")
    assert any("đối thủ" in (h.step.title + h.step.goal + h.step.body_md).lower() for h in hits)
    # The htmx branch returns the results fragment only.
    fragment = session.get(
        "/playbooks/search?q=khieu+nai", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "search-results" in fragment


def test_search_puts_title_matches_first(content):
    hits = svc.search_steps("khieu nai")
    assert "khiếu nại" in hits[0].step.title.lower()


def test_search_treats_like_wildcards_as_text(content):
    assert svc.search_steps("%%") == []
    assert svc.search_steps("__ __") == []


def _edit(admin, step, **overrides):
    data = {
        "title": step.title,
        "goal": step.goal,
        "body_md": step.body_md,
        "checklist": "\n".join(step.checklist),
        "mistakes": "\n".join(step.mistakes),
        "segments": step.segments,
        "channels": step.channels,
        "kpis": step.kpis,
        "change_note": "Sửa lỗi chính tả",
        "base_version": str(step.version),
    }
    data.update(overrides)
    return admin.post(f"/playbooks/{step.playbook.slug}/{step.slug}/edit", data)


def test_edit_saves_a_new_version_and_keeps_the_old(content, login_as, db):
    admin = login_as("admin")
    step = svc.playbooks()[1].steps[0]
    old_body = step.body_md
    response = _edit(admin, step, body_md=old_body + "\n\nMột dòng mới về hotline 24/7.")
    assert response.status_code == 303
    db.session.refresh(step)
    assert step.version == 2
    versions = svc.STEP_HISTORY.versions(step.id)
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].body_md == old_body and versions[0].author_id == admin.user.id
    diff = admin.get(f"/playbooks/{step.playbook.slug}/{step.slug}/diff?a=1&b=2").get_data(
        as_text=True
    )
    assert "Một dòng mới về hotline 24/7." in diff and "diff-add" in diff
    old_page = admin.get(f"/playbooks/{step.playbook.slug}/{step.slug}/v/1").get_data(as_text=True)
    assert "Một dòng mới" not in old_page
    history = admin.get(f"/playbooks/{step.playbook.slug}/{step.slug}/history").get_data(
        as_text=True
    )
    assert "Sửa lỗi chính tả" in history and admin.user.name in history


def test_a_stale_tab_cannot_overwrite_newer_work(content, login_as, db):
    admin = login_as("admin")
    step = svc.playbooks()[1].steps[1]
    stale_version = step.version
    assert _edit(admin, step, body_md="Bản của tab thứ nhất").status_code == 303
    response = _edit(admin, step, body_md="Bản của tab cũ", base_version=str(stale_version))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Bản của tab cũ" in page  # the person's text is still in the form
    db.session.refresh(step)
    assert step.body_md == "Bản của tab thứ nhất"


def test_edit_validation_and_sanitizing(content, login_as, db):
    admin = login_as("admin")
    step = svc.playbooks()[0].steps[0]
    assert _edit(admin, step, title="", body_md="").status_code == 422
    assert _edit(admin, step, change_note="").status_code == 422
    assert _edit(admin, step, body_md="x" * 50_001).status_code == 422
    assert _edit(admin, step, kpis=["not-a-kpi"]).status_code == 422
    assert _edit(admin, step, title="<script>x</script>").status_code == 422
    db.session.refresh(step)
    assert step.version == 1
    hostile = "Xin chào <script>alert(1)</script> [link](javascript:alert(1)) <img src=x onerror=alert(1)>"
    assert _edit(admin, step, body_md=hostile).status_code == 303
    page = admin.get(f"/playbooks/truoc-ban-hang/{step.slug}").get_data(as_text=True)
    # Shown as text, never as live markup.
    assert (
        "<script>alert(1)" not in page
        and 'href="javascript' not in page
        and "<img src=x" not in page
    )
    assert "&lt;script&gt;alert(1)" in page


def test_preview_renders_sanitized_markdown_for_htmx(login_as):
    admin = login_as("admin")
    response = admin.post(
        "/playbooks/preview",
        {"body_md": "### Tiêu đề\n\n<script>x()</script>| a | b |\n|---|---|\n| 1 | 2 |"},
        htmx=True,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h3>Tiêu đề</h3>" in body and "<script>" not in body


def test_other_roles_cannot_edit(content, login_as):
    step = svc.playbooks()[0].steps[0]
    supervisor = login_as("supervisor")
    assert _edit(supervisor, step, body_md="x").status_code == 403


def test_pages_with_fragments_answer_boosted_and_history_requests_in_full(content, login_as):
    session = login_as("hr")
    for url in ("/playbooks/search?q=khach", "/onboarding/matrix", "/admin/users"):
        fragment = session.get(url, headers={"HX-Request": "true"})
        assert "<html" not in fragment.get_data(as_text=True), url
        assert "HX-Request" in fragment.headers["Vary"], url
        # hx-boost navigation and htmx restoring the page after Back get the whole page.
        boosted = session.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"})
        assert "<html" in boosted.get_data(as_text=True), url
        restore = session.get(
            url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
        )
        assert "<html" in restore.get_data(as_text=True), url


def test_loading_the_pack_keeps_admin_edits_unless_forced(app, content, login_as, db, tmp_path):
    import shutil

    admin = login_as("admin")
    step = svc.playbooks()[0].steps[0]
    assert _edit(admin, step, body_md="Bản của quản trị viên").status_code == 303
    pack = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], pack)
    path = next((pack / "playbooks").glob("01-*/01-*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nThêm một câu.", encoding="utf-8")
    counts = svc.load_content_pack(pack)
    assert counts["kept"] == 1 and counts["updated"] == 0
    db.session.refresh(step)
    assert step.body_md == "Bản của quản trị viên"
    assert svc.load_content_pack(pack, force=True)["updated"] == 1
    db.session.refresh(step)
    assert step.body_md.endswith("Thêm một câu.") and step.version == 3


def test_unknown_pages_are_404(content, login_as):
    session = login_as("agent")
    assert session.get("/playbooks/khong-co").status_code == 404
    assert session.get("/playbooks/truoc-ban-hang/khong-co").status_code == 404
    step = svc.playbooks()[0].steps[0]
    assert session.get(f"/playbooks/truoc-ban-hang/{step.slug}/v/99").status_code == 404
    assert session.get(f"/playbooks/truoc-ban-hang/{step.slug}/diff?a=1&b=99").status_code == 404


def test_saving_without_changes_makes_no_new_version(content, login_as, db):
    admin = login_as("admin")
    step = svc.playbooks()[0].steps[1]
    tax = svc.taxonomy()
    # The browser sends ticked boxes in the taxonomy's order, not the stored one.
    in_form_order = {
        key: [code for code in getattr(tax, group) if code in getattr(step, key)]
        for key, group in (("segments", "segments"), ("channels", "channels"), ("kpis", "kpis"))
    }
    assert any(in_form_order[key] != getattr(step, key) for key in in_form_order)
    response = _edit(admin, step, **in_form_order)
    assert response.status_code == 303
    db.session.refresh(step)
    assert step.version == 1


def test_admin_edits_a_playbook_introduction_with_history(content, login_as, db):
    admin = login_as("admin")
    book = svc.find_playbook("sau-ban-hang")
    url = f"/playbooks/{book.slug}/edit"
    form = {
        "title": book.title,
        "summary": book.summary,
        "intro_md": book.intro_md,
        "change_note": "Thêm câu mở đầu",
        "base_version": str(book.version),
    }
    assert admin.post(url, {**form, "title": ""}).status_code == 422
    assert (
        admin.post(url, {**form, "intro_md": "Mở đầu mới.\n\n" + book.intro_md}).status_code == 303
    )
    # A tab opened before that save cannot overwrite it.
    stale = admin.post(url, {**form, "intro_md": "Bản cũ"})
    assert stale.status_code == 409 and "Bản cũ" in stale.get_data(as_text=True)
    db.session.refresh(book)
    assert book.version == 2 and book.intro_md.startswith("Mở đầu mới.")
    page = admin.get(f"/playbooks/{book.slug}").get_data(as_text=True)
    assert "Mở đầu mới." in page
    history = admin.get(f"/playbooks/{book.slug}/history").get_data(as_text=True)
    assert "Thêm câu mở đầu" in history and admin.user.name in history
    diff = admin.get(f"/playbooks/{book.slug}/diff?a=1&b=2").get_data(as_text=True)
    assert "<ins>Mở đầu mới.</ins>" in diff
    # Reloading the content pack keeps the admin's introduction.
    svc.load_content_pack()
    db.session.refresh(book)
    assert book.version == 2 and book.intro_md.startswith("Mở đầu mới.")
    assert login_as("supervisor").post(url, form).status_code == 403


def test_a_pack_with_a_reserved_or_duplicate_slug_is_refused(app, db, tmp_path):
    import shutil

    import pytest

    pack = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], pack)
    path = next((pack / "playbooks").glob("01-*/02-*.md"))
    text = path.read_text(encoding="utf-8")
    slug = text.split("slug:", 1)[1].split("\n", 1)[0].strip()
    path.write_text(text.replace(f"slug: {slug}", "slug: history", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="history"):
        svc.load_content_pack(pack)
    assert db.session.query(svc.Playbook).count() == 0


def test_losing_a_save_race_is_a_conflict_not_a_crash(content, login_as, db):
    # Two saves that both passed the version check: the second one's version
    # number is taken by the time it commits (what SQLite allows).
    admin = login_as("admin")
    step = svc.playbooks()[0].steps[3]
    db.session.add(svc.PlaybookStepVersion(step_id=step.id, version=step.version + 1, title="x"))
    db.session.commit()
    response = _edit(admin, step, body_md="Bản chạy đua")
    assert response.status_code == 409
    db.session.refresh(step)
    assert step.body_md != "Bản chạy đua"
