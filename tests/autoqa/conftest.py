"""Generated calls with known answers (autoqa/synth.py), made once per run."""

import os

import pytest

from autoqa import synth

CALLS = 30


def _need_espeak():
    if synth.available():
        return
    if os.environ.get("PORTAL_REQUIRE_ESPEAK"):  # CI installs it: missing is a failure
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)")
    pytest.skip("espeak-ng is not installed")


@pytest.fixture(scope="session")
def generated_calls(tmp_path_factory):
    """[(call, path of its stereo WAV)] for CALLS seeds."""
    _need_espeak()
    folder = tmp_path_factory.mktemp("calls")
    made = []
    for seed in range(CALLS):
        call = synth.random_call(seed).render(seed=seed, **synth.line_conditions(seed))
        made.append((call, call.write(folder / f"call-{seed}.wav")))
    return made


@pytest.fixture(scope="session")
def one_call(generated_calls):
    return generated_calls[3]


@pytest.fixture
def team(make):
    from portal.core.roles import Role

    team = make.team("Nhóm Hậu mãi")
    return {
        "team": team,
        "agent": make.user(Role.AGENT, team=team),
        "lead": make.user(Role.SUPERVISOR, leads=[team]),
    }
