"""The Vietnamese transcript checks: opening and closing, holds announced, "don't
say" rules, and script adherence measured on generated transcripts."""

import random
from pathlib import Path

import yaml

from autoqa.transcript_checks import Turn, check, load_rules, syllables
from scripts_library.lines import ScriptLine

CONTENT = Path(__file__).resolve().parents[2] / "content"
RULES = load_rules(str(CONTENT))
FILL = {"ten_khach_hang": "anh Minh", "ten_nhan_vien": "Lan", "ten_cong_ty": "Công ty An Phát"}


def _script_lines() -> dict[str, list[ScriptLine]]:
    """The pack's scripts' agent and "don't say" lines, by the script's step."""
    by_step: dict[str, list[ScriptLine]] = {}
    for path in sorted((CONTENT / "scripts").glob("*.yml")):
        script = yaml.safe_load(path.read_text("utf-8"))
        for block in script["blocks"]:
            if block["kind"] in ("agent", "dont_say"):
                line = ScriptLine(
                    script["slug"], script["title"], block["key"], block["kind"], block["text"]
                )
                by_step.setdefault(script["step"], []).append(line)
    return by_step


def _filled(text: str) -> str:
    for name, value in FILL.items():
        text = text.replace("{" + name + "}", value)
    import re

    return re.sub(r"\{[^}]*\}", "2", text)


def _findings(result, name):
    return [f for f in result["findings"] if f["check"] == name]


def test_a_good_opening_and_closing_pass_with_their_evidence():
    turns = [
        Turn("agent", 1.0, "Dạ em chào anh, em là Lan bên chăm sóc khách hàng ạ."),
        Turn("customer", 5.0, "Chào em."),
        Turn(
            "agent",
            60.0,
            "Em cảm ơn anh. Anh còn cần em hỗ trợ thêm gì không ạ? Chiều nay em sẽ gọi lại.",
        ),
    ]
    result = check(turns, RULES)
    passed = {f["check"]: f for f in result["findings"]}
    for name in (
        "greeting",
        "introduction",
        "addressing",
        "closing_thanks",
        "closing_anything_else",
        "closing_next_step",
    ):
        assert passed[name]["passed"], name
    assert passed["greeting"]["at"] == 1.0 and "em chào anh" in passed["greeting"]["words"]
    assert passed["closing_thanks"]["at"] == 60.0


def test_a_missed_greeting_and_no_closing_fail_and_diacritics_are_optional():
    late = [Turn("agent", 0.5, "Vang."), Turn("agent", 30.0, "Xin chao anh.")]  # 30 s late
    result = check(late, RULES)
    assert not _findings(result, "greeting")[0]["passed"]
    assert not _findings(result, "closing_thanks")[0]["passed"]
    plain = check([Turn("agent", 0.5, "xin chao anh, em la Hung. cam on anh")], RULES)
    assert (
        _findings(plain, "greeting")[0]["passed"]
        and _findings(plain, "closing_thanks")[0]["passed"]
    )


def test_whole_syllables_only():
    # "thanh" holds "anh" as letters, not as a syllable; "đ" folds to "d".
    result = check([Turn("agent", 0.0, "Thanh toán xong rồi.")], RULES)
    assert not _findings(result, "addressing")[0]["passed"]
    assert syllables("Đơn hàng") == ["don", "hang"]


def test_a_long_hold_must_be_announced():
    turns = [
        Turn("agent", 10.0, "Anh giữ máy giúp em một chút ạ."),
        Turn("agent", 80.0, "Em cảm ơn anh đã chờ."),
    ]
    announced = check(turns, RULES, holds=[(15.0, 75.0)])
    assert _findings(announced, "hold_announced")[0]["passed"]
    silent = check(
        [Turn("agent", 2.0, "Dạ."), Turn("agent", 90.0, "Xong rồi ạ.")], RULES, holds=[(40.0, 85.0)]
    )
    finding = _findings(silent, "hold_announced")[0]
    assert not finding["passed"] and finding["at"] == 40.0
    assert (
        _findings(check(turns, RULES, holds=[(15.0, 35.0)]), "hold_announced") == []
    )  # 20 s: short


def test_dont_say_rules_flag_curt_answers_with_their_words():
    turns = [
        Turn("agent", 3.0, "Không."),
        Turn("agent", 9.0, "Có lẽ mai hàng về."),
        Turn("agent", 20.0, "Anh chờ chút nhé."),
        Turn("agent", 30.0, "Anh chờ chút nhé, hay để em gọi lại cho anh?"),  # an option: fine
        Turn("agent", 40.0, "Không sao đâu anh, em xử lý ngay."),  # not a curt "no"
        Turn("agent", 50.0, "Không được đâu chị."),
        Turn("agent", 60.0, "Chị chờ em khoảng hai phút nhé."),  # how long: fine
        Turn("agent", 70.0, "Nếu không được thì em gọi lại cho chị."),
    ]
    flagged = [(f["at"], f["title"]) for f in _findings(check(turns, RULES), "dont_say")]
    assert [at for at, _ in flagged] == [3.0, 9.0, 20.0, 50.0]


