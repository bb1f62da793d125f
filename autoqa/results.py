"""What the analysis of a call shows a person: its state, its figures in words
and numbers, and a timeline under the player."""

from dataclasses import dataclass

from autoqa.models import CallAnalysis
from reviews.models import Interaction


@dataclass(frozen=True)
class Mark:
    kind: str  # agent, customer (or any, on mono), overtalk, dead_air, hold
    start: float
    end: float
    label: str = ""


def analysis_of(interaction: Interaction) -> CallAnalysis | None:
    return interaction.analysis


def timeline(measures: dict) -> list[Mark]:
    """Every mark the timeline draws, in seconds from the start of the call (the
    reviewers' comments are drawn by the page that has them)."""
    marks = []
    segments = measures.get("segments", {})
    for party in ("agent", "customer", "any"):
        marks += [Mark(party, s, e) for s, e in segments.get(party, [])]
    marks += [
        Mark("overtalk", o["start"], o["end"], o["started_by"])
        for o in measures.get("overtalk", [])
    ]
    marks += [Mark("dead_air", s, e) for s, e in measures.get("dead_air", [])]
    marks += [Mark("hold", s, e) for s, e in measures.get("holds", [])]
    return marks
