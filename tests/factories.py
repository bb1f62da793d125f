"""Test factories: people and teams, and content made through the same services
an author uses (so a test's question, call or review is one the portal could
have made). The `make` fixture in conftest.py hands out one per test."""

import json
from datetime import date, timedelta
from pathlib import Path

from portal.accounts.models import Team, User
from portal.accounts.services import set_password
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.playbooks import services as playbooks
from quizzes import bank
from quizzes.models import QuestionCategory, Quiz, QuizSlot
from reviews import disputes, recordings, reviewing, timed_transcripts
from reviews.models import Rubric
from reviews.rubrics import criteria_of, load_rubric_pack, published, scale_values
from reviews.scoring import Given

PASSWORD = "correct horse battery"
RECORDINGS = Path(__file__).resolve().parent.parent / "content" / "recordings"
REVIEW_STATES = ("assigned", "in_progress", "submitted", "acknowledged", "disputed", "resolved")


def every_criterion(version, value_for=lambda c: 1 if c["scale"] == "yes_no" else 3):
    """A value for every criterion of a rubric version (yes, or the middle of the scale)."""
    return {k: Given(value_for(c)) for k, c in criteria_of(version.structure).items()}


class Factory:
    def __init__(self, db):
        self.db = db
        self.count = 0

    # --- people --------------------------------------------------------------------

    def team(self, name: str | None = None) -> Team:
        self.count += 1
        team = Team(name=name or f"Nhóm {self.count}", description="")
        self.db.session.add(team)
        self.db.session.commit()
        return team

    def user(
        self,
        role: Role = Role.AGENT,
        *,
        team: Team | None = None,
        leads: list[Team] | None = None,
        name: str | None = None,
        email: str | None = None,
        hire_date: date | None = None,
        password: str = PASSWORD,
    ) -> User:
        self.count += 1
        user = User(
            email=email or f"user{self.count}@example.vn",
            name=name or f"Người {self.count}",
            role=role,
            team=team,
            hire_date=hire_date or date.today() - timedelta(days=2),
        )
        user.led_teams = leads or []
        set_password(user, password)
        self.db.session.add(user)
        self.db.session.commit()
        return user

    # --- playbooks -----------------------------------------------------------------

    def step(self, playbook: int = 0, position: int = 0):
        """A step of the built-in playbooks (loaded on first use)."""
        books = playbooks.playbooks() or (playbooks.load_content_pack() and playbooks.playbooks())
        return books[playbook].steps[position]

    # --- quizzes -------------------------------------------------------------------

    def category(self, code: str | None = None, name: str = "Kỹ năng", parent=None):
        self.count += 1
        category = QuestionCategory(
            code=code or f"nhom-{self.count}",
            name_vi=name,
            parent_id=parent.id if parent else None,
        )
        self.db.session.add(category)
        self.db.session.commit()
        return category

    def question(
        self,
        answers: str = "[x] Đúng\n[ ] Sai",
        *,
        kind: str = "single",
        category=None,
        key: str = "",
        prompt: str = "Câu hỏi?",
        points: int = 1,
        author=None,
    ):
        """A question written through the bank, as an author writes one."""
        return bank.create_question(
            bank.QuestionInput(
                key=key,
                category_id=(category or self.category()).id,
                type=kind,
                prompt=prompt,
                points=points,
                answers=answers,
            ),
            author=author,
        )

    def quiz(self, *questions, title: str = "Kiểm tra", **settings) -> Quiz:
        quiz = Quiz(title=title, **settings)
        for position, question in enumerate(questions):
            quiz.slots.append(QuizSlot(position=position, question_id=question.id))
        self.db.session.add(quiz)
        self.db.session.commit()
        return quiz

    # --- quality reviews -------------------------------------------------------------

    def rubric(self, slug: str = "goi-dien"):
        """A published version of a built-in rubric (the call rubric by default)."""
        if not self.db.session.query(Rubric).filter_by(slug=slug).first():
            load_rubric_pack()
        return published(self.db.session.query(Rubric).filter_by(slug=slug).one())

    def interaction(
        self,
        agent: User,
        *,
        by: User | None = None,
        recording: str | None = "goi-cut-lun-hung.wav",
        channel: str = "phone",
        transcript: str = "",
    ):
        """A contact of `agent`, with one of the demo recordings unless told otherwise."""
        audio = None
        if recording:
            with open(RECORDINGS / recording, "rb") as stream:
                audio = recordings.check_audio(stream, max_bytes=5_000_000)
        interaction = recordings.create_interaction(
            recordings.InteractionInput(
                agent_id=agent.id, channel=channel, occurred_at=utcnow(), transcript=transcript
            ),
            audio,
            by=by,
        )
        self.db.session.commit()
        return interaction

    def demo_call(self, agent: User, name: str, *, by: User | None = None, occurred_at=None):
        """One of the demo's stereo calls (content/recordings/hai-kenh-*.ogg) as `agent`'s
        interaction with its timed turns, analysed as it lands, as the demo loads them."""
        self.rubric()  # the call rubric scores it automatically
        with open(RECORDINGS / f"{name}.ogg", "rb") as stream:
            audio = recordings.check_audio(stream, max_bytes=5_000_000)
        interaction = recordings.create_interaction(
            recordings.InteractionInput(
                agent_id=agent.id, channel="phone", occurred_at=occurred_at or utcnow()
            ),
            audio,
            by=by,
        )
        self.db.session.flush()
        turns = json.loads((RECORDINGS / f"{name}.json").read_text("utf-8"))
        timed_transcripts.replace(interaction, turns)
        self.db.session.commit()
        self.db.session.expire_all()
        return interaction

    def review(
        self,
        interaction,
        reviewer: User,
        *,
        state: str = "submitted",
        rubric=None,
        summary: str = "",
    ):
        """A regular review of `interaction` by `reviewer`, taken to `state` the way
        people would: scored, submitted, acknowledged or disputed by the agent, and
        the dispute rejected by the reviewer."""
        assert state in REVIEW_STATES, state
        version = rubric or self.rubric()
        review = reviewing.assign(interaction, version, reviewer.id, by=reviewer)
        self.db.session.commit()
        if state == "assigned":
            return review
        reviewing.save_draft(
            review,
            every_criterion(version),
            fields={},
            summary=summary,
            lock_version=1,
            now=utcnow(),
        )
        if state == "in_progress":
            return review
        reviewing.submit(review, now=utcnow())
        agent = self.db.session.get(User, interaction.agent_id)
        if state == "acknowledged":
            disputes.acknowledge(review, agent, now=utcnow())
        elif state in ("disputed", "resolved"):
            key, criterion = next(iter(criteria_of(version.structure).items()))
            proposal = scale_values(criterion["scale"])[-1]
            case = disputes.raise_dispute(
                review,
                agent,
                [disputes.DisputedCriterion(key, "Tôi không đồng ý.", proposal)],
                now=utcnow(),
            )
            if state == "resolved":
                decision = {item.id: disputes.Decision(accept=False) for item in case.items}
                disputes.decide_dispute(case, reviewer, decision, note="", now=utcnow())
        return review
