"""The demo team and a starter onboarding path, created once on first start."""

import json
import random
import secrets
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from flask import current_app
from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.accounts.services import set_password
from portal.core.extensions import db
from portal.core.models import local_today, utcnow
from portal.core.roles import Role
from portal.kpi.models import OutcomeRecord
from portal.onboarding import assignment as onboarding
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.playbooks import services as playbooks
from quizzes.models import QuestionCategory, Quiz, QuizSlot
from quizzes.services import load_question_bank
from reviews import recordings, reviewing, rubrics, timed_transcripts
from reviews.models import Rubric
from reviews.rubrics import load_rubric_pack
from reviews.scoring import Given
from scripts_library.pack import load_scripts_pack

DEMO_PEOPLE = [
    # email, name, role, team, days since hire
    ("admin@demo.local", "Quản Trị Viên", Role.ADMIN, None, 400),
    ("hr@demo.local", "Phạm Thu Hà", Role.HR, None, 300),
    ("giamsat@demo.local", "Trần Minh Quân", Role.SUPERVISOR, "Nhóm Tư vấn trước bán", 500),
    ("giamsat2@demo.local", "Lê Hoàng Yến", Role.SUPERVISOR, "Nhóm Hậu mãi", 450),
    ("nhanvien@demo.local", "Nguyễn Thị Lan", Role.AGENT, "Nhóm Tư vấn trước bán", 200),
    ("nhanvien2@demo.local", "Đỗ Văn Hùng", Role.AGENT, "Nhóm Hậu mãi", 150),
    ("moi@demo.local", "Võ Ngọc Anh", Role.NEW_HIRE, "Nhóm Tư vấn trước bán", 3),
    ("moi2@demo.local", "Bùi Đức Thắng", Role.NEW_HIRE, "Nhóm Hậu mãi", 12),
]

# Module title, description, due days, requires previous, playbook slug (its steps become items).
DEMO_PATH = [
    (
        "Tuần 1: Nền tảng chăm sóc khách hàng",
        "Hiểu chăm sóc khách hàng là gì, kỹ năng, thái độ và các chỉ số đo lường.",
        5,
        False,
        "kien-thuc-nen-tang",
    ),
    (
        "Tuần 2: Quy trình chăm sóc trước bán hàng",
        "Năm bước từ danh sách khách hàng đến khi chốt và bàn giao.",
        12,
        True,
        "truoc-ban-hang",
    ),
    (
        "Tuần 3: Quy trình chăm sóc sau bán hàng",
        "Bốn bước giữ liên lạc, tri ân và xử lý khiếu nại.",
        19,
        True,
        "sau-ban-hang",
    ),
]


def accounts_file(instance_path: str) -> Path:
    return Path(instance_path) / "demo_accounts.json"


def setup_demo(instance_path: str) -> list[dict]:
    """Load content and the demo team if the database is empty; return the demo logins."""
    path = accounts_file(instance_path)
    if db.session.scalar(select(User.id).limit(1)) is not None:
        return json.loads(path.read_text()) if path.exists() else []
    playbooks.load_content_pack()
    load_scripts_pack()
    load_question_bank()
    load_rubric_pack()
    _demo_quiz()
    teams = {}
    logins, people = [], []
    for email, name, role, team_name, days in DEMO_PEOPLE:
        if team_name and team_name not in teams:
            teams[team_name] = Team(name=team_name, description="")
            db.session.add(teams[team_name])
        user = User(
            email=email, name=name, role=role, hire_date=local_today() - timedelta(days=days)
        )
        if role == Role.SUPERVISOR:
            user.led_teams = [teams[team_name]]
        else:
            user.team = teams.get(team_name)
        password = secrets.token_urlsafe(8)
        set_password(user, password)
        db.session.add(user)
        people.append(user)
        logins.append({"email": email, "name": name, "role": role.value, "password": password})
    db.session.flush()
    modules = []
    for position, (title, description, due, requires, slug) in enumerate(DEMO_PATH, start=1):
        module = OnboardingModule(
            title=title,
            description=description,
            due_days=due,
            requires_previous=requires,
            position=position,
            auto_assign=True,  # people who join later get the path too
        )
        book = playbooks.find_playbook(slug)
        for index, step in enumerate(book.steps if book else [], start=1):
            module.items.append(
                ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.id, position=index)
            )
        db.session.add(module)
        modules.append(module)
    db.session.commit()
    admin = people[0]
    onboarding.assign([p for p in people if p.role == Role.NEW_HIRE], modules, by=admin)
    _demo_reviews({p.email: p for p in people})
    _demo_stereo_calls({p.email: p for p in people})
    _demo_outcomes([p for p in people if p.role in (Role.AGENT, Role.NEW_HIRE)])
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=1))
    path.chmod(0o600)
    return logins


