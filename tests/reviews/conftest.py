"""A team, the built-in call rubric, and a recorded call to review."""

from pathlib import Path

import pytest

from portal.core.models import utcnow
from portal.core.roles import Role
from reviews import recordings, reviewing
from reviews.models import Rubric
from reviews.rubrics import criteria_of, load_rubric_pack, published
from reviews.scoring import Given

SAMPLES = Path(__file__).resolve().parents[2] / "content" / "recordings"


@pytest.fixture
def call_rubric(db):
    load_rubric_pack()
    return published(db.session.query(Rubric).filter_by(slug="goi-dien").one())


@pytest.fixture
def team(make):
    team = make.team("Nhóm Hậu mãi")
    return {
        "team": team,
        "lead": make.user(Role.SUPERVISOR, leads=[team], name="Lê Giám Sát"),
        "agent": make.user(Role.AGENT, team=team, name="Đỗ Văn Hùng"),
    }


@pytest.fixture
def call(team, db):
    with open(SAMPLES / "goi-cut-lun-hung.wav", "rb") as stream:
        audio = recordings.check_audio(stream, max_bytes=1_000_000)
    interaction = recordings.create_interaction(
        recordings.InteractionInput(
            agent_id=team["agent"].id,
            channel="phone",
            occurred_at=utcnow(),
            transcript="Nhân viên: Alô.\nKhách: Tôi muốn đổi sản phẩm.",
        ),
        audio,
        by=team["lead"],
    )
    db.session.commit()
    return interaction


def every_criterion(version, value_for=lambda c: 1 if c["scale"] == "yes_no" else 3):
    return {k: Given(value_for(c)) for k, c in criteria_of(version.structure).items()}


@pytest.fixture
def submitted(call, call_rubric, team, db):
    """A review of the call by the team's supervisor, submitted."""
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    reviewing.save_draft(
        review, every_criterion(call_rubric), fields={}, summary="", lock_version=1, now=utcnow()
    )
    reviewing.submit(review, now=utcnow())
    return review
