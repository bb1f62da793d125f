"""How far to trust each automatic check: per criterion, the share of reviews whose
final value equals the suggestion and Krippendorff's alpha between the machine and
the people, on the rubric's page and in calibration results."""

import pytest

from portal.core.models import utcnow
from portal.core.roles import Role
from reviews import agreement, calibration, reviewing
from tests.factories import every_criterion

CALLS = ("hai-kenh-tu-van-ro-rang", "hai-kenh-khong-nen-noi", "hai-kenh-thieu-loi-chao")


@pytest.fixture
def reviewed(make, team):
    """The three demo calls, each reviewed with 3 on every 1–3/1–5 criterion and yes on
    yes/no: the suggestions were opening 3, 3, 1 and closing 3, 2, 1."""
    for name in CALLS:
        make.review(make.demo_call(team["agent"], name, by=team["lead"]), team["lead"])
    return make.rubric()


def test_the_rubric_page_says_how_often_each_suggestion_was_kept(db, reviewed, login_as, team):
    lines = {line.key: line for line in agreement.of_rubric(reviewed)}
    opening, closing = lines["chao-hoi-xac-minh"], lines["ket-thuc-buoc-tiep"]
    assert (opening.n, opening.equal) == (3, pytest.approx(2 / 3))
    assert (closing.n, closing.equal) == (3, pytest.approx(1 / 3))
    assert lines["xu-ly-tinh-huong"].n == 1 and lines["xu-ly-tinh-huong"].equal == 0
    assert lines["lang-nghe"].n == 0 and lines["lang-nghe"].alpha is None  # never suggested
    # The reviewer always gave 3: no variation on their side, so alpha says no better
    # than chance rather than the 67 % the share alone suggests.
    assert opening.alpha is not None and opening.alpha <= 0
    page = login_as(team["lead"]).get("/reviews/rubrics/goi-dien").get_data(as_text=True)
    assert "Tin được từng kiểm tra tự động đến đâu" in page
    assert "67%" in page and "33%" in page and "có gợi ý tự động" in page


def test_calibration_counts_the_machine_as_one_more_reviewer(db, make, team, login_as):
    version = make.rubric()
    call = make.demo_call(team["agent"], "hai-kenh-thieu-loi-chao", by=team["lead"])
    second = make.user(Role.SUPERVISOR, leads=[team["team"]], name="Giám Sát Hai")
    session = calibration.create_session(
        "Tuần 49", version, [call], [team["lead"].id, second.id], benchmark_id=None, by=team["lead"]
    )
    # The lead agrees with the missing greeting (1); the second reviewer does not (3).
    for review in calibration.reviews_of(session):
        low = review.reviewer_id == team["lead"].id
        values = every_criterion(
            version, lambda c, low=low: 1 if c["scale"] == "yes_no" or low else 3
        )
        reviewing.save_draft(review, values, fields={}, summary="", lock_version=1, now=utcnow())
        reviewing.submit(review, now=utcnow())
    results = calibration.results(session)
    opening = next(line for line in results.checks if line.key == "chao-hoi-xac-minh")
    assert (opening.n, opening.equal) == (2, 0.5)
    page = login_as(team["lead"]).get(f"/reviews/calibration/{session.id}").get_data(as_text=True)
    assert "Tin được từng kiểm tra tự động đến đâu" in page and "50%" in page