def _demo_quiz() -> None:
    """A quiz drawing from the built-in bank, so the demo team can take one."""

    categories = {c.code: c for c in db.session.scalars(select(QuestionCategory))}
    if not {"quy-trinh-truoc-ban", "chi-so"} <= set(categories):
        return
    quiz = Quiz(
        title="Kiểm tra: chăm sóc trước bán hàng và chỉ số",
        description="Năm câu về quy trình trước bán hàng và ba câu về các chỉ số, rút ngẫu nhiên.",
        time_limit_minutes=15,
        attempts_allowed=3,
        delay_minutes=0,
        pass_percent=70,
    )
    quiz.slots.append(
        QuizSlot(position=0, category_id=categories["quy-trinh-truoc-ban"].id, count=5)
    )
    quiz.slots.append(QuizSlot(position=1, category_id=categories["chi-so"].id, count=3))
    db.session.add(quiz)
    db.session.commit()


def _demo_interaction(folder: Path, call: dict, people, steps, at: time, transcript=""):
    """One committed demo recording as an interaction (added, not committed), on the
    day the manifest says, at `at` in the portal's time zone."""
    with open(folder / call["file"], "rb") as stream:
        audio = recordings.check_audio(stream, max_bytes=5 * 1024 * 1024)
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    when = datetime.combine(local_today() - timedelta(days=call["days_ago"]), at, zone)
    return recordings.create_interaction(
        recordings.InteractionInput(
            agent_id=people[call["agent"]].id,
            channel=call["channel"],
            occurred_at=when,
            customer_ref=call["customer_ref"],
            step_id=steps.get(call["step"]),
            transcript=transcript,
        ),
        audio,
        by=None,
        original=call["file"],
    )


def _demo_stereo_calls(people: dict[str, User]) -> None:
    """The committed stereo calls (content/recordings/stereo.yml) with their timed
    turns: each is measured and checked by the automatic QA when it lands (in the
    worker `make run` starts), so the panel under the player has something to show."""
    folder = Path(current_app.config["CONTENT_DIR"]) / "recordings"
    manifest = folder / "stereo.yml"
    if not manifest.exists():
        return
    steps = playbooks.process_step_ids()
    made = {}
    for call in yaml.safe_load(manifest.read_text(encoding="utf-8")):
        interaction = made[call["file"]] = _demo_interaction(
            folder, {**call, "channel": "phone"}, people, steps, time(14, 0)
        )
        db.session.flush()
        turns = json.loads((folder / call["file"]).with_suffix(".json").read_text("utf-8"))
        timed_transcripts.replace(interaction, turns)
    db.session.commit()
    # One waits in a supervisor's queue: its review shows the checks' suggestions
    # (once the worker has analysed it) to accept or override.
    call_rubric = db.session.scalar(select(Rubric).where(Rubric.slug == "goi-dien"))
    lead = people.get("giamsat@demo.local")
    curt = made.get("hai-kenh-khong-nen-noi.ogg")
    if call_rubric is not None and lead is not None and curt is not None:
        reviewing.assign(curt, rubrics.published(call_rubric), lead.id, by=lead)
        db.session.commit()


