"""Each measure's math with hand-computed examples, targets, and bounded queries."""

from datetime import date, timedelta

import pytest

from portal.core.models import utcnow
from portal.core.roles import Role
from portal.kpi import sheets, targets
from portal.kpi.models import OutcomeRecord
from portal.kpi.periods import Period, containing, last_n

DAY = date(2026, 11, 10)
NOVEMBER = containing("month", DAY)


def _records(db, agent, **columns):
    """One record per position of the given lists (None where a list is short)."""
    count = max(len(v) for v in columns.values())
    for i in range(count):
        db.session.add(
            OutcomeRecord(
                record_key=f"{agent.id}-{i}-{sorted(columns)}",
                agent_id=agent.id,
                occurred_on=DAY,
                **{k: (v[i] if i < len(v) else None) for k, v in columns.items()},
            )
        )
    db.session.commit()


def _values(agent):
    return sheets.sheet_values([agent.id], NOVEMBER, DAY)[agent.id]


def test_nps_is_promoters_minus_detractors(make, db):
    agent = make.user(Role.AGENT)
    _records(db, agent, nps=[10, 9, 8, 7, 6, 0])  # 2 promoters, 2 detractors of 6
    assert _values(agent)["nps"] == pytest.approx(0)
    other = make.user(Role.AGENT)
    _records(db, other, nps=[10, 10, 9, 5])  # 75 % − 25 %
    assert _values(other)["nps"] == pytest.approx(50)


def test_no_answers_means_no_value_not_zero(make, db):
    agent = make.user(Role.AGENT)
    _records(db, agent, first_response_seconds=[30])  # a record without survey answers
    values = _values(agent)
    assert values["nps"] is None and values["csat"] is None and values["complaint_rate"] is None
    assert values["review_count"] == 0 and values["review_score"] is None


def test_csat_is_the_share_of_four_and_five(make, db):
    agent = make.user(Role.AGENT)
    _records(db, agent, csat=[5, 4, 3, 1])
    assert _values(agent)["csat"] == pytest.approx(50)


def test_medians_odd_even_and_ties(make, db):
    odd, even, ties = make.user(Role.AGENT), make.user(Role.AGENT), make.user(Role.AGENT)
    _records(db, odd, first_response_seconds=[30, 10, 20], handling_seconds=[100])
    _records(db, even, first_response_seconds=[10, 40])
    _records(db, ties, first_response_seconds=[10, 20, 20, 40], handling_seconds=[60, 60, 300])
    assert _values(odd)["frt_median"] == 20 and _values(odd)["frt_mean"] == 20
    assert _values(odd)["atht_median"] == 100
    assert _values(even)["frt_median"] == 25
    assert _values(ties)["frt_median"] == 20 and _values(ties)["frt_mean"] == 22.5
    assert _values(ties)["atht_median"] == 60 and _values(ties)["atht_mean"] == 140


def test_rates_count_only_records_that_say_yes_or_no(make, db):
    agent = make.user(Role.AGENT)
    _records(db, agent, complaint=[True, False, None, False], returned=[False, False])
    values = _values(agent)
    assert values["complaint_rate"] == pytest.approx(100 / 3)
    assert values["return_rate"] == 0 and values["recontact_rate"] is None


def test_an_empty_period_has_no_values(make, db):
    agent = make.user(Role.AGENT)
    _records(db, agent, nps=[10])
    october = containing("month", date(2026, 10, 5))
    values = sheets.sheet_values([agent.id], october, DAY)[agent.id]
    assert values["nps"] is None and values["review_count"] == 0


def test_review_measures_count_regular_submitted_reviews_of_the_period(make, db):
    from reviews.models import CALIBRATION, Interaction, Review, Rubric, RubricVersion

    agent, lead = make.user(Role.AGENT), make.user(Role.SUPERVISOR)
    rubric = Rubric(slug="r", title="R", state="published", published_version=1)
    db.session.add(rubric)
    db.session.flush()
    version = RubricVersion(
        rubric_id=rubric.id, version=1, title="R", structure={}, pass_percent=70
    )
    call = Interaction(agent_id=agent.id, channel="phone", occurred_at=utcnow())
    db.session.add_all([version, call])
    db.session.flush()
    inside = NOVEMBER.utc_bounds()[0] + timedelta(days=3)
    for score, passed, critical, kind, when in (
        (80, True, False, "regular", inside),
        (60, False, True, "regular", inside),
        (10, False, True, CALIBRATION, inside),  # never counts
        (99, True, False, "regular", inside - timedelta(days=40)),  # another month
    ):
        db.session.add(
            Review(
                interaction_id=call.id,
                rubric_version_id=version.id,
                reviewer_id=lead.id,
                agent_id=agent.id,
                kind=kind,
                state="submitted",
                score=score,
                passed=passed,
                critical_failed=critical,
                submitted_at=when,
            )
        )
    db.session.commit()
    values = _values(agent)
    assert values["review_count"] == 2 and values["review_score"] == pytest.approx(70)
    assert values["pass_rate"] == pytest.approx(50) and values["critical_fails"] == 1


