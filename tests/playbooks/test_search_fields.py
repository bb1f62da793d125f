"""The search and its exact-diacritics filter read the same parts of a step: title,
goal, body, checklist and common mistakes."""

from portal.playbooks import services as svc
from portal.playbooks.models import VERSIONED_FIELDS


def test_a_phrase_typed_with_diacritics_finds_it_in_a_checklist(content, login_as):
    hits = [h.step.slug for h in svc.search_steps("đặt lịch")]
    assert "gioi-thieu-thuong-hieu-tao-niem-tin" in hits
    page = login_as("agent").get("/playbooks/search?q=đặt+lịch").get_data(as_text=True)
    assert "Giới thiệu thương hiệu" in page
    assert "<mark>đặt</mark> <mark>lịch</mark> liên hệ tiếp theo" in page  # the snippet shows it


def test_a_phrase_only_in_common_mistakes_wins_when_typed_with_diacritics(content, db):
    step = svc.playbooks()[1].steps[0]
    fields = {name: getattr(step, name) for name in VERSIONED_FIELDS}
    fields["mistakes"] = [*step.mistakes, "Hứa hẹn quà tặng bí mật không có thật"]
    assert svc.save_step(
        step, fields, base_version=step.version, author=None, note="Thêm một lỗi thường gặp"
    )
    # Typed with diacritics, the exact phrase wins; without, it is among the hits.
    assert [h.step.slug for h in svc.search_steps("quà tặng bí mật")] == [step.slug]
    assert step.slug in [h.step.slug for h in svc.search_steps("qua tang bi mat")]
