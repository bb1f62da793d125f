"""The analysis against the truth of 30 generated calls: talk time per party within
3 %, overtalk of 1 s or more and dead air of 5 s or more found with precision and
recall of at least 0.9, holds found, echo not heard as a second talker."""

from autoqa.analysis import analyse
from autoqa.synth import agreement

OVERTALK_MIN, DEAD_AIR_MIN = 1.0, 5.0


def test_thirty_generated_calls_are_measured_as_they_were_made(generated_calls):
    talk_errors, overtalk, dead_air, holds = [], [], [], []
    for call, path in generated_calls:
        measured = analyse(path)
        assert measured.stereo
        for party in ("agent", "customer"):
            truth = call.truth.talk(party)
            talk_errors.append(abs(measured.talk_seconds[party] - truth) / truth)
        overtalk.append(
            (
                [(o.start, o.end) for o in measured.overtalk],
                [t for t in call.truth.overtalk if t[1] - t[0] >= OVERTALK_MIN],
            )
        )
        dead_air.append(
            (measured.dead_air, [t for t in call.truth.dead_air if t[1] - t[0] >= DEAD_AIR_MIN])
        )
        holds.append((measured.holds, call.truth.holds))
    assert max(talk_errors) <= 0.03, sorted(talk_errors)[-5:]
    precision, recall, found, true = agreement(overtalk)
    assert true >= 10 and precision >= 0.9 and recall >= 0.9, (precision, recall, found, true)
    precision, recall, found, true = agreement(dead_air)
    assert true >= 10 and precision >= 0.9 and recall >= 0.9, (precision, recall, found, true)
    precision, recall, found, true = agreement(holds)
    assert true >= 10 and precision >= 0.9 and recall >= 0.9, (precision, recall, found, true)
