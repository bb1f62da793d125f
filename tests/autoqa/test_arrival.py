"""A recording is analysed when it arrives, whichever way, and the pages of the
call show what was found: figures, a timeline whose marks seek the player, and
the reason when the file could not be analysed."""

import io
import re

from autoqa import queueing
from autoqa.models import DONE, FAILED, QUEUED, CallAnalysis
from portal.core.roles import Role
from reviews.models import Interaction


def _upload(session, agent, data: bytes, name="goi.wav"):
    form = {
        "agent_id": agent.id,
        "channel": "phone",
        "occurred_at": "2026-11-21T08:00",
        "step_id": "0",
        "recording": (io.BytesIO(data), name),
    }
    return session.post("/reviews/interactions/new", form, content_type="multipart/form-data")


def _analysis(db, interaction_id) -> CallAnalysis:
    db.session.expire_all()
    return db.session.query(CallAnalysis).filter_by(interaction_id=interaction_id).one()


def test_an_uploaded_call_is_analysed_and_its_page_shows_the_measures(login_as, team, db, one_call):
    call, path = one_call
    lead = login_as(team["lead"])
    assert _upload(lead, team["agent"], path.read_bytes()).status_code == 303
    interaction = db.session.query(Interaction).one()
    analysis = _analysis(db, interaction.id)
    assert analysis.state == DONE and analysis.recording_file == interaction.recording_file
    found = analysis.measures
    assert found["stereo"] and abs(found["talk_seconds"]["agent"] - call.truth.talk("agent")) < 1.5
    page = lead.get(f"/reviews/interactions/{interaction.id}").get_data(as_text=True)
    assert "Đo tự động" in page and 'class="call-timeline"' in page
    seeks = [float(s) for s in re.findall(r'<a href="#player" data-seek="([\d.]+)"', page)]
    first_agent = found["segments"]["agent"][0][0]
    assert first_agent in seeks and len(seeks) >= len(found["segments"]["agent"])
    for start, _end in found["dead_air"]:
        assert f'data-seek="{start}"' in page  # each dead air is listed with its time
    # The agent sees their own call's measures; the button to analyse again is not theirs.
    mine = login_as(team["agent"]).get(f"/reviews/interactions/{interaction.id}")
    assert "Đo tự động" in mine.get_data(as_text=True)
    assert "Phân tích lại" not in mine.get_data(as_text=True)


def test_a_mono_call_says_per_party_figures_need_stereo(login_as, team, db, one_call, tmp_path):
    call, _path = one_call
    lead = login_as(team["lead"])
    _upload(lead, team["agent"], call.write(tmp_path / "mono.wav", mono=True).read_bytes())
    interaction = db.session.query(Interaction).one()
    assert _analysis(db, interaction.id).measures["stereo"] is False
    page = lead.get(f"/reviews/interactions/{interaction.id}").get_data(as_text=True)
    assert "một kênh" in page and "Thời gian nói, nhân viên / khách" not in page


def test_a_file_the_decoder_cannot_read_fails_with_its_reason_and_can_be_redone(
    login_as, team, db, app, one_call
):
    lead = login_as(team["lead"])
    _call, path = one_call
    _upload(lead, team["agent"], path.read_bytes())
    interaction = db.session.query(Interaction).one()
    # The stored file is damaged after it arrived: the analysis says so.
    from portal.core.storage import storage

    storage().save(f"recordings/{interaction.recording_file}", b"RIFF garbage")
    answer = lead.post(f"/autoqa/interactions/{interaction.id}/analyse")
    assert answer.status_code == 303
    failed = _analysis(db, interaction.id)
    assert failed.state == FAILED and failed.error
    page = lead.get(f"/reviews/interactions/{interaction.id}").get_data(as_text=True)
    assert "Không phân tích được bản ghi" in page
    storage().save(f"recordings/{interaction.recording_file}", path.read_bytes())
    lead.post(f"/autoqa/interactions/{interaction.id}/analyse")
    assert _analysis(db, interaction.id).state == DONE


def test_only_people_who_may_review_the_call_ask_for_it_again(login_as, team, db, make, one_call):
    _call, path = one_call
    _upload(login_as(team["lead"]), team["agent"], path.read_bytes())
    interaction = db.session.query(Interaction).one()
    url = f"/autoqa/interactions/{interaction.id}/analyse"
    assert login_as(team["agent"]).post(url).status_code in (403, 404)
    assert login_as(make.user(Role.HR)).post(url).status_code in (403, 404)
    other = make.user(Role.SUPERVISOR, leads=[make.team()])
    assert login_as(other).post(url).status_code == 404
    assert login_as(make.user(Role.ADMIN)).post(url).status_code == 303


