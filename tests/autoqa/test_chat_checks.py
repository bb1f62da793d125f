"""A chat or an email has words and no recording: its words are checked as a call's
are (greeting, introduction, closing, "don't say"), its page shows the findings
without audio figures, and the chat rubric's criteria get their suggestions."""

from autoqa.models import DONE, CallAnalysis
from reviews import reviewing

CHAT = """Nhân viên: Dạ em chào chị, em là Thảo bên chăm sóc khách hàng ạ.
Khách: Chào em, đơn hàng của chị sao chưa tới?
Nhân viên: Dạ chị cho em xin mã đơn để em kiểm tra giúp chị nhé.
Khách: DH2026.
Nhân viên: Dạ đơn của chị đang ở kho Bình Dương, chiều nay bên em sẽ giao ạ.
Nhân viên: Chị còn cần em hỗ trợ thêm gì không ạ? Em cảm ơn chị."""

CURT = """Nhân viên: Alô.
Khách: Cho chị hỏi đổi size được không?
Nhân viên: Không được.
Khách: Vậy thôi."""


def _analysis(db, interaction) -> CallAnalysis:
    db.session.expire_all()
    return db.session.query(CallAnalysis).filter_by(interaction_id=interaction.id).one()


def test_a_chat_is_checked_from_its_words(db, make, team, login_as):
    make.rubric("chat-email")
    chat = make.interaction(team["agent"], recording=None, channel="live_chat", transcript=CHAT)
    analysis = _analysis(db, chat)
    assert analysis.state == DONE and analysis.measures == {} and analysis.recording_file == ""
    passed = {f["check"] for f in analysis.checks["findings"] if f["passed"]}
    assert {"greeting", "introduction", "closing_thanks", "closing_next_step"} <= passed
    assert analysis.suggested["chao-hoi"]["value"] == 3
    assert analysis.auto_score is not None
    page = login_as(team["lead"]).get(f"/reviews/interactions/{chat.id}").get_data(as_text=True)
    assert "Những gì đã nói" in page and 'class="call-timeline"' not in page
    assert "một kênh" not in page  # no word about recordings on a chat


def test_a_curt_chat_gets_a_low_suggestion_on_its_review(db, make, team, login_as):
    version = make.rubric("chat-email")
    chat = make.interaction(team["agent"], recording=None, channel="live_chat", transcript=CURT)
    analysis = _analysis(db, chat)
    said = [f["words"] for f in analysis.checks["findings"] if f["check"] == "dont_say"]
    assert said == ["Không được."]
    review = reviewing.assign(chat, version, team["lead"].id, by=team["lead"])
    db.session.commit()
    page = login_as(team["lead"]).get(f"/reviews/{review.id}").get_data(as_text=True)
    assert 'data-accept="c-chao-hoi" data-value="1"' in page
    assert 'data-accept="c-lich-su-kien-nhan"' in page and "Không được." in page


def test_an_interaction_without_words_or_recording_is_not_analysed(db, make, team):
    make.interaction(team["agent"], recording=None, channel="email", transcript="")
    assert db.session.query(CallAnalysis).count() == 0


def test_the_rubric_of_a_channel_can_be_chosen(app, db, make, team, monkeypatch):
    make.rubric("chat-email")
    monkeypatch.setitem(app.config, "AUTOQA_RUBRICS", {"live_chat": "goi-dien"})
    chat = make.interaction(team["agent"], recording=None, channel="live_chat", transcript=CHAT)
    analysis = _analysis(db, chat)
    assert "chao-hoi-xac-minh" in analysis.suggested  # the call rubric's key, not the chat one's
