"""Make the demo recordings from demo.yml with espeak-ng (run once; the files
are committed). Telephone quality on purpose: 8 kHz, 8-bit mono WAV keeps each
file around 100 KB.

    apt-get install espeak-ng && python content/recordings/make_demo_recordings.py
"""

import audioop  # deprecated in 3.13; fine for a one-off generator on 3.11
import io
import subprocess
import wave
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VOICES = {"A": ["-v", "vi+f3", "-s", "150"], "K": ["-v", "vi", "-s", "140", "-p", "35"]}
RATE = 8000


def speak(who: str, text: str) -> bytes:
    out = subprocess.run(
        ["espeak-ng", *VOICES[who], "--stdout", text], check=True, capture_output=True
    ).stdout
    with wave.open(io.BytesIO(out)) as source:
        frames = source.readframes(source.getnframes())
        width, rate = source.getsampwidth(), source.getframerate()
    frames, _ = audioop.ratecv(frames, width, 1, rate, RATE, None)
    return audioop.lin2lin(frames, width, 1)


def main() -> None:
    pause = audioop.lin2lin(b"\x00\x00" * (RATE // 2), 2, 1)  # half a second
    for call in yaml.safe_load((HERE / "demo.yml").read_text(encoding="utf-8")):
        audio = b"".join(speak(who, text) + pause for who, text in call["lines"])
        audio = audioop.bias(audio, 1, 128)  # 8-bit WAV is unsigned
        with wave.open(str(HERE / call["file"]), "wb") as target:
            target.setnchannels(1)
            target.setsampwidth(1)
            target.setframerate(RATE)
            target.writeframes(audio)
        print(call["file"], (HERE / call["file"]).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
