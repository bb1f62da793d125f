"""Timed transcripts: speaker turns with start and end seconds, sent as JSON or
WebVTT by a phone system, stored as TranscriptSegment rows and shown on the
review page as turns that seek the player.

The WebVTT reader is our own (about 40 lines) rather than webvtt-py: we need only
cues, their times and the ``<v Speaker>`` voice tag, from a string, with the cue's
number in each error message; webvtt-py reads files, drops the voice into
a separate API that changed across versions, and would be one more dependency to
keep for that.
"""

import html
import re

from sqlalchemy import bindparam, delete, select

from portal.core.extensions import db
from portal.core.text import clean
from reviews import masking
from reviews.models import AGENT_SPEAKER, CUSTOMER_SPEAKER, Interaction, TranscriptSegment

MAX_SEGMENTS = 5000
MAX_TEXT = 2000
MAX_BODY_BYTES = 4 * 1024 * 1024  # 5,000 turns of a sentence or two fit many times over
DURATION_SLACK = 5.0  # seconds a turn may run past the recording's known length

# What the plain transcript (Interaction.transcript) calls each speaker, as the
# portal's own uploads write it: search and the plain display keep working.
PLAIN_LABELS = {AGENT_SPEAKER: "Nhân viên", CUSTOMER_SPEAKER: "Khách"}

# Voice names a WebVTT file may use, lower-cased.
VOICES = {
    "agent": AGENT_SPEAKER,
    "nhân viên": AGENT_SPEAKER,
    "nhan vien": AGENT_SPEAKER,
    "customer": CUSTOMER_SPEAKER,
    "khách": CUSTOMER_SPEAKER,
    "khách hàng": CUSTOMER_SPEAKER,
    "khach": CUSTOMER_SPEAKER,
}


class Invalid(Exception):
    """The transcript cannot be taken: {field: [messages]} or nested per segment."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


# --- WebVTT -----------------------------------------------------------------------------

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>]*>")


def _seconds(hours, minutes, seconds, fraction) -> float:
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction.ljust(3, "0")) / 1000
    )


def parse_vtt(text: str) -> list[dict]:
    """The cues of a WebVTT document as {speaker, start, end, text} (speaker as
    written, mapped later); Invalid when it is not WebVTT or a cue's voice is unknown."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].startswith("WEBVTT"):
        raise Invalid({"body": ["A WebVTT body starts with the line WEBVTT."]})
    cues, errors, index = [], {}, 0
    blocks = "\n".join(lines[1:]).split("\n\n")
    for block in blocks:
        rows = [row for row in block.split("\n") if row.strip()]
        timing_at = next((i for i, row in enumerate(rows) if "-->" in row), None)
        if timing_at is None:
            continue  # header lines, NOTE and STYLE blocks
        match = _TIMING.match(rows[timing_at])
        body = " ".join(rows[timing_at + 1 :])
        voice = _VOICE.search(body)
        speaker = voice.group(1).strip() if voice else ""
        if match is None:
            errors[str(index)] = {
                "start": ["This cue's timing is not hh:mm:ss.mmm --> hh:mm:ss.mmm."]
            }
            index += 1
            continue
        groups = match.groups()
        cues.append(
            {
                "speaker": VOICES.get(speaker.lower(), speaker),
                "start": _seconds(*groups[:4]),
                "end": _seconds(*groups[4:]),
                "text": html.unescape(_TAG.sub("", body)).strip(),
            }
        )
        index += 1
    if errors:
        raise Invalid({"segments": errors})
    return cues


# --- checking and storing ---------------------------------------------------------------


def check(segments: list[dict], duration_seconds: int | None) -> None:
    """What a schema cannot tell alone: turns ending past the recording (when its
    length is known). Invalid with the turn's index."""
    if duration_seconds is None:
        return
    limit = duration_seconds + DURATION_SLACK
    errors = {
        str(i): {"end": [f"Ends after the recording ({duration_seconds} s)."]}
        for i, segment in enumerate(segments)
        if segment["end"] > limit
    }
    if errors:
        raise Invalid({"segments": errors})


def replace(interaction: Interaction, segments: list[dict]) -> list[TranscriptSegment]:
    """Put these turns in place of the interaction's earlier ones and write their
    plain text into Interaction.transcript; masked at intake; committed together."""
    db.session.execute(
        delete(TranscriptSegment).where(TranscriptSegment.interaction_id == interaction.id)
    )
    rows = [
        TranscriptSegment(
            interaction_id=interaction.id,
            position=position,
            speaker=segment["speaker"],
            start_seconds=float(segment["start"]),
            end_seconds=float(segment["end"]),
            text=masking.at_intake(clean(segment["text"], multiline=True)),
        )
        for position, segment in enumerate(segments)
    ]
    db.session.add_all(rows)
    interaction.transcript = "\n".join(f"{PLAIN_LABELS[r.speaker]}: {r.text}" for r in rows)
    db.session.commit()
    return rows


# Built once (see reviews/notifications.py): every review page asks.
_TURNS = (
    select(TranscriptSegment)
    .where(TranscriptSegment.interaction_id == bindparam("interaction"))
    .order_by(TranscriptSegment.position)
)


def of(interaction_id: int) -> list[TranscriptSegment]:
    """The interaction's turns in order (one query)."""
    return list(db.session.scalars(_TURNS, {"interaction": interaction_id}))


def clock(seconds: float) -> str:
    """mm:ss (h:mm:ss past an hour), as the player shows it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
