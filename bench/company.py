"""A generated contact centre for the page and export benchmarks.

`build()` fills an empty database: the demo content and demo team first (through
`setup_demo`, the project's own path), then N agents in 10 teams, each team with
its supervisor, over one quarter: `reviews_per_week` submitted reviews per agent
(every criterion and section of the built-in call rubric scored by the project's
own scoring), three customer-outcome records per agent per day, a queue of
unscored reviews and a few open disputes per supervisor. The bulk rows go in by
Core inserts, which bypass the ORM hooks that keep the KPI rollups, so the rollups
are rebuilt from the raw rows afterwards (`portal.kpi.rollups.rebuild`), as an
operator would after a bulk load; PostgreSQL then gets ANALYZE.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import text as db_text

QUARTER_START = date(2026, 7, 1)
QUARTER_END = date(2026, 9, 30)
PASSWORD = "bench-password-2026"  # the generated supervisors' and agents' password
TEAMS = 10
QUEUED_PER_SUPERVISOR = 40
DISPUTES_PER_TEAM = 5
CHUNK = 5000


@dataclass
class Company:
    agents: int
    reviews: int = 0
    criterion_scores: int = 0
    section_scores: int = 0
    outcomes: int = 0
    rollups: dict = field(default_factory=dict)
    logins: dict = field(default_factory=dict)  # role -> (email, password)
    ids: dict = field(default_factory=dict)  # what the pages need: agent, review, attempt, team

    def describe(self) -> str:
        return (
            f"{self.agents} agents in {TEAMS} teams, {self.reviews:,} reviews, "
            f"{self.criterion_scores:,} criterion scores, {self.section_scores:,} section scores, "
            f"{self.outcomes:,} outcome records"
        )


class _Bulk:
    """Rows gathered per table and written by Core inserts, CHUNK at a time; every
    table at once, in the order first seen, so parents land before children."""

    def __init__(self, session):
        self.session, self.rows, self.written = session, {}, {}

    def add(self, model, row: dict) -> None:
        rows = self.rows.setdefault(model, [])
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        from sqlalchemy import insert

        for each in list(self.rows):
            rows = self.rows.get(each) or []
            if rows:
                self.session.execute(insert(each), rows)
                self.written[each] = self.written.get(each, 0) + len(rows)
            self.rows[each] = []


def _people(session, agents: int, rng: random.Random):
    from portal.accounts.models import Team, User
    from portal.accounts.services import set_password

    teams = [Team(name=f"Nhóm {n + 1:02d}", description="") for n in range(TEAMS)]
    session.add_all(teams)
    leads = []
    for n, team in enumerate(teams):
        lead = User(email=f"lead{n}@bench.local", name=f"Giám sát {n + 1:02d}", role="supervisor")
        lead.led_teams = [team]
        leads.append(lead)
    set_password(leads[0], PASSWORD)
    people = []
    for n in range(agents):
        person = User(
            email=f"agent{n}@bench.local",
            name=f"Nhân viên {n:04d} {rng.choice(['Lan', 'Hùng', 'Anh', 'Thắng', 'Đức', 'Yến'])}",
            role="agent",
            team=teams[n % TEAMS],
            hire_date=QUARTER_START - timedelta(days=rng.randint(30, 900)),
        )
        people.append(person)
    set_password(people[0], PASSWORD)
    session.add_all(leads + people)
    session.flush()
    return teams, leads, people


def _scored(version, criteria, rng):
    from reviews.scoring import SCALES, Given, score

    given = {}
    for key, c in criteria.items():
        low, high = SCALES[c["scale"]]
        given[key] = Given(high if rng.random() < 0.8 else rng.randint(low, high))
    return given, score(version.structure, given, version.pass_percent)


def _call(bulk, interaction_id: int, person, when: datetime, **columns) -> None:
    from reviews.models import Interaction

    bulk.add(
        Interaction,
        {"id": interaction_id, "agent_id": person.id, "occurred_at": when, **columns},
    )


def _reviews(bulk, company, version, criteria, leads, people, per_week, rng, after):
    """A quarter of submitted reviews per agent, then each supervisor's queue.
    `after`: the last (interaction, review) ids already taken (the demo's): Core
    inserts number their rows themselves."""
    from reviews.models import CriterionScore, Review, SectionScore

    interaction_id, review_id = after
    weeks = ((QUARTER_END - QUARTER_START).days + 1) // 7
    for n, person in enumerate(people):
        lead = leads[n % TEAMS]
        for week in range(weeks):
            for _ in range(per_week):
                when = datetime(2026, 7, 1, 2, 0) + timedelta(
                    days=7 * week + rng.randint(0, 4), minutes=rng.randint(0, 600)
                )
                interaction_id += 1
                _call(
                    bulk,
                    interaction_id,
                    person,
                    when,
                    channel=rng.choice(["phone", "phone", "chat", "email"]),
                    duration_seconds=rng.randint(60, 1500),
                    customer_ref=f"KH-{rng.randint(10000, 99999)}",
                )
                given, result = _scored(version, criteria, rng)
                review_id += 1
                bulk.add(
                    Review,
                    {
                        "id": review_id,
                        "interaction_id": interaction_id,
                        "rubric_version_id": version.id,
                        "reviewer_id": lead.id,
                        "agent_id": person.id,
                        "kind": "regular",
                        "state": "acknowledged",
                        "lock_version": 2,
                        "score": result.percent,
                        "passed": result.passed,
                        "critical_failed": result.critical is not None,
                        "field_values": {},
                        "summary": "Gọi đúng quy trình, cần chủ động gợi ý thêm.",
                        "created_at": when,
                        "submitted_at": when + timedelta(days=1),
                    },
                )
                for section_key, percent in result.sections.items():
                    bulk.add(
                        SectionScore,
                        {"review_id": review_id, "section_key": section_key, "percent": percent},
                    )
                for key, g in given.items():
                    bulk.add(
                        CriterionScore,
                        {
                            "review_id": review_id,
                            "section_key": criteria[key]["section"],
                            "criterion_key": key,
                            "value": g.value,
                            "na": False,
                            "percent": result.criteria[key],
                            "note": "",
                        },
                    )
    company.reviews = review_id - after[1]
    for n, lead in enumerate(leads):
        team_people = people[n::TEAMS]
        for k in range(QUEUED_PER_SUPERVISOR):
            person = team_people[k % len(team_people)]
            interaction_id += 1
            review_id += 1
            when = datetime(2026, 9, 29, 1, 0) + timedelta(minutes=13 * k)
            _call(
                bulk,
                interaction_id,
                person,
                when,
                channel="phone",
                duration_seconds=300 + k,
                customer_ref=f"KH-Q{k}",
                transcript="Nhân viên: Dạ em chào anh, em là Lan bên chăm sóc khách hàng.",
            )
            bulk.add(
                Review,
                {
                    "id": review_id,
                    "interaction_id": interaction_id,
                    "rubric_version_id": version.id,
                    "reviewer_id": lead.id,
                    "agent_id": person.id,
                    "state": "assigned",
                    "created_at": when,
                },
            )
    bulk.flush()
    return review_id


def _disputes(session, leads, people, criterion_key):
    from sqlalchemy import select

    from reviews.models import Dispute, DisputeItem, Review

    for n, _lead in enumerate(leads):
        person = people[n]
        picked = session.scalars(
            select(Review.id)
            .where(Review.agent_id == person.id, Review.state == "acknowledged")
            .order_by(Review.id.desc())
            .limit(DISPUTES_PER_TEAM)
        ).all()
        for review_id in picked:
            dispute = Dispute(
                review_id=review_id, raised_by_id=person.id, raised_at=datetime(2026, 9, 30, 3)
            )
            dispute.items.append(
                DisputeItem(criterion_key=criterion_key, reason="Em đã chào ở giây thứ 3.")
            )
            session.add(dispute)
        session.query(Review).filter(Review.id.in_(picked)).update(
            {"state": "disputed"}, synchronize_session=False
        )


def _outcomes(bulk, people, rng):
    from portal.kpi.models import OutcomeRecord

    for person in people:
        for day in range((QUARTER_END - QUARTER_START).days + 1):
            for k in range(3):
                bulk.add(
                    OutcomeRecord,
                    {
                        "record_key": f"{person.id}-{day}-{k}",
                        "agent_id": person.id,
                        "occurred_on": QUARTER_START + timedelta(days=day),
                        "nps": rng.randint(0, 10),
                        "csat": rng.randint(1, 5),
                        "first_response_seconds": rng.randint(5, 900),
                        "handling_seconds": rng.randint(60, 1800),
                        "complaint": rng.random() < 0.05,
                        "recontact": rng.random() < 0.1,
                        "returned": rng.random() < 0.03,
                    },
                )
    bulk.flush()


def _quiz_attempt(session, person) -> int:
    """An open attempt of the demo quiz (its time limit lifted so it stays open)."""
    from portal.core.models import utcnow
    from quizzes import attempts
    from quizzes.models import Quiz

    quiz = session.query(Quiz).order_by(Quiz.id).first()
    quiz.time_limit_minutes = None
    session.commit()
    return attempts.start(quiz, person.id, now=utcnow(), rng=random.Random(3)).id


def build(app, agents: int, reviews_per_week: int = 15) -> Company:
    """Fill the (migrated, empty) database of `app`; returns what was made."""
    from sqlalchemy import select

    from portal.core.extensions import db
    from portal.demo import setup_demo
    from portal.kpi import rollups
    from portal.kpi.models import OutcomeRecord
    from reviews.models import CriterionScore, Rubric, SectionScore
    from reviews.rubrics import criteria_of, published

    rng = random.Random(7)
    company = Company(agents=agents)
    with app.app_context():
        demo = {p["role"]: (p["email"], p["password"]) for p in setup_demo(app.instance_path)}
        session = db.session
        version = published(session.scalars(select(Rubric).filter_by(slug="goi-dien")).one())
        criteria = criteria_of(version.structure)
        teams, leads, people = _people(session, agents, rng)
        from reviews.models import Interaction, Review

        after = (
            session.scalar(select(db.func.max(Interaction.id))) or 0,
            session.scalar(select(db.func.max(Review.id))) or 0,
        )
        bulk = _Bulk(session)
        _reviews(bulk, company, version, criteria, leads, people, reviews_per_week, rng, after)
        _outcomes(bulk, people, rng)
        session.commit()
        _advance_sequences(session)
        _disputes(session, leads, people, next(iter(criteria)))
        session.commit()
        company.rollups = rollups.rebuild()
        session.commit()
        company.criterion_scores = bulk.written.get(CriterionScore, 0)
        company.section_scores = bulk.written.get(SectionScore, 0)
        company.outcomes = bulk.written.get(OutcomeRecord, 0)
        attempt = _quiz_attempt(session, people[0])
        queued = session.scalar(
            select(Review.id)
            .where(Review.reviewer_id == leads[0].id, Review.state == "assigned")
            .order_by(Review.created_at)
            .limit(1)
        )
        company.ids = {"agent": people[0].id, "review": queued, "attempt": attempt}
        company.ids["team"] = teams[0].id
        company.logins = {
            "agent": (people[0].email, PASSWORD),
            "supervisor": (leads[0].email, PASSWORD),
            "hr": demo["hr"],
            "admin": demo["admin"],
            "new_hire": demo["new_hire"],
        }
        if db.engine.dialect.name == "postgresql":  # planner statistics after the bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    return company


def _advance_sequences(session) -> None:
    """PostgreSQL: the id sequences past the ids the bulk rows brought themselves."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("interactions", "reviews"):
        session.execute(
            db_text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )
