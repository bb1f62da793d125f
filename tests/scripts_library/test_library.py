"""The call-script library: pack validation, search, reading, filling in, favourites."""

import copy

import pytest

from portal.core.roles import Role
from portal.onboarding.assignment import assign
from portal.onboarding.modules import save_module
from scripts_library.filling import fill, filled_plain_text
from scripts_library.models import CallScript, ScriptVersion
from scripts_library.pack import load_scripts_pack
from scripts_library.running import walk
from scripts_library.search import Filters, search_scripts
from scripts_library.validation import SITUATIONS
from tests.scripts_library.conftest import COMPLAINT, EMAIL


def test_the_pack_publishes_version_one_and_is_idempotent(scripts, script_pack, db):
    complaint = scripts["xin-loi-khieu-nai"]
    assert complaint.state == "published" and complaint.published_version == 1
    assert complaint.step.slug == "xu-ly-khieu-nai-nhanh"
    assert load_scripts_pack(script_pack(COMPLAINT, EMAIL)) == {"created": 0, "updated": 0}
    assert db.session.query(ScriptVersion).count() == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"blocks": []}, "chưa có nội dung"),
        ({"channel": "fax"}, "fax"),
        ({"step": "khong-co"}, "chín bước"),
        ({"segments": ["aliens"]}, "aliens"),
        ({"placeholders": []}, "{ten_khach_hang} được dùng nhưng chưa khai báo"),
        (
            {"placeholders": COMPLAINT["placeholders"] + [{"name": "so_tien", "label": "Số tiền"}]},
            "{so_tien} được khai báo nhưng không dùng",
        ),
    ],
)
def test_invalid_scripts_refuse_the_whole_pack(content, script_pack, db, change, message):
    broken = {**copy.deepcopy(COMPLAINT), **change}
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_scripts_pack(script_pack(EMAIL, broken))
    assert db.session.query(CallScript).count() == 0


def test_a_branch_to_a_missing_block_is_refused(content, script_pack, db):
    broken = copy.deepcopy(COMPLAINT)
    broken["blocks"][1]["choices"][0]["goto"] = "khong-ton-tai"
    with pytest.raises(ValueError, match="khong-ton-tai"):
        load_scripts_pack(script_pack(broken))


def test_search_without_diacritics_and_with_d(scripts):
    for query in ("xu ly khieu nai", "XỬ LÝ khiếu nại", "khieu n", "den bu"):
        titles = [s.title for s in search_scripts(query, Filters()).scripts]
        assert titles and titles[0].startswith("Xử lý khiếu nại"), query
    assert search_scripts("doi tac", Filters()).total == 0
    # "đ" typed as "d": "đội ngũ" in the email.
    assert [s.slug for s in search_scripts("doi ngu", Filters()).scripts] == ["cam-on-sau-dich-vu"]


def test_title_matches_rank_first(scripts):
    # "cam on" is in the email's title and nowhere in the complaint's.
    results = search_scripts("cam on", Filters()).scripts
    assert results[0].slug == "cam-on-sau-dich-vu"


def test_filters(scripts):
    assert [s.slug for s in search_scripts("", Filters(channel="email")).scripts] == [
        "cam-on-sau-dich-vu"
    ]
    assert [s.slug for s in search_scripts("", Filters(segment="negative")).scripts] == [
        "xin-loi-khieu-nai"
    ]
    assert search_scripts("", Filters(situation="greeting")).total == 0
    step = scripts["xin-loi-khieu-nai"].step_id
    assert search_scripts("", Filters(step_id=step)).total == 1


def test_filling_in_uses_values_then_defaults_and_shows_missing_ones(scripts):
    script = scripts["xin-loi-khieu-nai"]
    typed = str(fill(script.blocks[0]["text"], script.placeholders, {"ten_khach_hang": "chị Lan"}))
    assert "chị Lan" in typed
    default = str(fill(script.blocks[0]["text"], script.placeholders, {}))
    assert "anh/chị" in default
    missing = str(fill(script.blocks[2]["text"], script.placeholders, {}))
    assert '<span class="missing">[Ngày hẹn]</span>' in missing
    hostile = str(
        fill(
            script.blocks[0]["text"],
            script.placeholders,
            {"ten_khach_hang": "<script>x()</script>"},
        )
    )
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_library_page_and_htmx_results(scripts, login_as):
    agent = login_as("agent")
    page = agent.get("/scripts/?q=xu+ly+khieu+nai").get_data(as_text=True)
    assert "<html" in page and "Xử lý khiếu nại: xin lỗi và khắc phục" in page and "Bước 4" in page
    fragment = agent.get(
        "/scripts/?q=cam+on&channel=email", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert (
        "<html" not in fragment and "Thư cảm ơn" in fragment and "Xử lý khiếu nại" not in fragment
    )


def test_reading_and_filling_a_script(scripts, login_as):
    agent = login_as("new_hire")
    page = agent.get("/scripts/xin-loi-khieu-nai").get_data(as_text=True)
    assert "Phiên bản 1" in page and "anh/chị" in page and "Không phải lỗi của em." in page
    filled = agent.get(
        "/scripts/xin-loi-khieu-nai/fill?ph__ten_khach_hang=ch%E1%BB%8B+Lan",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "chị Lan" in filled and "<html" not in filled
    full = agent.get("/scripts/xin-loi-khieu-nai/fill?ph__ten_khach_hang=Minh").get_data(
        as_text=True
    )
    assert "<html" in full and "Minh" in full
    email = agent.get(
        "/scripts/cam-on-sau-dich-vu/fill?ph__ten_khach_hang=Minh", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Kính gửi Minh,\n\nCảm ơn anh/chị" in email  # the text to copy: agent lines only
    assert "Gửi trong giờ hành chính" not in email.split('id="plain-text"')[1]
    assert agent.get("/scripts/khong-co").status_code == 404


def test_favourites_and_recently_used(scripts, login_as, make):
    agent = login_as("agent")
    agent.get("/scripts/cam-on-sau-dich-vu")
    agent.get("/scripts/xin-loi-khieu-nai")
    response = agent.post("/scripts/cam-on-sau-dich-vu/favourite", htmx=True)
    assert response.status_code == 200 and "★" in response.get_data(as_text=True)
    page = agent.get("/scripts/").get_data(as_text=True)
    favourites, recent = page.split('class="library-side"')[1].split("<section>")[1:3]
    assert "Thư cảm ơn" in favourites and "Xử lý khiếu nại" not in favourites
    assert recent.index("Xử lý khiếu nại") < recent.index("Thư cảm ơn")  # most recent first
    # Someone else's favourites are their own.
    other = login_as(make.user(Role.AGENT))
    assert "★" not in other.get("/scripts/cam-on-sau-dich-vu").get_data(as_text=True)
    assert "☆" in agent.post("/scripts/cam-on-sau-dich-vu/favourite", htmx=True).get_data(
        as_text=True
    )


def test_scripts_are_onboarding_items(scripts, login_as, db):
    admin = login_as("admin")
    module = save_module(
        None, title="Kịch bản", description="", due_days=7, requires_previous=False
    )
    script = scripts["xin-loi-khieu-nai"]
    assert (
        admin.post(
            f"/onboarding/modules/{module.id}/items", {"content": f"call_script:{script.id}"}
        ).status_code
        == 303
    )
    hire = login_as("new_hire")
    assign([hire.user], [module], by=None)
    item = module.items[0]
    opened = hire.get(f"/onboarding/items/{item.id}/open")
    assert opened.location.startswith("/scripts/xin-loi-khieu-nai?onboarding_item=")
    page = hire.get(opened.location).get_data(as_text=True)
    assert 'id="onboarding-bar"' in page
    assert hire.post(f"/onboarding/items/{item.id}/complete", htmx=True).status_code == 200


def test_running_a_script_follows_branches_goes_back_and_loops(scripts, login_as):
    script = scripts["xin-loi-khieu-nai"]
    state = walk(script, [])
    assert state.current["key"] == "mo-dau" and state.next_key == "khach"
    state = walk(script, ["mo-dau", "khach"])
    assert state.next_key is None and [c["goto"] for c in state.current["choices"]] == ["den-bu"]
    state = walk(script, ["mo-dau", "khach", "den-bu"])
    # The "don't say" line after it is shown beside the conversation, not as a step.
    assert state.back_path == ["mo-dau", "khach"] and state.next_key is None
    # A loop visits a block again and keeps the whole path.
    looped = walk(script, ["mo-dau", "khach", "den-bu", "khach"])
    assert looped.current["key"] == "khach" and len(looped.trail) == 3
    assert walk(script, ["mo-dau", "<script>"]).path == ["mo-dau"]  # unknown keys restart
    agent = login_as("agent")
    fragment = agent.get(
        "/scripts/xin-loi-khieu-nai/run?path=mo-dau,khach", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "Khách đòi đền bù" in fragment
    assert 'path=mo-dau,khach,den-bu"' in fragment and 'path=mo-dau"' in fragment
    page = agent.get(
        "/scripts/xin-loi-khieu-nai/run?path=mo-dau,khach,den-bu&ph__ngay_hen=th%E1%BB%A9+Hai"
    ).get_data(as_text=True)
    assert "<html" in page and "Không phải lỗi của em." in page  # beside the steps
    assert 'trước ngày <span class="filled">thứ Hai</span>' in page  # values carry over
    assert "ph__ngay_hen=th" in page  # ...and into the next links


def test_the_built_in_library_covers_every_step_situation_and_four_channels(content, db):
    from portal.playbooks.services import process_steps

    assert load_scripts_pack()["created"] >= 25
    library = search_scripts("", Filters(), limit=500).scripts
    assert {s.step_id for s in library} == {step.id for step in process_steps()}
    assert {s.situation for s in library} == set(SITUATIONS)
    assert len({s.channel for s in library}) >= 4
    assert sum(1 for s in library if any(b["choices"] for b in s.blocks)) >= 6
    assert all(s.published_version == 1 for s in library)


def test_copied_text_keeps_line_breaks_and_shows_missing_values(scripts):
    script = scripts["xin-loi-khieu-nai"]
    script.blocks[0]["text"] = "Dạ em chào {ten_khach_hang},\n- dòng một\n- dòng hai"
    text = filled_plain_text(script, {"ten_khach_hang": "chị <b>Lan</b>"})
    assert text.startswith("Dạ em chào chị <b>Lan</b>,\n- dòng một\n- dòng hai\n\n")
    assert "[Ngày hẹn]" in text