def test_the_sweep_queues_what_was_missed_or_left_waiting(login_as, team, db, one_call):
    _call, path = one_call
    _upload(login_as(team["lead"]), team["agent"], path.read_bytes())
    interaction = db.session.query(Interaction).one()
    # As if the message was lost: no analysis row at all.
    db.session.query(CallAnalysis).delete()
    db.session.commit()
    assert queueing.queue_waiting() == 1
    assert _analysis(db, interaction.id).state == DONE
    # Queued long ago and never run: queued again.
    analysis = _analysis(db, interaction.id)
    analysis.state = QUEUED
    analysis.requested_at = analysis.requested_at.replace(year=2020)
    db.session.commit()
    assert queueing.queue_waiting() == 1 and _analysis(db, interaction.id).state == DONE
    assert queueing.queue_waiting() == 0


def test_the_command_line_prints_every_figure_of_one_recording(runner, one_call, tmp_path):
    import json

    call, path = one_call
    result = runner.invoke(args=["portal", "analyze-recording", str(path), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["stereo"] and found["overtalk_count"] == len(
        [o for o in call.truth.overtalk if o[1] - o[0] >= 1]
    )
    assert set(found["segments"]) == {"agent", "customer"}
    plain = runner.invoke(args=["portal", "analyze-recording", str(path)])
    assert "talk_seconds:" in plain.output and "segments" not in plain.output
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"<script>alert(1)</script>")
    refused = runner.invoke(args=["portal", "analyze-recording", str(bad)])
    assert refused.exit_code != 0 and "not a recording" in refused.output
    # With its words, in each form a transcript comes in: the checks too.
    first = call.transcript[0]
    vtt = tmp_path / "call.vtt"
    vtt.write_text(
        "WEBVTT\n\n"
        + "\n\n".join(
            f"00:00:{t['start']:06.3f} --> 00:00:{min(t['end'], 59.9):06.3f}\n"
            f"<v {'Agent' if t['speaker'] == 'agent' else 'Customer'}>{t['text']}"
            for t in call.transcript
            if t["end"] < 60
        ),
        encoding="utf-8",
    )
    as_json = tmp_path / "call.json"
    as_json.write_text(json.dumps(call.transcript, ensure_ascii=False), encoding="utf-8")
    plain = tmp_path / "call.txt"
    plain.write_text(
        "\n".join(
            f"{'Nhân viên' if t['speaker'] == 'agent' else 'Khách'}: {t['text']}"
            for t in call.transcript
        ),
        encoding="utf-8",
    )
    for words, timed in ((vtt, True), (as_json, True), (plain, False)):
        result = runner.invoke(
            args=["portal", "analyze-recording", str(path), "--transcript", str(words), "--json"]
        )
        assert result.exit_code == 0, result.output
        greeting = next(
            f for f in json.loads(result.output)["checks"]["findings"] if f["check"] == "greeting"
        )
        assert greeting["passed"] and greeting["at"] == (first["start"] if timed else None)
    garbage = tmp_path / "garbage.vtt"
    garbage.write_text("WEBVTT\n\nnot a timing\n<v Agent>x", encoding="utf-8")
    garbled = runner.invoke(
        args=["portal", "analyze-recording", str(path), "--transcript", str(garbage)]
    )
    assert garbled.exit_code == 0  # a block without a timing is no cue: no words, no checks


def test_a_timed_transcript_adds_the_checks_and_the_page_shows_their_evidence(
    login_as, team, db, one_call
):
    from reviews import timed_transcripts

    call, path = one_call
    lead = login_as(team["lead"])
    _upload(lead, team["agent"], path.read_bytes())
    interaction = db.session.query(Interaction).one()
    assert _analysis(db, interaction.id).checks == {}  # no words yet
    timed_transcripts.replace(interaction, call.transcript)
    db.session.commit()  # the new turns queue the analysis again
    checks = _analysis(db, interaction.id).checks
    found = {f["check"]: f for f in checks["findings"]}
    first = call.transcript[0]
    assert found["greeting"]["passed"] and found["greeting"]["at"] == first["start"]
    assert found["closing_thanks"]["passed"] and found["addressing"]["passed"]
    assert not [f for f in checks["findings"] if f["check"] == "dont_say"]
    page = lead.get(f"/reviews/interactions/{interaction.id}").get_data(as_text=True)
    assert "Những gì đã nói" in page and "Chào khách ngay những giây đầu" in page
    assert f'data-seek="{first["start"]}"' in page
    assert "Chưa có kịch bản đã xuất bản" in page  # the upload named no step


def test_the_scripts_of_the_calls_step_are_followed_line_by_line(
    login_as, team, db, content, script_pack, one_call
):
    """A complaint call: the step's published script says two agent lines and one
    "don't say" line; the agent said the first line and the line not to say."""
    from portal.playbooks.models import PlaybookStep
    from reviews import timed_transcripts
    from scripts_library.pack import load_scripts_pack
    from tests.scripts_library.conftest import COMPLAINT

    load_scripts_pack(script_pack(COMPLAINT))
    step = db.session.query(PlaybookStep).filter_by(slug="xu-ly-khieu-nai-nhanh").first()
    _call, path = one_call
    lead = login_as(team["lead"])
    form = {
        "agent_id": team["agent"].id,
        "channel": "phone",
        "occurred_at": "2026-11-21T08:00",
        "step_id": str(step.id),
        "recording": (io.BytesIO(path.read_bytes()), "goi.wav"),
    }
    assert lead.post("/reviews/interactions/new", form).status_code == 303
    interaction = db.session.query(Interaction).one()
    timed_transcripts.replace(
        interaction,
        [
            {
                "speaker": "agent",
                "start": 1.0,
                "end": 4.0,
                "text": "Dạ em chào chị Hoa, em rất tiếc về sự việc.",
            },
            {"speaker": "customer", "start": 5.0, "end": 7.0, "text": "Tôi đã chờ ba ngày rồi!"},
            {
                "speaker": "agent",
                "start": 8.0,
                "end": 10.0,
                "text": "Không phải lỗi của em đâu chị.",
            },
        ],
    )
    db.session.commit()
    checks = _analysis(db, interaction.id).checks
    adherence = checks["adherence"]
    assert adherence["lines"] == 2 and adherence["coverage"] == 0.5
    assert [s["key"] for s in adherence["said"]] == ["mo-dau"] and adherence["said"][0]["at"] == 1.0
    assert [m["key"] for m in adherence["missed"]] == ["den-bu"]
    wrong = [f for f in checks["findings"] if f["check"] == "dont_say"]
    assert [(f["at"], f["title"]) for f in wrong] == [(8.0, COMPLAINT["title"])]
    page = lead.get(f"/reviews/interactions/{interaction.id}").get_data(as_text=True)
    assert adherence["script"] == COMPLAINT["slug"]
    assert f"Kịch bản “{COMPLAINT['title']}”: nghe thấy 1 trên 2 câu (50%)" in page
    assert "Bên em sẽ khắc phục" in page


def test_the_demo_ships_stereo_calls_that_show_each_finding(app, db, runner, tmp_path, monkeypatch):
    """Clean, dead air with a hold, overtalk, lines not to say, a missed greeting:
    each committed stereo call is analysed as it lands and shows what it was made for."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert runner.invoke(args=["portal", "setup-demo"]).exit_code == 0
    found = {
        a.interaction.original_name: a
        for a in db.session.query(CallAnalysis).join(CallAnalysis.interaction)
        if a.interaction.original_name.startswith("hai-kenh-")
    }
    assert len(found) == 5 and all(a.state == DONE and a.measures["stereo"] for a in found.values())

    def failed(name):
        return {f["check"] for f in found[name].checks["findings"] if not f["passed"]}

    assert failed("hai-kenh-tu-van-ro-rang.ogg") == set()
    waited = found["hai-kenh-im-lang-va-cho-may.ogg"].measures
    assert len(waited["holds"]) == 1 and len(waited["dead_air"]) == 1
    assert found["hai-kenh-noi-chong.ogg"].measures["overtalk_count"] >= 2
    assert "dont_say" in failed("hai-kenh-khong-nen-noi.ogg")
    assert "greeting" in failed("hai-kenh-thieu-loi-chao.ogg")


def test_a_defect_in_the_analysis_fails_the_call_instead_of_leaving_it_queued(
    login_as, team, db, one_call, monkeypatch
):
    _call, path = one_call

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(queueing, "analyse", broken)
    _upload(login_as(team["lead"]), team["agent"], path.read_bytes())
    interaction = db.session.query(Interaction).one()
    failed = _analysis(db, interaction.id)
    assert failed.state == FAILED and "ZeroDivisionError" in failed.error
    assert queueing.queue_waiting() == 0  # not queued again by the sweep
