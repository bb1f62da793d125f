"""Deterministic, explainable checks of what was said, in Vietnamese.

Text is compared as syllables of its folded form (portal.core.text.fold: lower
case, diacritics dropped, `đ` = `d`), so "cam on" matches "Cảm ơn" and a phrase
matches whole syllables only ("anh" is not found in "thanh"). The phrases live in
the content pack (content/autoqa/checks.yml) for admins to edit. Every finding
carries its evidence: the time and the words.

Script adherence: of the published scripts of the call's step and channel, the
one the agent followed best; each of its agent lines counts as said when an agent
turn (or two or three in a row) holds at least LINE_SAID of its syllables in order
(placeholders such as {ten_khach_hang} are left out of the line, so any name
fills them). A script's "don't say" line
(the part before "→") is flagged when an agent turn holds DONT_SAY_SAID of it.
"""

import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from portal.core.text import fold

LINE_SAID = 0.75
DONT_SAY_SAID = 0.8
WINDOW = 3  # agent turns a script line may span
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Turn:
    speaker: str  # agent or customer
    start: float | None  # seconds; None for a transcript without times
    text: str


@dataclass
class Finding:
    check: str  # greeting, introduction, addressing, closing, hold_announced, dont_say, script
    passed: bool
    title: str = ""
    at: float | None = None  # the evidence: when, and the words
    words: str = ""


@dataclass
class Adherence:
    lines: int = 0
    script: str = ""  # the slug of the script followed best
    title: str = ""
    said: list[dict] = field(default_factory=list)  # {script, key, text, at, words}
    missed: list[dict] = field(default_factory=list)  # {script, key, text}

    @property
    def coverage(self) -> float | None:
        return round(len(self.said) / self.lines, 3) if self.lines else None


def syllables(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def load_rules(content_dir: str) -> dict:
    return yaml.safe_load((Path(content_dir) / "autoqa" / "checks.yml").read_text("utf-8"))


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _first(turns: list[Turn], phrases: list[str]) -> Turn | None:
    wanted = [syllables(p) for p in phrases]
    for turn in turns:
        words = syllables(turn.text)
        if any(_contains(words, p) for p in wanted):
            return turn
    return None


def _finding(check: str, turn: Turn | None, title: str = "") -> Finding:
    if turn is None:
        return Finding(check, False, title)
    return Finding(check, True, title, turn.start, turn.text)


def check(turns: list[Turn], rules: dict, *, holds=(), lines=()) -> dict:
    """Every check on a call's turns: {"findings": [...], "adherence": {...}}."""
    agent = [t for t in turns if t.speaker == "agent"]
    findings = []
    if agent:
        findings += _opening(agent, rules)
        findings += _closing(agent, rules)
        findings += _holds_announced(agent, rules, holds)
        findings += _dont_say(agent, rules, [line for line in lines if line.kind == "dont_say"])
    adherence = _adherence(agent, [line for line in lines if line.kind == "agent"])
    return {
        "findings": [asdict(f) for f in findings],
        "adherence": {**asdict(adherence), "coverage": adherence.coverage},
    }


def _timed_from_first(agent: list[Turn], seconds: float) -> list[Turn]:
    first = agent[0].start
    if first is None:
        return agent[:2]  # no times: the agent's first two turns
    return [t for t in agent if t.start is not None and t.start - first <= seconds]


def _opening(agent: list[Turn], rules: dict) -> list[Finding]:
    greeting = rules["greeting"]
    introduction = rules["introduction"]
    return [
        _finding(
            "greeting",
            _first(_timed_from_first(agent, greeting["within_seconds"]), greeting["phrases"]),
        ),
        _finding(
            "introduction",
            _first(
                _timed_from_first(agent, introduction["within_seconds"]), introduction["phrases"]
            ),
        ),
        _finding("addressing", _first(agent, rules["addressing"]["phrases"])),
    ]


def _closing(agent: list[Turn], rules: dict) -> list[Finding]:
    closing = rules["closing"]
    last = agent[-1].start
    if last is None:
        tail = agent[-2:]
    else:
        tail = [
            t for t in agent if t.start is not None and last - t.start <= closing["last_seconds"]
        ]
    return [
        _finding("closing_thanks", _first(tail, closing["thanks"])),
        _finding("closing_anything_else", _first(tail, closing["anything_else"])),
        _finding("closing_next_step", _first(tail, closing["next_step"])),
    ]


def _holds_announced(agent: list[Turn], rules: dict, holds) -> list[Finding]:
    rule = rules["hold_announcement"]
    found = []
    for start, end in holds:
        if end - start < rule["min_hold_seconds"]:
            continue
        before = [
            t
            for t in agent
            if t.start is not None and start - rule["before_seconds"] <= t.start <= start
        ]
        finding = _finding("hold_announced", _first(before, rule["phrases"]))
        if not finding.passed:
            finding.at = start
        found.append(finding)
    return found


def _dont_say(agent: list[Turn], rules: dict, script_lines) -> list[Finding]:
    found = []
    for rule in rules.get("dont_say", []):
        phrases = [syllables(p) for p in rule["phrases"]]
        unless = [syllables(p) for p in rule.get("unless", [])]
        for turn in agent:
            words = syllables(turn.text)
            if len(words) > rule.get("max_syllables", len(words)):
                continue  # the rule is for short, curt turns only
            hit = any(_contains(words, p) for p in phrases)
            if hit and not any(_contains(words, u) for u in unless):
                found.append(Finding("dont_say", False, rule["title"], turn.start, turn.text))
    for line in script_lines:
        wrong = syllables(_PLACEHOLDER.sub(" ", line.text.split("→")[0]))
        for turn in agent:
            if wrong and _share(wrong, syllables(turn.text)) >= DONT_SAY_SAID:
                found.append(Finding("dont_say", False, line.title, turn.start, turn.text))
    return sorted(found, key=lambda f: (f.at is None, f.at or 0.0))  # in the call's order


def _share(line: list[str], said: list[str]) -> float:
    """The part of `line`'s syllables found, in order, in `said`."""
    if not line:
        return 0.0
    blocks = SequenceMatcher(None, line, said, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(line)


def _adherence(agent: list[Turn], script_lines) -> Adherence:
    """The script the agent followed best among those of the call's step (a step
    has several, one per situation, and a call follows one): its lines said and
    missed. Ties go to the script met first."""
    by_script: dict[str, list] = {}
    for line in script_lines:
        by_script.setdefault(line.script, []).append(line)
    spoken = [syllables(t.text) for t in agent]
    best: Adherence | None = None
    for lines in by_script.values():
        result = _followed(agent, spoken, lines)
        if best is None or len(result.said) / result.lines > len(best.said) / best.lines:
            best = result
    return best or Adherence()


def _followed(agent: list[Turn], spoken: list[list[str]], script_lines) -> Adherence:
    result = Adherence(
        lines=len(script_lines), script=script_lines[0].script, title=script_lines[0].title
    )
    for line in script_lines:
        words = syllables(_PLACEHOLDER.sub(" ", line.text))
        best, where = 0.0, None
        for i in range(len(agent)):
            for width in range(1, WINDOW + 1):
                window = [w for part in spoken[i : i + width] for w in part]
                share = _share(words, window)
                if share > best:
                    best, where = share, i
        entry = {"script": line.script, "key": line.key, "text": line.text}
        if best >= LINE_SAID and where is not None:
            result.said.append({**entry, "at": agent[where].start, "words": agent[where].text})
        else:
            result.missed.append(entry)
    return result
