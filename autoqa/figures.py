"""The automatic checks' figures for one call (the names of reviews/auto_checks.py),
from what its analysis measured and found: the rubric maps them to suggested
values. A figure the call cannot give (no transcript, a mono recording, no long
hold) is left out, so its rule suggests nothing rather than guessing."""

from autoqa.models import DONE, CallAnalysis
from reviews.auto_checks import Evidence, Figure

OPENING = ("greeting", "introduction", "addressing")
CLOSING = ("closing_thanks", "closing_anything_else", "closing_next_step")


def figures_of(analysis: CallAnalysis | None) -> dict[str, Figure]:
    if analysis is None or analysis.state != DONE:
        return {}
    measured = _measured(analysis.measures) if analysis.measures else {}  # none for a chat
    return {**measured, **_said(analysis.checks or {})}


def _measured(m: dict) -> dict[str, Figure]:
    dead_air = [Evidence(s, "") for s, e in m.get("dead_air", [])]
    silences = m.get("silences") or {}
    figures = {
        "dead_air_5s": Figure(silences.get("5", 0), tuple(dead_air)),
        "dead_air_10s": Figure(
            silences.get("10", 0),
            tuple(Evidence(s) for s, e in m.get("dead_air", []) if e - s > 10),
        ),
        "longest_silence": Figure(m.get("longest_silence") or 0.0),
    }
    if m.get("stereo"):
        interruptions = [o for o in m.get("overtalk", []) if o.get("started_by") == "agent"]
        figures["agent_interruptions"] = Figure(
            len(interruptions), tuple(Evidence(o["start"]) for o in interruptions)
        )
        for name in ("first_word", "response_median"):
            if m.get(name) is not None:
                figures[name] = Figure(m[name])
    return figures


def _said(checks: dict) -> dict[str, Figure]:
    if not checks:
        return {}
    findings = checks.get("findings", [])
    by_check = {}
    for finding in findings:
        by_check.setdefault(finding["check"], []).append(finding)
    figures = {}
    for name in OPENING:
        if name in by_check:
            figures[name] = _flag(by_check[name])
    for name, parts in (("opening", OPENING), ("closing", CLOSING)):
        present = [p for p in parts if p in by_check]
        if present:
            heard = [f for p in present for f in by_check[p] if f["passed"]]
            figures[name] = Figure(len(heard), _evidence(heard))
    if "hold_announced" in by_check:  # only when there was a long hold
        figures["hold_announced"] = _flag(by_check["hold_announced"])
    if findings:  # the agent spoke: an empty list means no such phrase
        said = by_check.get("dont_say", [])
        figures["dont_say"] = Figure(len(said), _evidence(said))
    adherence = checks.get("adherence") or {}
    if adherence.get("lines"):
        figures["script_coverage"] = Figure(
            round(100 * adherence["coverage"], 1),
            tuple(Evidence(None, line["text"]) for line in adherence.get("missed", [])),
        )
    return figures


def _flag(findings: list[dict]) -> Figure:
    """Found when every finding of the check passed (each long hold announced)."""
    missed = [f for f in findings if not f["passed"]]
    return Figure(not missed, _evidence(missed or findings))


def _evidence(findings: list[dict]) -> tuple[Evidence, ...]:
    return tuple(Evidence(f.get("at"), f.get("words") or "") for f in findings)
