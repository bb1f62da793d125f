"""Make the demo's stereo calls from stereo.yml (run once; the files are committed):
espeak-ng voices placed by autoqa/synth.py, the agent on the left channel and the
customer on the right, encoded as OGG/Opus (16 kHz, 24 kbps: about 3 KB a second),
with each call's timed turns beside it as JSON.

    apt-get install espeak-ng && .venv/bin/python content/recordings/make_stereo_calls.py
"""

import json
import sys
from pathlib import Path

import av
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from autoqa.audio import RATE  # noqa: E402
from autoqa.synth import CallBuilder  # noqa: E402

PARTIES = {"A": "agent", "K": "customer"}


def build(call: dict, seed: int):
    builder = CallBuilder()
    for line in call["lines"]:
        if isinstance(line, dict):
            if "hold" in line:
                builder.hold(line["hold"])
            else:
                builder.pause(line["pause"])
            continue
        who, text, *gap = line
        builder.say(PARTIES[who], text, gap=gap[0] if gap else 0.7)
    return builder.render(noise_db=-55, echo_db=-24, seed=seed)


def encode(audio, path: Path) -> None:
    with av.open(str(path), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=16000, layout="stereo")
        stream.bit_rate = 24000
        frame = av.AudioFrame.from_ndarray(
            audio.T.reshape(1, -1).copy(), format="s16", layout="stereo"
        )
        frame.sample_rate = RATE
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=16000)
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            out.mux(stream.encode(piece))
        out.mux(stream.encode(None))


def main() -> None:
    for seed, call in enumerate(yaml.safe_load((HERE / "stereo.yml").read_text("utf-8"))):
        made = build(call, seed)
        target = HERE / call["file"]
        encode(made.audio, target)
        target.with_suffix(".json").write_text(
            json.dumps(made.transcript, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        print(call["file"], target.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
