"""Every accepted format decodes and measures like the original; what is not audio
is refused with a reason."""

import av
import numpy as np
import pytest

from autoqa.analysis import analyse
from autoqa.audio import AudioError
from autoqa.voice import merged


def _encode(source, path, codec: str, rate: int):
    """The WAV at `source` re-encoded with `codec`, through PyAV (FFmpeg)."""
    with av.open(str(source)) as original, av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        resampler = av.AudioResampler(
            format=stream.codec_context.codec.audio_formats[0].name, layout="stereo", rate=rate
        )
        for frame in original.decode(audio=0):
            for piece in resampler.resample(frame):
                out.mux(stream.encode(piece))
        for piece in resampler.resample(None):
            out.mux(stream.encode(piece))
        out.mux(stream.encode(None))
    return path


@pytest.mark.parametrize(
    ("suffix", "codec", "rate"),
    [(".mp3", "libmp3lame", 44100), (".ogg", "libopus", 48000), (".m4a", "aac", 44100)],
)
def test_compressed_formats_measure_like_the_wav(one_call, tmp_path, suffix, codec, rate):
    call, wav = one_call
    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {codec} encoder")
    original = analyse(wav)
    again = analyse(_encode(wav, tmp_path / f"call{suffix}", codec, rate))
    assert again.stereo
    for party in ("agent", "customer"):
        assert again.talk_seconds[party] == pytest.approx(original.talk_seconds[party], rel=0.05)
    assert len(again.dead_air) == len(original.dead_air)


def test_a_mono_recording_gives_speech_and_silences(one_call, tmp_path):
    call, _wav = one_call
    mono = analyse(call.write(tmp_path / "mono.wav", mono=True))
    assert not mono.stereo and mono.talk_seconds is None
    spoken = sum(
        e - s for s, e in merged(call.truth.speech["agent"] + call.truth.speech["customer"])
    )
    assert mono.speech_seconds == pytest.approx(spoken, rel=0.05)


@pytest.mark.parametrize(
    "content", [b"", b"<script>alert(1)</script>", b"RIFF\x00\x00\x00\x00WAVEfmt ", bytes(5000)]
)
def test_what_is_not_audio_is_refused(tmp_path, content):
    path = tmp_path / "call.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError):
        analyse(path)


def test_silence_is_measured_as_silence(tmp_path):
    import wave

    path = tmp_path / "silent.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(np.zeros(8000 * 20 * 2, dtype="<i2").tobytes())
    found = analyse(path)
    assert found.stereo and found.talk_seconds == {"agent": 0.0, "customer": 0.0}
    assert found.talk_ratio is None and found.first_word is None
    assert found.duration == pytest.approx(20.0, abs=0.03)  # whole 30 ms frames
