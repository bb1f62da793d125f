"""The demo team and a starter onboarding path, created once on first start."""

import json
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.accounts.services import set_password
from portal.core.extensions import db
from portal.core.models import local_today
from portal.core.roles import Role
from portal.onboarding import services as onboarding
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.playbooks import services as playbooks
from quizzes.services import load_question_bank
from scripts_library.services import load_scripts_pack

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
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=1))
    path.chmod(0o600)
    return logins


def _demo_quiz() -> None:
    """A quiz drawing from the built-in bank, so the demo team can take one."""
    from quizzes.models import QuestionCategory, Quiz, QuizSlot

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
