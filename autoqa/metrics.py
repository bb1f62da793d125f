"""A call's measures from who spoke when (autoqa/voice.py).

Stereo calls put the agent on the left channel and the customer on the right, as
Twilio, Genesys and most PBXs record them; a mono call carries both on one track,
so only speech and silence are measured and the per-party figures are None.
Silences are gaps in everyone's speech between the first and the last word
(ringing before and the line after hang-up are not dead air), holds excluded;
gaps under IGNORED_GAP are the ordinary pauses of a conversation.
"""

from dataclasses import asdict, dataclass, field
from statistics import median

from autoqa.voice import Span, Voices, merged

AGENT, CUSTOMER = 0, 1
PARTIES = ("agent", "customer")
IGNORED_GAP = 2.0
SILENCE_BANDS = (3.0, 5.0, 10.0)
OVERTALK_EVENT = 1.0  # overlaps at least this long are listed as events
DEAD_AIR_EVENT = 5.0  # silences at least this long are listed as events
MONOLOGUE_PAUSE = 2.0  # the agent's pauses shorter than this do not end a monologue


@dataclass
class Overtalk:
    start: float
    end: float
    started_by: str  # the party who began speaking over the other


@dataclass
class Measures:
    stereo: bool
    duration: float
    speech_seconds: float  # anyone speaking
    talk_seconds: dict | None = None  # {"agent": s, "customer": s}
    talk_ratio: float | None = None  # the agent's share of the talk, 0..1
    overtalk_count: int | None = None
    overtalk_seconds: float | None = None
    overtalk_longest: float | None = None
    overtalk: list[Overtalk] = field(default_factory=list)  # events ≥ OVERTALK_EVENT
    silences: dict = field(default_factory=dict)  # {"3": count over 3 s, "5": …, "10": …}
    dead_air: list[Span] = field(default_factory=list)  # silences ≥ DEAD_AIR_EVENT
    longest_silence: float = 0.0
    longest_monologue: float | None = None
    response_median: float | None = None  # the agent's answer after the customer stops
    response_p90: float | None = None
    first_word: float | None = None  # seconds to the agent's first word
    holds: list[Span] = field(default_factory=list)
    segments: dict = field(
        default_factory=dict
    )  # {"agent": [...], "customer": [...]} or {"any": [...]}

    def as_dict(self) -> dict:
        return asdict(self)


def measure(heard: Voices) -> Measures:
    if heard.channels == 2:
        return _stereo(heard)
    speech = heard.speech[0]
    gaps = _silences(speech, heard.holds)
    return Measures(
        stereo=False,
        duration=round(heard.duration, 2),
        speech_seconds=_total(speech),
        **_silence_figures(gaps),
        holds=_rounded(heard.holds),
        segments={"any": _rounded(speech)},
    )


def _stereo(heard: Voices) -> Measures:
    agent, customer = heard.speech[AGENT], heard.speech[CUSTOMER]
    everyone = merged(agent + customer)
    overlaps = _overtalk(agent, customer)
    talk = {"agent": _total(agent), "customer": _total(customer)}
    spoken = talk["agent"] + talk["customer"]
    responses = _responses(agent, customer, heard.holds)
    return Measures(
        stereo=True,
        duration=round(heard.duration, 2),
        speech_seconds=_total(everyone),
        talk_seconds=talk,
        talk_ratio=round(talk["agent"] / spoken, 3) if spoken else None,
        overtalk_count=sum(1 for o in overlaps if o.end - o.start >= OVERTALK_EVENT),
        overtalk_seconds=round(sum(o.end - o.start for o in overlaps), 2),
        overtalk_longest=round(max((o.end - o.start for o in overlaps), default=0.0), 2),
        overtalk=[o for o in overlaps if o.end - o.start >= OVERTALK_EVENT],
        **_silence_figures(_silences(everyone, heard.holds)),
        longest_monologue=_longest_monologue(agent, customer),
        response_median=round(median(responses), 2) if responses else None,
        response_p90=round(_quantile(responses, 0.9), 2) if responses else None,
        first_word=round(agent[0][0], 2) if agent else None,
        holds=_rounded(heard.holds),
        segments={"agent": _rounded(agent), "customer": _rounded(customer)},
    )


def _total(spans: list[Span]) -> float:
    return round(sum(end - start for start, end in spans), 2)


def _rounded(spans: list[Span]) -> list[Span]:
    return [(round(s, 2), round(e, 2)) for s, e in spans]


def _overtalk(agent: list[Span], customer: list[Span]) -> list[Overtalk]:
    found, i, j = [], 0, 0
    while i < len(agent) and j < len(customer):
        (a0, a1), (c0, c1) = agent[i], customer[j]
        start, end = max(a0, c0), min(a1, c1)
        if start < end:
            # Whoever was already speaking was talked over by the one who began later.
            found.append(
                Overtalk(round(start, 2), round(end, 2), "customer" if c0 > a0 else "agent")
            )
        if a1 < c1:
            i += 1
        else:
            j += 1
    return found


def _silences(speech: list[Span], holds: list[Span]) -> list[Span]:
    gaps = [(a[1], b[0]) for a, b in zip(speech, speech[1:], strict=False)]
    gaps = [g for g in gaps if g[1] - g[0] >= IGNORED_GAP]
    return [g for g in gaps if not any(h[0] < g[1] and g[0] < h[1] for h in holds)]


def _silence_figures(gaps: list[Span]) -> dict:
    return {
        "silences": {
            f"{band:g}": sum(1 for s, e in gaps if e - s > band) for band in SILENCE_BANDS
        },
        "dead_air": _rounded([g for g in gaps if g[1] - g[0] >= DEAD_AIR_EVENT]),
        "longest_silence": round(max((e - s for s, e in gaps), default=0.0), 2),
    }


def _longest_monologue(agent: list[Span], customer: list[Span]) -> float:
    longest, current = 0.0, None
    for start, end in agent:
        interrupted = current is not None and any(
            c0 < start and c1 > current[1] for c0, c1 in customer
        )
        if current and start - current[1] < MONOLOGUE_PAUSE and not interrupted:
            current = (current[0], end)
        else:
            current = (start, end)
        longest = max(longest, current[1] - current[0])
    return round(longest, 2)


def _responses(agent: list[Span], customer: list[Span], holds: list[Span]) -> list[float]:
    """For each time the customer stops and the agent speaks next (before the
    customer again, and not after a hold, which the hold's own figures tell): how
    long the agent took."""
    waits = []
    starts = [a[0] for a in agent]
    for index, (_c0, c1) in enumerate(customer):
        following = next((s for s in starts if s >= c1), None)
        if following is None:
            continue
        customer_again = customer[index + 1][0] if index + 1 < len(customer) else None
        held = any(c1 <= h0 < following for h0, _h1 in holds)
        if (customer_again is None or following < customer_again) and not held:
            waits.append(following - c1)
    return waits


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