def test_a_scripts_dont_say_line_is_flagged():
    line = ScriptLine(
        "x",
        "Xử lý từ chối về giá",
        "k",
        "dont_say",
        "Giá vậy là rẻ rồi, bên khác còn đắt hơn nhiều. → Dạ em hiểu…",
    )
    turns = [Turn("agent", 12.0, "Dạ giá vậy là rẻ rồi anh, bên khác còn đắt hơn nhiều.")]
    found = _findings(check(turns, RULES, lines=[line]), "dont_say")
    assert found and found[0]["at"] == 12.0 and found[0]["title"] == "Xử lý từ chối về giá"


def test_no_false_alarm_on_the_demo_transcripts():
    demo = yaml.safe_load((CONTENT / "recordings" / "demo.yml").read_text("utf-8"))
    alarms = []
    for call in demo:
        turns = [
            Turn("agent" if who == "A" else "customer", None, text) for who, text in call["lines"]
        ]
        alarms += [
            (call["file"], f["title"], f["words"])
            for f in _findings(check(turns, RULES), "dont_say")
        ]
    # The one demo call made to show a curt answer is the only one flagged, for
    # both of its curt lines; the generated calls' agent lines raise nothing.
    assert [(file, words) for file, _t, words in alarms] == [
        ("goi-cut-lun-hung.wav", "Không được đâu chị."),
        ("goi-cut-lun-hung.wav", "Chị chờ chút."),
    ], alarms
    # And the same call opens with a bare "Alô.": no greeting.
    curt = next(c for c in demo if c["file"] == "goi-cut-lun-hung.wav")
    turns = [Turn("agent" if who == "A" else "customer", None, text) for who, text in curt["lines"]]
    assert not _findings(check(turns, RULES), "greeting")[0]["passed"]
    from autoqa.synth import AGENT_LINES

    generated = [Turn("agent", float(i), line) for i, line in enumerate(AGENT_LINES)]
    assert _findings(check(generated, RULES), "dont_say") == []


def test_the_script_followed_best_is_the_one_measured():
    complaint = [
        ScriptLine(
            "xin-loi",
            "Xin lỗi",
            "a",
            "agent",
            "Dạ em thành thật xin lỗi {ten_khach_hang} về sự việc này.",
        ),
        ScriptLine("xin-loi", "Xin lỗi", "b", "agent", "Em sẽ khắc phục ngay trong hôm nay."),
    ]
    refund = [
        ScriptLine(
            "hoan-tien", "Hoàn tiền", "c", "agent", "Tiền sẽ về tài khoản trong ba ngày làm việc."
        ),
    ]
    turns = [Turn("agent", 2.0, "Dạ em thành thật xin lỗi chị Hoa về sự việc này.")]
    adherence = check(turns, RULES, lines=complaint + refund)["adherence"]
    assert adherence["script"] == "xin-loi" and adherence["lines"] == 2
    assert adherence["coverage"] == 0.5 and [m["key"] for m in adherence["missed"]] == ["b"]


def test_script_lines_are_found_with_precision_and_recall_on_generated_transcripts():
    """200 transcripts: one script's agent lines, some said (filled in, sometimes
    without diacritics, without the leading "Dạ" or with a word in ten left out),
    with lines of other scripts and customer turns between them; the call's step
    offers every script of that step, so the check must also pick the right one."""
    from portal.core.text import fold

    by_step = _script_lines()
    scripts: dict[str, list[ScriptLine]] = {}
    for lines in by_step.values():
        for line in lines:
            if line.kind == "agent":
                scripts.setdefault(line.script, []).append(line)
    step_of = {line.script: step for step, lines in by_step.items() for line in lines}
    names = sorted(scripts)
    rng = random.Random(7)
    true_pos = false_pos = false_neg = 0
    for _ in range(200):
        name = rng.choice(names)
        lines = scripts[name]
        said = {i for i in range(len(lines)) if rng.random() < 0.6} or {0}
        others = [line for other in names if other != name for line in scripts[other]]
        turns, t = [], 0.0
        for i, line in enumerate(lines):
            if i in said:
                text = _filled(line.text)
                if rng.random() < 0.3:
                    text = fold(text)
                if rng.random() < 0.3:
                    text = text.removeprefix("Dạ ").removeprefix("da ")
                if rng.random() < 0.3:  # said in their own way: a word in ten left out
                    text = " ".join(w for w in text.split() if rng.random() >= 0.1)
                turns.append(Turn("agent", t, text))
            if rng.random() < 0.3:
                turns.append(Turn("agent", t + 1, _filled(rng.choice(others).text)))
            turns.append(Turn("customer", t + 2, "Vâng, tôi hiểu rồi."))
            t += 10
        offered = [line for line in by_step[step_of[name]] if line.kind == "agent"]
        result = check(turns, RULES, lines=offered)["adherence"]
        found = {(s["script"], s["key"]) for s in result["said"]}
        truth = {(lines[i].script, lines[i].key) for i in said}
        true_pos += len(found & truth)
        false_pos += len(found - truth)
        false_neg += len(truth - found)
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    print(
        f"script lines: precision {precision:.3f}, recall {recall:.3f} ({true_pos + false_neg} said)"
    )
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
