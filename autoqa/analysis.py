"""One recording analysed: decoded, heard, measured (no speech-to-text needed)."""

from autoqa.frames import read
from autoqa.metrics import Measures, measure
from autoqa.voice import voices

# Bumped when the analysis changes what it finds, so stored results can be redone.
VERSION = 1


def analyse(path) -> Measures:
    """The measures of the recording at `path` (autoqa.audio.AudioError if it is
    not audio the decoder can read)."""
    return measure(voices(read(path)))
