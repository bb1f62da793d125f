"""A playbook edit whose version counter no table can hold is refused (422), text kept."""

from portal.playbooks import services as svc
from tests.playbooks.test_playbooks import _edit


def test_an_edit_with_a_huge_base_version_is_refused_and_keeps_the_text(content, login_as, db):
    admin = login_as("admin")
    step = svc.playbooks()[1].steps[0]
    response = _edit(admin, step, body_md="Bản đang gõ dở", base_version="9" * 20)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bản đang gõ dở" in page and "Tải lại trang" in page
    db.session.refresh(step)
    assert step.version == 1
