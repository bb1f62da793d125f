"""Recordings decoded into short frames, one row per channel, streamed.

PyAV carries FFmpeg in its wheel, so every format the portal accepts (WAV, MP3,
OGG/Opus, M4A, WebM) decodes without a system codec. The audio is resampled to
8 kHz, 16-bit (what a telephone line carries, and a rate the voice detector
takes), and handed on in blocks of whole frames, so an hour-long call never sits
in memory as samples: only the per-frame figures are kept (autoqa/frames.py).
"""

from collections.abc import Iterator

import av
import numpy as np

RATE = 8000
FRAME_MS = 30
FRAME = RATE * FRAME_MS // 1000  # samples per frame
BLOCK_FRAMES = 1000  # 30 s of audio per block


class AudioError(ValueError):
    """The file is not audio the decoder can read."""


def blocks(source) -> tuple[int, Iterator[np.ndarray]]:
    """(channels, blocks) of a path or a seekable binary file: each block an int16
    array (channels, frames × FRAME), the last padded with silence to a whole frame."""
    try:
        container = av.open(source if hasattr(source, "read") else str(source))
    except (av.error.FFmpegError, OSError) as error:
        raise AudioError(str(error)) from error
    if not container.streams.audio:
        container.close()
        raise AudioError("no audio stream")
    stream = container.streams.audio[0]
    channels = 2 if stream.channels >= 2 else 1
    resampler = av.AudioResampler(
        format="s16p", layout="stereo" if channels == 2 else "mono", rate=RATE
    )
    return channels, _blocks(container, stream, resampler, channels)


def _blocks(container, stream, resampler, channels: int) -> Iterator[np.ndarray]:
    size = BLOCK_FRAMES * FRAME
    pending: list[np.ndarray] = []
    held = 0
    try:
        for decoded in _decoded(container, stream):
            for frame in resampler.resample(decoded):
                samples = frame.to_ndarray().reshape(channels, -1)
                pending.append(samples)
                held += samples.shape[1]
                while held >= size:
                    joined = np.concatenate(pending, axis=1)
                    yield joined[:, :size]
                    pending, held = [joined[:, size:]], joined.shape[1] - size
        for frame in resampler.resample(None):
            pending.append(frame.to_ndarray().reshape(channels, -1))
        if pending:
            rest = np.concatenate(pending, axis=1)
            if rest.shape[1]:
                whole = -(-rest.shape[1] // FRAME) * FRAME
                yield np.pad(rest, ((0, 0), (0, whole - rest.shape[1])))
    finally:
        container.close()


def _decoded(container, stream):
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as error:
        raise AudioError(str(error)) from error
