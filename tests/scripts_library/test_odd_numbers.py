"""A script save whose draft counter no table can hold is refused (422), text kept."""

from scripts_library.models import ScriptDraft
from tests.scripts_library.test_authoring import _form


def test_a_save_with_a_huge_lock_version_is_refused_and_keeps_the_text(scripts, login_as, db):
    script = scripts["cam-on-sau-dich-vu"]
    writer = login_as("supervisor")
    response = writer.post(
        f"/scripts/{script.slug}/edit",
        _form(script, lock_version="9" * 20, **{"blocks-1-text": "Bản đang gõ dở"}),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bản đang gõ dở" in page and "Tải lại trang" in page
    assert db.session.get(ScriptDraft, script.id) is None
