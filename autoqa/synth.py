"""Generated stereo calls with known answers, for tests, the demo and benchmarks.

Speech comes from espeak-ng (Debian's package, Vietnamese voices), the agent on
the left channel and the customer on the right, placed at chosen times; then
what real lines add: dead air, people talking over each other, a hold with
music, background noise and an echo of each side in the other. The truth (who
spoke when, every overlap, silence and hold) and a timed transcript come with the
audio, so the analysis can be scored against it (tests/autoqa, bench/).
"""

import hashlib
import random
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from autoqa.audio import RATE
from autoqa.voice import merged

VOICES = {"agent": "vi+f2", "customer": "vi-vn-x-south+m3"}
SPEED = {"agent": 165, "customer": 150}
SPEECH_DB = -45.0  # a 10 ms window above this is speech, in the clean signal
PAUSE_SPLITS = 0.5  # pauses longer than this inside a line split its speech
CACHE = Path(tempfile.gettempdir()) / "portal-espeak-cache"

Span = tuple[float, float]


def available() -> bool:
    return shutil.which("espeak-ng") is not None


@dataclass
class Truth:
    speech: dict[str, list[Span]]  # per party, the clean signal's speech
    overtalk: list[Span]  # overlaps of the two parties' speech
    dead_air: list[Span]  # gaps in everyone's speech (holds excluded), ≥ 2 s
    holds: list[Span]

    def talk(self, party: str) -> float:
        return sum(e - s for s, e in self.speech[party])


@dataclass
class Call:
    audio: np.ndarray  # int16 (2, samples) at RATE
    truth: Truth
    transcript: list[dict]  # {"speaker", "start", "end", "text"}

    def write(self, path: Path, *, mono: bool = False) -> Path:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1 if mono else 2)
            out.setsampwidth(2)
            out.setframerate(RATE)
            if mono:
                mixed = np.clip(self.audio.astype(np.int32).sum(axis=0), -32768, 32767)
                out.writeframes(mixed.astype("<i2").tobytes())
            else:
                out.writeframes(self.audio.T.astype("<i2").tobytes())
        return path


@dataclass
class _Placed:
    party: str
    text: str
    start: float
    samples: np.ndarray


@dataclass
class CallBuilder:
    """A call, line by line: `gap` is the silence after the previous line (negative:
    this one starts before the previous ends, an overlap)."""

    lines: list[_Placed] = field(default_factory=list)
    holds: list[Span] = field(default_factory=list)
    cursor: float = 0.5

    def say(self, party: str, text: str, gap: float = 0.6) -> "CallBuilder":
        samples = speak(text, party)
        start = max(0.0, self.cursor + gap) if self.lines else self.cursor
        self.lines.append(_Placed(party, text, start, samples))
        self.cursor = max(self.cursor, start + len(samples) / RATE)
        return self

    def pause(self, seconds: float) -> "CallBuilder":
        self.cursor += seconds
        return self

    def hold(self, seconds: float, gap: float = 0.8) -> "CallBuilder":
        start = self.cursor + gap
        self.holds.append((start, start + seconds))
        self.cursor = start + seconds
        return self

    def render(
        self, *, noise_db: float = -55.0, echo_db: float | None = -20.0, seed: int = 0
    ) -> Call:
        length = int((self.cursor + 1.0) * RATE)
        clean = np.zeros((2, length), dtype=np.float32)
        for line in self.lines:
            channel = 0 if line.party == "agent" else 1
            at = int(line.start * RATE)
            clean[channel, at : at + len(line.samples)] += line.samples
        signal = clean.copy()
        for start, end in self.holds:
            a, b = int(start * RATE), int(end * RATE)
            signal[0, a:b] += _music(b - a, seed)
        if echo_db is not None:
            gain = 10 ** (echo_db / 20)
            delay = int(0.02 * RATE)
            leaked = np.zeros_like(signal)
            leaked[:, delay:] = signal[::-1, :-delay] * gain
            signal += leaked
        noise = np.random.default_rng(seed).standard_normal(signal.shape).astype(np.float32)
        signal += noise * (10 ** (noise_db / 20))
        audio = np.clip(signal * 32767, -32768, 32767).astype(np.int16)
        return Call(audio, self._truth(clean), self._transcript())

    def _truth(self, clean: np.ndarray) -> Truth:
        speech = {party: _speech_spans(clean[c]) for c, party in enumerate(("agent", "customer"))}
        overtalk = _intersections(speech["agent"], speech["customer"])
        everyone = merged(speech["agent"] + speech["customer"])
        gaps = [(a[1], b[0]) for a, b in zip(everyone, everyone[1:], strict=False)]
        dead = [
            g
            for g in gaps
            if g[1] - g[0] >= 2.0 and not any(h[0] < g[1] and g[0] < h[1] for h in self.holds)
        ]
        return Truth(speech, overtalk, dead, list(self.holds))

    def _transcript(self) -> list[dict]:
        return [
            {
                "speaker": line.party,
                "start": round(line.start, 2),
                "end": round(line.start + len(line.samples) / RATE, 2),
                "text": line.text,
            }
            for line in sorted(self.lines, key=lambda placed: placed.start)
        ]


def speak(text: str, party: str) -> np.ndarray:
    """The line spoken by the party's voice: float32 samples at RATE, trimmed."""
    voice, speed = VOICES[party], SPEED[party]
    CACHE.mkdir(exist_ok=True)
    key = hashlib.sha256(f"{voice}|{speed}|{text}".encode()).hexdigest()[:20]
    cached = CACHE / f"{key}.npy"
    if cached.exists():
        return np.load(cached)
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", out.name, text],
            check=True,
            capture_output=True,
        )
        samples = _resampled(out.name)
    samples = _trimmed(samples)
    np.save(cached, samples)
    return samples


