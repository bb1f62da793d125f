"""Benchmark: automatic QA's audio analysis, speed and accuracy.

Speed: one hour of 8 kHz stereo (generated calls, autoqa/synth.py, end to end)
analysed in a fresh process on one core: seconds, times real time, peak memory
(the process's high-water resident size, VmHWM, so the decoder's own buffers count).
Median and p95 of 5 runs.

Accuracy: 30 generated calls (noise from -62 to -48 dBFS, no echo or an echo of
each side in the other at -26 to -15 dB) against what was placed in them: talk
time per party (the worst and the median error), overtalk of 1 s or more, dead air
of 5 s or more and holds (precision and recall, an event matched when it meets a
true one within 0.5 s).

    apt-get install espeak-ng
    .venv/bin/python bench/audio_analysis.py [--runs 5] [--calls 30]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoqa import synth  # noqa: E402
from autoqa.analysis import analyse  # noqa: E402

ONE_RUN = """
import json, sys, time
sys.path.insert(0, {root!r})
from autoqa.analysis import analyse
started = time.perf_counter()
found = analyse({path!r})
took = time.perf_counter() - started
# VmHWM belongs to this address space (ru_maxrss would carry the forking parent's).
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({{"seconds": took, "duration": found.duration, "peak_mb": peak}}))
"""


def hour_long(folder: Path) -> Path:
    """Generated calls one after another until an hour: a long 8 kHz stereo file."""
    import numpy as np

    from autoqa.audio import RATE

    parts, length, seed = [], 0, 0
    while length < 3600 * RATE:
        call = synth.random_call(seed).render(seed=seed, **synth.line_conditions(seed))
        parts.append(call.audio)
        length += call.audio.shape[1]
        seed += 1
    audio = np.concatenate(parts, axis=1)[:, : 3600 * RATE]
    return synth.Call(audio, None, []).write(folder / "hour.wav")


def speed(path: Path, runs: int) -> None:
    figures = []
    for _ in range(runs):
        out = subprocess.run(
            [
                "taskset",
                "-c",
                "0",
                sys.executable,
                "-c",
                ONE_RUN.format(root=str(ROOT), path=str(path)),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures.append(json.loads(out.strip().splitlines()[-1]))
    seconds = sorted(f["seconds"] for f in figures)
    peaks = sorted(f["peak_mb"] for f in figures)
    duration = figures[0]["duration"]
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    median = statistics.median(seconds)
    print(f"one hour of 8 kHz stereo ({duration:.0f} s), {runs} runs on one core:")
    print(f"  median {median:.2f} s ({duration / median:.0f}x real time), p95 {p95:.2f} s")
    print(f"  peak memory median {statistics.median(peaks):.0f} MB, max {peaks[-1]:.0f} MB")


def accuracy(folder: Path, calls: int) -> None:
    errors, overtalk, dead, holds = [], [], [], []
    for seed in range(calls):
        call = synth.random_call(seed).render(seed=seed, **synth.line_conditions(seed))
        found = analyse(call.write(folder / f"call-{seed}.wav"))
        for party in ("agent", "customer"):
            truth = call.truth.talk(party)
            errors.append(abs(found.talk_seconds[party] - truth) / truth)
        overtalk.append(
            (
                [(o.start, o.end) for o in found.overtalk],
                [t for t in call.truth.overtalk if t[1] - t[0] >= 1],
            )
        )
        dead.append((found.dead_air, [t for t in call.truth.dead_air if t[1] - t[0] >= 5]))
        holds.append((found.holds, call.truth.holds))
    print(f"accuracy on {calls} generated calls:")
    print(
        f"  talk time per party: median error {100 * statistics.median(errors):.2f} %, "
        f"worst {100 * max(errors):.2f} % (target 3 %)"
    )
    for name, pairs in (("overtalk >= 1 s", overtalk), ("dead air >= 5 s", dead), ("holds", holds)):
        precision, recall, n_found, n_true = synth.agreement(pairs)
        print(
            f"  {name}: precision {precision:.3f}, recall {recall:.3f} ({n_found} found, {n_true} true)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    if not synth.available():
        sys.exit("espeak-ng is needed: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as folder:
        accuracy(Path(folder), args.calls)
        speed(hour_long(Path(folder)), args.runs)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