def test_targets_default_company_and_team_overrides(make, db):
    team = make.team()
    admin = make.user(Role.ADMIN)
    assert targets.targets_for([team.id])[team.id]["csat"] == 80
    targets.set_target("csat", None, 85, by=admin)
    targets.set_target("csat", team.id, 90, by=admin)
    goals = targets.targets_for([team.id])
    assert goals[None]["csat"] == 85 and goals[team.id]["csat"] == 90
    targets.set_target("csat", team.id, None, by=admin)  # back to the company's
    assert targets.targets_for([team.id])[team.id]["csat"] == 85


def test_status_against_the_target():
    assert targets.status("csat", 81, 80) == "met"
    assert targets.status("csat", 76, 80) == "near"
    assert targets.status("csat", 70, 80) == "missed"
    assert targets.status("frt_median", 290, 300) == "met"  # lower is better
    assert targets.status("frt_median", 320, 300) == "near"  # within a tenth
    assert targets.status("frt_median", 400, 300) == "missed"
    assert targets.status("nps", None, 30) is None


def test_periods():
    assert containing("week", date(2026, 11, 25)) == Period(
        "week", date(2026, 11, 23), date(2026, 11, 29)
    )
    assert containing("quarter", date(2026, 11, 25)) == Period(
        "quarter", date(2026, 10, 1), date(2026, 12, 31)
    )
    assert containing("month", date(2026, 12, 31)).end == date(2026, 12, 31)
    months = last_n(containing("month", date(2026, 2, 10)), 3)
    assert [p.start for p in months] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_the_team_page_issues_a_bounded_number_of_queries(login_as, make, db, count_queries):
    team = make.team()
    lead = login_as(make.user(Role.SUPERVISOR, leads=[team]))

    def statements():
        with count_queries() as found:
            assert lead.get("/kpi/team?period=month&ref=2026-11-10").status_code == 200
        return len(found)

    for _ in range(3):
        agent = make.user(Role.AGENT, team=team)
        _records(db, agent, nps=[9], first_response_seconds=[20])
    few = statements()
    for _ in range(30):
        agent = make.user(Role.AGENT, team=team)
        _records(db, agent, nps=[3], first_response_seconds=[50])
    assert statements() == few


def test_the_targets_page_edits_the_scope_it_names_and_takes_mm_ss(login_as, make, db):
    team = make.team("Nhóm Tư vấn")
    hr = login_as("hr")
    page = hr.get(f"/kpi/targets?team={team.id}").get_data(as_text=True)
    assert "Nhóm Tư vấn" in page.split("Đổi mục tiêu của")[1]
    saved = hr.post(f"/kpi/targets?team={team.id}", {"frt_median": "04:00", "nps": "35"})
    assert saved.status_code == 303
    goals = targets.targets_for([team.id])
    assert goals[team.id]["frt_median"] == 240 and goals[team.id]["nps"] == 35
    assert goals[None]["nps"] == 30  # the company's is untouched
    bad = hr.post(f"/kpi/targets?team={team.id}", {"nps": "nhiều"})
    assert bad.status_code == 422 and 'value="nhiều"' in bad.get_data(as_text=True)
    assert login_as("supervisor").post("/kpi/targets", {"nps": "1"}).status_code == 403


def test_the_agent_sheet_issues_a_bounded_number_of_queries(login_as, make, db, count_queries):
    agent = make.user(Role.AGENT, team=make.team())
    me = login_as(agent)

    def statements():
        with count_queries() as found:
            assert me.get(f"/kpi/agents/{agent.id}?period=month&ref=2026-11-10").status_code == 200
        return len(found)

    _records(db, agent, nps=[9], csat=[5], first_response_seconds=[20])
    few = statements()
    for n in range(40):
        db.session.add(
            OutcomeRecord(
                record_key=f"more-{n}",
                agent_id=agent.id,
                occurred_on=DAY - timedelta(days=n),
                nps=n % 11,
                csat=1 + n % 5,
                first_response_seconds=n * 7,
            )
        )
    db.session.commit()
    assert statements() == few


def test_a_refused_target_saves_none_of_the_others_and_says_which(login_as, make, db):
    team = make.team("Nhóm Hậu mãi")
    hr = login_as("hr")
    before = targets.targets_for([team.id])[team.id]
    bad = hr.post(
        f"/kpi/targets?team={team.id}",
        {"nps": "40", "csat": "99999999", "frt_median": "<script>alert(1)</script>"},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Chưa lưu gì" in page and "nằm ngoài khoảng cho phép" in page
    assert "<script>alert(1)</script>" not in page  # what was typed comes back escaped
    assert 'value="40"' in page  # the valid field keeps what was typed too
    assert targets.targets_for([team.id])[team.id] == before


def test_targets_take_a_decimal_comma(login_as, make, db):
    team = make.team()
    hr = login_as("hr")
    assert hr.post(f"/kpi/targets?team={team.id}", {"csat": "87,5"}).status_code == 303
    assert targets.targets_for([team.id])[team.id]["csat"] == 87.5
