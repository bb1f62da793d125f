"""Who is speaking when: the detector's frames turned into each party's speech
segments, with echo, background noise and hold music taken out.

- A frame counts as speech only above a level floor (quiet hiss the detector
  sometimes hears is not talk).
- Echo: on stereo calls each side leaks into the other (a far-end echo, a headset
  that hears the speaker). A frame more than ECHO_DB quieter than the other side
  at the same moment is the leak, not a second talker; two people really talking
  over each other are within a few dB.
- Music and tones (a hold): long runs of sound whose spectrum barely changes from
  frame to frame, with no pauses, on one side while the other is silent. Speech
  pauses between phrases and its spectrum keeps moving.
- Segments: frames of speech joined across gaps up to JOIN_GAP (the pauses inside
  a sentence), and bursts shorter than MIN_SPEECH dropped (a click, a cough).
"""

from dataclasses import dataclass

import numpy as np

from autoqa.audio import FRAME_MS
from autoqa.frames import Frames

STEP = FRAME_MS / 1000
LEVEL_FLOOR_DB = -50.0
ECHO_DB = 10.0
ECHO_FRAMES = 3  # 90 ms: how late a leak may arrive
JOIN_GAP = 0.36
MIN_SPEECH = 0.15
# A hold: this long at least, sounding (above the floor) with gaps under HOLD_GAP,
# and steady (the median likeness of consecutive spectra above HOLD_STEADY).
HOLD_MIN = 8.0
HOLD_GAP = 0.3
HOLD_STEADY = 0.9

Span = tuple[float, float]


@dataclass
class Voices:
    channels: int
    duration: float
    speech: list[list[Span]]  # per channel: speech segments, in order
    holds: list[Span]  # music or tones, on either side


def voices(frames: Frames) -> Voices:
    sounding = frames.level > LEVEL_FLOOR_DB
    speech = frames.voiced & sounding
    if frames.channels == 2:
        speech = _without_echo(speech, frames.level)
    holds = []
    for channel in range(frames.channels):
        for start, end in _holds(sounding[channel], frames.steady[channel]):
            holds.append((start * STEP, end * STEP))
            speech[channel, start:end] = False
            if frames.channels == 2:  # its leak into the other side is not speech either
                speech[1 - channel, start:end] &= ~_leak(frames.level, channel, start, end)
    return Voices(
        frames.channels,
        frames.duration,
        [_segments(speech[c]) for c in range(frames.channels)],
        merged(holds),  # music on one side is heard in the other's echo too
    )


def _without_echo(speech: np.ndarray, level: np.ndarray) -> np.ndarray:
    # Whatever the detector made of the louder side (it may miss a frame of real
    # speech), a frame far quieter than the other side is its leak. A leak arrives
    # late (the echo path) and smeared, so "the other side" is its loudest frame
    # over the last ECHO_FRAMES.
    recent = _recent_max(level, ECHO_FRAMES)
    out = speech.copy()
    out[0] &= ~(level[0] < recent[1] - ECHO_DB)
    out[1] &= ~(level[1] < recent[0] - ECHO_DB)
    return out


def merged(spans: list[Span]) -> list[Span]:
    """Overlapping spans joined, in order."""
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _recent_max(level: np.ndarray, frames: int) -> np.ndarray:
    out = level.copy()
    for shift in range(1, frames + 1):
        out[:, shift:] = np.maximum(out[:, shift:], level[:, :-shift])
    return out


def _leak(level: np.ndarray, source: int, start: int, end: int) -> np.ndarray:
    return (level[source, start:end] - level[1 - source, start:end]) > ECHO_DB


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the runs of True."""
    if not flags.size:
        return []
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _joined(runs: list[tuple[int, int]], gap_frames: int) -> list[list[int]]:
    joined: list[list[int]] = []
    for start, end in runs:
        if joined and start - joined[-1][1] <= gap_frames:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return joined


def _segments(flags: np.ndarray) -> list[Span]:
    joined = _joined(_runs(flags), round(JOIN_GAP / STEP))
    shortest = round(MIN_SPEECH / STEP)
    # Counted in frames of speech, not in span: two clicks a gap apart are no talk.
    return [
        (s * STEP, e * STEP) for s, e in joined if int(np.count_nonzero(flags[s:e])) >= shortest
    ]


def _holds(sounding: np.ndarray, steady: np.ndarray) -> list[tuple[int, int]]:
    found = []
    for start, end in _joined(_runs(sounding), round(HOLD_GAP / STEP)):
        if (end - start) * STEP < HOLD_MIN:
            continue
        if float(np.median(steady[start:end])) >= HOLD_STEADY:
            found.append((start, end))
    return found
