"""A team, the built-in call rubric, and a recorded call to review."""

from pathlib import Path

import pytest

from portal.core.roles import Role
from tests.factories import every_criterion  # noqa: F401 (some tests import it from here)

SAMPLES = Path(__file__).resolve().parents[2] / "content" / "recordings"


@pytest.fixture
def call_rubric(make):
    return make.rubric("goi-dien")


@pytest.fixture
def team(make):
    team = make.team("Nhóm Hậu mãi")
    return {
        "team": team,
        "lead": make.user(Role.SUPERVISOR, leads=[team], name="Lê Giám Sát"),
        "agent": make.user(Role.AGENT, team=team, name="Đỗ Văn Hùng"),
    }


@pytest.fixture
def call(team, make):
    """A recorded call of the team's agent, uploaded by their supervisor."""
    return make.interaction(
        team["agent"],
        by=team["lead"],
        transcript="Nhân viên: Alô.\nKhách: Tôi muốn đổi sản phẩm.",
    )


@pytest.fixture
def submitted(call, call_rubric, team, make):
    """A review of the call by the team's supervisor, submitted."""
    return make.review(call, team["lead"], rubric=call_rubric)
