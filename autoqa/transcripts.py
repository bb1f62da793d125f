"""A call's words as turns for the checks: its timed transcript when there is one,
else its plain transcript read line by line ("Nhân viên: …", "Khách: …"), without
times."""

import re

from sqlalchemy import select

from autoqa.transcript_checks import Turn
from reviews.models import AGENT_SPEAKER, CUSTOMER_SPEAKER, Interaction, TranscriptSegment

_LABEL = re.compile(
    r"^\s*(nhân viên|nhan vien|nv|agent|khách hàng|khách|khach|kh|customer)\s*:\s*", re.I
)
_SPEAKERS = {
    "nhân viên": AGENT_SPEAKER,
    "nhan vien": AGENT_SPEAKER,
    "nv": AGENT_SPEAKER,
    "agent": AGENT_SPEAKER,
}


def turns_of(session, interaction: Interaction) -> list[Turn]:
    segments = session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.interaction_id == interaction.id)
        .order_by(TranscriptSegment.position)
    ).all()
    if segments:
        return [Turn(s.speaker, s.start_seconds, s.text) for s in segments]
    turns = []
    for line in (interaction.transcript or "").splitlines():
        label = _LABEL.match(line)
        if label:
            speaker = _SPEAKERS.get(label.group(1).lower(), CUSTOMER_SPEAKER)
            turns.append(Turn(speaker, None, line[label.end() :].strip()))
        elif turns and line.strip():  # a turn that runs over several lines
            last = turns[-1]
            turns[-1] = Turn(last.speaker, None, f"{last.text} {line.strip()}")
    return turns
