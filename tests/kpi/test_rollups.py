"""The rollups give every measure exactly as the raw rows do: for random reviews,
scores, disputes and outcomes, random periods and random groups of agents, after
changes and deletions, and after a rebuild from scratch."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.core.models import local_midnight
from portal.core.roles import Role
from portal.kpi import outcome_measures as raw_outcomes
from portal.kpi import review_measures as raw_reviews
from portal.kpi import rollup_measures, rollups
from portal.kpi.models import CriterionDay, OutcomeDay, OutcomeRecord, ReviewDay
from portal.kpi.periods import Period
from reviews.models import CriterionScore, Dispute, Review, SectionScore

BASE = date(2026, 10, 1)
DAYS = 40
KEYS = ("chao-hoi", "lang-nghe", "ket-thuc")

review_rows = st.fixed_dictionaries(
    {
        "agent": st.integers(0, 2),
        "day": st.integers(0, DAYS - 1),
        "minute": st.integers(0, 24 * 60 - 1),  # local days begin at 17:00 UTC
        "kind": st.sampled_from(["regular", "regular", "regular", "calibration"]),
        "state": st.sampled_from(["submitted", "acknowledged", "disputed", "in_progress"]),
        "score": st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
        "passed": st.one_of(st.none(), st.booleans()),
        "critical": st.booleans(),
        # Targeted reviews (drawn by a signal) are kept apart: counted only when asked.
        "chosen_for": st.sampled_from([None, "random", "random", "lowest_auto_qa", "detractor"]),
        "criteria": st.dictionaries(
            st.sampled_from(KEYS), st.one_of(st.none(), st.floats(0, 1)), max_size=3
        ),
        "dispute": st.one_of(
            st.none(),
            st.tuples(
                st.integers(0, 5),
                st.sampled_from(["open", "accepted", "partially_accepted", "rejected"]),
            ),
        ),
    }
)
maybe = st.one_of
outcome_rows = st.fixed_dictionaries(
    {
        "agent": st.integers(0, 2),
        "day": st.integers(0, DAYS - 1),
        "nps": maybe(st.none(), st.integers(0, 10)),
        "csat": maybe(st.none(), st.integers(1, 5)),
        "frt": maybe(st.none(), st.integers(0, 600)),
        "atht": maybe(st.none(), st.integers(0, 3600)),
        "complaint": maybe(st.none(), st.booleans()),
        "recontact": maybe(st.none(), st.booleans()),
        "returned": maybe(st.none(), st.booleans()),
    }
)
periods = st.tuples(st.integers(-3, DAYS), st.integers(0, DAYS + 5))
groups = st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True)


@pytest.fixture
def world(make):
    rubric = make.rubric()
    reviewer = make.user(Role.SUPERVISOR)
    call = make.interaction(make.user(Role.AGENT), recording=None)
    return {"rubric": rubric, "reviewer": reviewer, "call": call}


def _add(db, world, agents, reviews, outcomes) -> None:
    for row in reviews:
        moment = local_midnight(BASE + timedelta(days=row["day"])) + timedelta(
            minutes=row["minute"]
        )
        review = Review(
            interaction_id=world["call"].id,
            rubric_version_id=world["rubric"].id,
            reviewer_id=world["reviewer"].id,
            agent_id=agents[row["agent"]].id,
            kind=row["kind"],
            state=row["state"],
            score=row["score"],
            passed=row["passed"],
            critical_failed=row["critical"],
            chosen_for=row.get("chosen_for"),
            submitted_at=None if row["state"] == "in_progress" else moment,
        )
        for key, percent in row["criteria"].items():
            review.scores.append(
                CriterionScore(section_key="s", criterion_key=key, percent=percent)
            )
            review.sections.append(SectionScore(section_key=key, percent=percent and percent * 100))
        db.session.add(review)
        if row["dispute"] is not None:
            db.session.flush()
            later, state = row["dispute"]
            db.session.add(
                Dispute(
                    review_id=review.id,
                    raised_by_id=agents[row["agent"]].id,
                    raised_at=moment + timedelta(days=later),
                    state=state,
                )
            )
    for i, row in enumerate(outcomes):
        db.session.add(
            OutcomeRecord(
                record_key=f"{agents[0].id}-{i}",
                agent_id=agents[row["agent"]].id,
                occurred_on=BASE + timedelta(days=row["day"]),
                nps=row["nps"],
                csat=row["csat"],
                first_response_seconds=row["frt"],
                handling_seconds=row["atht"],
                complaint=row["complaint"],
                recontact=row["recontact"],
                returned=row["returned"],
            )
        )
    db.session.commit()


def _approx(value):
    if isinstance(value, dict):
        return {k: _approx(v) for k, v in value.items()}
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-9)
    return value


def _as_dicts(averages):
    return {agent: {key: (mean, n) for key, mean, n in rows} for agent, rows in averages.items()}


def _same_measures(ids, period) -> None:
    """Every measure from the rollups equals the raw computation."""
    assert rollup_measures.review_measures(ids, period) == _approx(
        raw_reviews.review_measures(ids, period)
    )
    assert rollup_measures.review_measures(ids, period, with_targeted=True) == _approx(
        raw_reviews.review_measures(ids, period, with_targeted=True)
    )
    assert rollup_measures.outcome_measures(ids, period) == _approx(
        raw_outcomes.outcome_measures(ids, period)
    )
    for rollup_fn, raw_fn in (
        (rollup_measures.criterion_averages, raw_reviews.criterion_averages),
        (rollup_measures.section_averages, raw_reviews.section_averages),
    ):
        expected = _as_dicts(raw_fn(ids, period))
        got = _as_dicts(rollup_fn(ids, period))
        assert got.keys() == expected.keys()
        for agent in expected:
            assert got[agent] == {
                k: (pytest.approx(m, rel=1e-9, abs=1e-9), n)
                for k, (m, n) in expected[agent].items()
            }


def _same_trend(ids, last) -> None:
    """The trend (several periods in one pass) equals each period computed alone."""
    length = last.end - last.start
    periods = [
        Period(
            "custom",
            last.start - (length + timedelta(days=1)) * k,
            last.end - (length + timedelta(days=1)) * k,
        )
        for k in (2, 1, 0)
    ]
    together = rollup_measures.trend_values(ids, periods)
    for index, period in enumerate(periods):
        reviews = raw_reviews.review_measures(ids, period)
        outcomes = raw_outcomes.outcome_measures(ids, period)
        for agent in ids:
            alone = {**reviews.get(agent, {}), **outcomes.get(agent, {})}
            expected = {c: alone.get(c) for c in ("review_score", "nps", "csat", "frt_median")}
            got = {c: together.get((agent, index), {}).get(c) for c in expected}
            assert got == _approx(expected)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    reviews=st.lists(review_rows, max_size=12),
    outcomes=st.lists(outcome_rows, max_size=20),
    asked=st.lists(st.tuples(periods, groups), min_size=1, max_size=3),
    changes=st.lists(st.integers(0, 100), max_size=4),
)
def test_every_measure_from_the_rollups_equals_the_raw_rows(
    db, make, world, reviews, outcomes, asked, changes
):
    agents = [make.user(Role.AGENT) for _ in range(3)]
    _add(db, world, agents, reviews, outcomes)

    def check():
        for (start, length), group in asked:
            period = Period(
                "custom", BASE + timedelta(days=start), BASE + timedelta(days=start + length)
            )
            _same_measures([agents[i].id for i in group], period)
            _same_trend([agents[i].id for i in group], period)

    check()
    # Later changes: a score corrected after a dispute, a dispute decided, a review
    # moved to another day or taken back, an outcome removed.
    saved = db.session.query(Review).filter(Review.agent_id.in_([a.id for a in agents])).all()
    records = (
        db.session.query(OutcomeRecord)
        .filter(OutcomeRecord.agent_id.in_([a.id for a in agents]))
        .all()
    )
    for n in changes:
        if saved:
            review = saved[n % len(saved)]
            review.score = (review.score or 0) / 2 + n % 7
            if n % 3 == 0 and review.submitted_at is not None:
                review.submitted_at = review.submitted_at + timedelta(days=n % 5 - 2)
            if n % 4 == 1:
                review.state = "in_progress"
            for dispute in db.session.query(Dispute).filter_by(review_id=review.id):
                dispute.state = "accepted" if n % 2 else "rejected"
            if review.scores and n % 5 == 2:
                db.session.delete(review.scores[0])
        if records and n % 2:
            db.session.delete(records.pop(n % len(records)))
        db.session.commit()
    check()

    ids = [a.id for a in agents]
    before = _rows(ids)
    rollups.rebuild()
    db.session.commit()
    assert _rows(ids) == before  # kept as the data changed = made again from scratch


def _rows(ids):
    found = []
    for model in (ReviewDay, CriterionDay, OutcomeDay):
        for row in db_rows(model, ids):
            found.append(row)
    return sorted(found, key=repr)


def db_rows(model, ids):
    from portal.core.extensions import db

    columns = [c.name for c in model.__table__.columns]
    return [
        tuple(round(v, 6) if isinstance(v, float) else v for v in (getattr(r, c) for c in columns))
        for r in db.session.query(model).filter(model.agent_id.in_(ids))
    ]


def test_a_period_reads_a_fixed_number_of_statements_whatever_its_length(
    db, make, world, count_queries
):
    agents = [make.user(Role.AGENT) for _ in range(3)]
    rows = [
        {"agent": i % 3, "day": i % DAYS, "minute": 600, "kind": "regular", "state": "submitted"}
        | {"score": 80.0, "passed": True, "critical": False, "criteria": {"chao-hoi": 1.0}}
        | {"dispute": None}
        for i in range(60)
    ]
    _add(db, world, agents, rows, [])
    ids = [a.id for a in agents]
    counts = []
    for length in (1, 10, DAYS):
        period = Period("custom", BASE, BASE + timedelta(days=length))
        with count_queries() as queries:
            rollup_measures.review_measures(ids, period)
            rollup_measures.outcome_measures(ids, period)
            rollup_measures.criterion_averages(ids, period)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_rebuild_rollups_from_the_command_line(runner, db, make, world):
    agents = [make.user(Role.AGENT) for _ in range(3)]
    row = {"agent": 0, "day": 3, "minute": 600, "kind": "regular", "state": "submitted"}
    row |= {"score": 70.0, "passed": False, "critical": True, "criteria": {}, "dispute": None}
    _add(db, world, agents, [row], [])
    db.session.query(ReviewDay).delete()  # as if the rows had been loaded around the portal
    db.session.commit()
    result = runner.invoke(args=["portal", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "rollup_review_days 1" in result.output
    (day,) = db.session.query(ReviewDay).all()
    assert (day.agent_id, day.day, day.reviews, day.critical_fails) == (
        agents[0].id,
        BASE + timedelta(days=3),
        1,
        1,
    )

    db.session.query(ReviewDay).delete()
    db.session.commit()
    queued = runner.invoke(args=["portal", "rebuild-rollups", "--queue"])
    assert queued.exit_code == 0 and "(done)" in queued.output  # tests run jobs at once
    assert db.session.query(ReviewDay).count() == 1


def test_two_reviews_of_one_agent_committed_at_once_both_count(app, db, make, world):
    """Two supervisors submitting at the same moment: both commits refresh the same
    agent-day, one after the other (PostgreSQL runs them truly at once)."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no race to lose")
    agent = make.user(Role.AGENT)
    ids = {k: world[k].id for k in ("rubric", "reviewer", "call")}
    moment = local_midnight(BASE) + timedelta(hours=10)
    both_flushed = threading.Barrier(2, timeout=30)
    failures = []

    def submit():
        with app.app_context():
            try:
                db.session.add(
                    Review(
                        interaction_id=ids["call"],
                        rubric_version_id=ids["rubric"],
                        reviewer_id=ids["reviewer"],
                        agent_id=agent.id,
                        state="submitted",
                        score=90.0,
                        submitted_at=moment,
                    )
                )
                db.session.flush()
                both_flushed.wait()
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                failures.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    db.session.expire_all()
    (day,) = db.session.query(ReviewDay).filter_by(agent_id=agent.id).all()
    assert day.reviews == 2 and day.score_sum == 180.0