def _resampled(path: str) -> np.ndarray:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    parts = []
    with av.open(path) as container:
        for frame in container.decode(audio=0):
            parts.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
    parts.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    samples = np.concatenate(parts).astype(np.float32)
    peak = float(np.sqrt(np.mean(np.square(samples)))) or 1.0
    return samples * (0.1 / peak)  # every line at about -20 dBFS


def _window_db(samples: np.ndarray) -> np.ndarray:
    step = RATE // 100
    usable = len(samples) // step * step
    windows = samples[:usable].reshape(-1, step)
    power = np.mean(np.square(windows), axis=1)
    return 10 * np.log10(np.maximum(power, 1e-12))


def _trimmed(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(_window_db(samples) > SPEECH_DB)
    if not loud.size:
        return samples[:0]
    step = RATE // 100
    return samples[loud[0] * step : (loud[-1] + 1) * step]


def _speech_spans(channel: np.ndarray) -> list[Span]:
    loud = _window_db(channel) > SPEECH_DB
    spans: list[list[float]] = []
    for index in np.flatnonzero(loud):
        t = index / 100
        if spans and t - spans[-1][1] <= PAUSE_SPLITS:
            spans[-1][1] = t + 0.01
        else:
            spans.append([t, t + 0.01])
    return [(round(s, 2), round(e, 2)) for s, e in spans]


def _intersections(a: list[Span], b: list[Span]) -> list[Span]:
    found, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            found.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return found


def _music(samples: int, seed: int) -> np.ndarray:
    """A steady melody of chords, a new one every 0.6 s, at about -22 dBFS."""
    rng = random.Random(seed)
    t = np.arange(samples, dtype=np.float32) / RATE
    out = np.zeros(samples, dtype=np.float32)
    note = int(0.6 * RATE)
    for start in range(0, samples, note):
        root = rng.choice([220.0, 246.9, 261.6, 293.7, 329.6])
        span = slice(start, min(samples, start + note))
        for ratio in (1.0, 1.26, 1.5):
            out[span] += np.sin(2 * np.pi * root * ratio * t[span])
    return out * 0.035


def agreement(pairs, tolerance: float = 0.5) -> tuple[float, float, int, int]:
    """(precision, recall, found, true) over [(found events, true events)] of many
    calls: an event counts as matched when it meets one of the other side, edges
    within `tolerance` seconds."""

    def near(a, b) -> bool:
        return a[0] < b[1] + tolerance and b[0] < a[1] + tolerance

    found = sum(len(f) for f, _t in pairs)
    true = sum(len(t) for _f, t in pairs)
    hits = sum(sum(1 for x in f if any(near(x, y) for y in t)) for f, t in pairs)
    met = sum(sum(1 for y in t if any(near(x, y) for x in f)) for f, t in pairs)
    return hits / max(found, 1), met / max(true, 1), found, true


# --- calls with known answers ------------------------------------------------------

AGENT_LINES = [
    "Dạ em chào anh, em là Lan ở bộ phận chăm sóc khách hàng, em có thể giúp gì cho anh ạ?",
    "Dạ, anh cho em xin họ tên và số điện thoại đăng ký để em kiểm tra nhé.",
    "Em cảm ơn anh. Em thấy đơn hàng của anh đang được giao, dự kiến chiều mai sẽ tới.",
    "Dạ, em hiểu anh đang rất sốt ruột. Em sẽ báo bên giao hàng ưu tiên đơn của anh.",
    "Anh vui lòng giữ máy giúp em một chút, em kiểm tra kho ngay ạ.",
    "Dạ em cảm ơn anh đã chờ. Bên em còn hàng, em có thể đổi cho anh mẫu mới ạ.",
    "Anh còn cần em hỗ trợ thêm gì nữa không ạ?",
    "Dạ em cảm ơn anh đã gọi, chúc anh một ngày tốt lành.",
]
CUSTOMER_LINES = [
    "Chào em, anh gọi hỏi về đơn hàng đặt tuần trước.",
    "Anh tên Minh, số điện thoại không chín không, một hai ba, bốn năm sáu.",
    "Sao lâu vậy em, anh đặt lâu rồi mà chưa thấy.",
    "Ừ, anh cần gấp lắm, em xem giúp anh.",
    "Được, em đổi giúp anh nhé.",
    "Không, vậy là được rồi, cảm ơn em.",
]


def line_conditions(seed: int) -> dict:
    """The line a generated call came over: background noise from faint to audible,
    and no echo, or each side's echo in the other from faint to strong."""
    rng = random.Random(seed * 7919 + 1)
    return {"noise_db": rng.uniform(-62, -48), "echo_db": rng.choice([None, -26, -20, -15])}


def random_call(seed: int) -> CallBuilder:
    """A plausible care call whose overlaps, silences and hold vary with the seed."""
    rng = random.Random(seed)
    call = CallBuilder()
    customer = iter(CUSTOMER_LINES)
    for index, line in enumerate(AGENT_LINES):
        # Now and then the agent answers before the customer has finished.
        eager = index and rng.random() < 0.15
        call.say("agent", line, gap=-rng.uniform(1.2, 2.0) if eager else rng.uniform(0.4, 1.2))
        held = index == 4 and rng.random() < 0.7
        if held:
            call.hold(rng.uniform(15, 35))
        if rng.random() < 0.25:
            call.pause(rng.uniform(5.5, 12))
        reply = next(customer, None)
        if reply is None:
            continue
        # Now and then the customer cuts in before the agent has finished (not
        # into the hold music: the agent is away).
        cut_in = rng.random() < 0.3 and not held
        call.say("customer", reply, gap=-rng.uniform(1.3, 2.5) if cut_in else rng.uniform(0.4, 1.2))
    return call