def _demo_reviews(people: dict[str, User]) -> None:
    """The committed demo recordings as interactions; two wait in the supervisors'
    queues and one is already reviewed, so every role has something to open."""

    folder = Path(current_app.config["CONTENT_DIR"]) / "recordings"
    manifest = folder / "demo.yml"
    call_rubric = db.session.scalar(select(Rubric).where(Rubric.slug == "goi-dien"))
    if not manifest.exists() or call_rubric is None:
        return
    version = rubrics.published(call_rubric)
    steps = playbooks.process_step_ids()
    speakers = {"A": "Nhân viên", "K": "Khách"}
    made = {}
    for call in yaml.safe_load(manifest.read_text(encoding="utf-8")):
        words = "\n".join(f"{speakers[who]}: {text}" for who, text in call["lines"])
        made[call["file"]] = _demo_interaction(folder, call, people, steps, time(9, 30), words)
    db.session.flush()
    lead, lead2 = people["giamsat@demo.local"], people["giamsat2@demo.local"]
    for name, reviewer in (("goi-tu-van-lan.wav", lead), ("goi-khieu-nai-hung.wav", lead2)):
        if name in made:
            reviewing.assign(made[name], version, reviewer.id, by=reviewer)
    db.session.commit()
    curt = made.get("goi-cut-lun-hung.wav")
    if curt is None:
        return
    review = reviewing.assign(curt, version, lead2.id, by=lead2)
    db.session.commit()
    low = {
        "chao-hoi-xac-minh": 1,
        "kham-pha-nhu-cau": 1,
        "lang-nghe": 2,
        "thong-tin-dung": 1,
        "kien-thuc-san-pham": 2,
        "dua-lua-chon": 1,
        "xu-ly-tinh-huong": 1,
        "ton-trong": 1,
        "ro-rang-ngan-gon": 2,
        "lich-su-kien-nhan": 1,
        "quan-ly-thoi-gian": 1,
        "ket-thuc-buoc-tiep": 1,
        "khong-lo-thong-tin": 1,
    }
    now = utcnow()
    reviewing.save_draft(
        review,
        {k: Given(v) for k, v in low.items()},
        fields={"ly-do-goi": "Đổi trả"},
        summary="Anh cần chào và xưng danh, hỏi rõ lỗi sản phẩm rồi đưa lựa chọn đổi hoặc sửa thay vì từ chối.",
        lock_version=review.lock_version,
        now=now,
    )
    reviewing.add_comment(review, lead2, "Từ chối ngay, không hỏi lý do.", at_seconds=3.5, now=now)
    reviewing.add_comment(
        review, lead2, "“Chờ chút” mà không báo sẽ làm gì.", at_seconds=8.0, now=now
    )
    reviewing.submit(review, now=now)


def _demo_outcomes(agents: list[User]) -> None:
    """Two months of survey answers and contact records, so KPI sheets show figures."""

    rng = random.Random(2026)
    for agent in agents:
        skill = rng.uniform(0.6, 0.95)
        for days_ago in range(60):
            for n in range(rng.randint(1, 4)):
                happy = rng.random() < skill
                db.session.add(
                    OutcomeRecord(
                        record_key=f"demo-{agent.id}-{days_ago}-{n}",
                        agent_id=agent.id,
                        occurred_on=local_today() - timedelta(days=days_ago),
                        nps=rng.randint(8, 10) if happy else rng.randint(2, 8),
                        csat=rng.randint(4, 5) if happy else rng.randint(1, 4),
                        first_response_seconds=rng.randint(20, 240 if happy else 900),
                        handling_seconds=rng.randint(180, 900),
                        complaint=rng.random() < (0.02 if happy else 0.15),
                        recontact=rng.random() < 0.08,
                        returned=rng.random() < 0.03,
                    )
                )
    db.session.commit()
