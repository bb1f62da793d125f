"""The measures of a call from who spoke when, on hand-made timelines."""

import pytest

from autoqa.metrics import measure
from autoqa.voice import Voices


def _stereo(agent, customer, holds=(), duration=60.0):
    return measure(Voices(2, duration, [list(agent), list(customer)], list(holds)))


def test_overtalk_is_counted_and_names_who_talked_over_whom():
    found = _stereo([(0, 5), (10, 12)], [(4, 7), (11.5, 13)])
    assert [(o.start, o.end, o.started_by) for o in found.overtalk] == [(4, 5, "customer")]
    assert found.overtalk_count == 1  # the half second at 11.5 is no event
    assert found.overtalk_seconds == 1.5 and found.overtalk_longest == 1.0
    eager = _stereo([(3, 6)], [(0, 4)])
    assert [(o.start, o.end, o.started_by) for o in eager.overtalk] == [(3, 4, "agent")]


def test_silences_ignore_short_gaps_and_holds_and_fall_into_bands():
    found = _stereo([(0, 2), (3.5, 5), (9, 10), (25, 26), (32, 33)], [(5.5, 6)], holds=[(12, 24)])
    # Gaps: 1.5 s (ignored), 0.5 s, 3 s, 15 s (the hold), 6 s.
    assert found.silences == {"3": 1, "5": 1, "10": 0}
    assert found.dead_air == [(26, 32)] and found.longest_silence == 6.0
    assert found.holds == [(12, 24)]


def test_the_agent_answers_are_timed_and_the_first_word_found():
    found = _stereo([(1, 3), (5, 7), (12, 14)], [(3.5, 4.5), (8, 11)])
    assert found.first_word == 1.0
    assert found.response_median == pytest.approx(0.75)
    assert found.response_p90 == pytest.approx(0.95)
    held = _stereo([(1, 3), (40, 42)], [(3.5, 4.5)], holds=[(6, 38)])
    assert held.response_median is None  # the wait was a hold, measured as one


def test_a_monologue_runs_over_short_pauses_until_the_customer_speaks():
    assert _stereo([(0, 10), (11, 20)], [(30, 31)]).longest_monologue == 20.0
    assert _stereo([(0, 10), (11, 20)], [(10.2, 10.8)]).longest_monologue == 10.0


def test_talk_time_and_ratio():
    found = _stereo([(0, 30)], [(31, 41)])
    assert found.talk_seconds == {"agent": 30.0, "customer": 10.0}
    assert found.talk_ratio == 0.75 and found.speech_seconds == 40.0


def test_a_mono_call_has_speech_and_silence_but_no_parties():
    found = measure(Voices(1, 30.0, [[(0, 5), (12, 20)]], []))
    assert not found.stereo and found.talk_seconds is None and found.talk_ratio is None
    assert found.overtalk_count is None and found.first_word is None
    assert found.speech_seconds == 13.0 and found.dead_air == [(5, 12)]
