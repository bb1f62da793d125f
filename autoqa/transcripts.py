"""A call's words as turns for the checks: its timed transcript when there is one,
else its plain transcript read line by line ("Nhân viên: …", "Khách: …"), without
times; or a transcript file given to the command line (WebVTT, JSON turns, plain)."""

import json
import re
from pathlib import Path

from sqlalchemy import select

from autoqa.transcript_checks import Turn
from reviews import timed_transcripts
from reviews.models import AGENT_SPEAKER, CUSTOMER_SPEAKER, Interaction, TranscriptSegment

# The speakers' names the portal's transcripts know (reviews.timed_transcripts), and
# the short labels people type.
_SPEAKERS = {**timed_transcripts.VOICES, "nv": AGENT_SPEAKER, "kh": CUSTOMER_SPEAKER}
_LABEL = re.compile(
    r"^\s*(" + "|".join(sorted(map(re.escape, _SPEAKERS), key=len, reverse=True)) + r")\s*:\s*",
    re.I,
)


def turns_of(session, interaction: Interaction) -> list[Turn]:
    segments = session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.interaction_id == interaction.id)
        .order_by(TranscriptSegment.position)
    ).all()
    if segments:
        return [Turn(s.speaker, s.start_seconds, s.text) for s in segments]
    return plain_turns(interaction.transcript or "")


def plain_turns(text: str) -> list[Turn]:
    """Turns of a plain transcript, one "Nhân viên: …" or "Khách: …" line each."""
    turns = []
    for line in text.splitlines():
        label = _LABEL.match(line)
        if label:
            speaker = _SPEAKERS[label.group(1).lower()]
            turns.append(Turn(speaker, None, line[label.end() :].strip()))
        elif turns and line.strip():  # a turn that runs over several lines
            last = turns[-1]
            turns[-1] = Turn(last.speaker, None, f"{last.text} {line.strip()}")
    return turns


def turns_from_file(path) -> list[Turn]:
    """A transcript file's turns: WebVTT (voices <v Agent>, <v Khách>…), a JSON list of
    {speaker, start, text}, or plain text (ValueError when it cannot be read)."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip("\ufeff").startswith("WEBVTT"):
        try:
            cues = timed_transcripts.parse_vtt(text)
        except timed_transcripts.Invalid as error:
            raise ValueError(f"not a WebVTT transcript: {error}") from error
        return [Turn(_speaker(c["speaker"]), c["start"], c["text"]) for c in cues]
    if text.lstrip().startswith("["):
        rows = json.loads(text)
        return [Turn(_speaker(r["speaker"]), r.get("start"), r["text"]) for r in rows]
    return plain_turns(text)


def _speaker(name: str) -> str:
    return _SPEAKERS.get(str(name).lower(), CUSTOMER_SPEAKER)
