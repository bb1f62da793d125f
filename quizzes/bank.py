"""Writing the question bank by hand: one plain-text way to give a question's
answers (used by the editor and by the Excel workbook alike), saving with a
stale-tab check, and finding questions.

The answers text, by type:
- single / multiple / true_false: one choice per line, "[x] right choice" or
  "[ ] wrong choice", optionally followed by " | feedback for that choice";
- ordering: one item per line, in the right order;
- matching: one pair per line, "left => right";
- short_answer: one accepted answer per line;
- essay: what a good answer contains (the grader's rubric).
Brackets rather than "-" or "=" so a line typed in Excel is never a formula.
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.core.extensions import db
from portal.core.pagination import Page, paginate
from portal.core.text import clean, fold
from quizzes.models import Question, QuestionCategory, QuestionVersion
from quizzes.services import check_question, current_version, new_version, with_current_versions

CHOICE_TYPES = ("single", "multiple", "true_false")
_CHOICE = re.compile(r"^\[(?P<mark>[ xX]?)\]\s*(?P<text>.*)$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class InvalidQuestion(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class StaleQuestion(Exception):
    """Someone saved a newer version since this editor was opened."""

    def __init__(self, current: QuestionVersion):
        super().__init__(current.version)
        self.current = current


def parse_answers(kind: str, text: str, *, diacritics_optional: bool = False) -> tuple[dict, list]:
    """The question's `data` from the answers text, and any problems in the lines."""
    lines = [line.strip() for line in clean(text or "", multiline=True).split("\n")]
    lines = [line for line in lines if line]
    problems: list[str] = []
    if kind in CHOICE_TYPES:
        choices = []
        for line in lines:
            match = _CHOICE.match(line)
            if not match:
                problems.append(
                    str(
                        _l(
                            "Start each choice with [x] (right) or [ ] (wrong): “%(line)s”",
                            line=line,
                        )
                    )
                )
                continue
            body, _bar, feedback = match["text"].partition("|")
            choices.append(
                {
                    "text": body.strip(),
                    "correct": bool(match["mark"].strip()),
                    "feedback": feedback.strip(),
                }
            )
        if any(not c["text"] for c in choices):
            problems.append(str(_l("A choice has no text.")))
        return {"choices": choices}, problems
    if kind == "ordering":
        return {"items": lines}, problems
    if kind == "matching":
        pairs = []
        for line in lines:
            left, arrow, right = line.partition("=>")
            if not arrow or not left.strip() or not right.strip():
                problems.append(
                    str(_l("Write each pair as “left => right”: “%(line)s”", line=line))
                )
                continue
            pairs.append({"left": left.strip(), "right": right.strip()})
        return {"pairs": pairs}, problems
    if kind == "short_answer":
        return {"answers": lines, "diacritics_optional": diacritics_optional}, problems
    if kind == "essay":
        return {"rubric": clean(text or "", multiline=True).strip()}, problems
    return {}, problems


def format_answers(kind: str, data: dict) -> str:
    """The answers text for a question's data (the inverse of `parse_answers`)."""
    if kind in CHOICE_TYPES:
        return "\n".join(
            f"[{'x' if c['correct'] else ' '}] {c['text']}"
            + (f" | {c['feedback']}" if c.get("feedback") else "")
            for c in data.get("choices") or []
        )
    if kind == "ordering":
        return "\n".join(data.get("items") or [])
    if kind == "matching":
        return "\n".join(f"{p['left']} => {p['right']}" for p in data.get("pairs") or [])
    if kind == "short_answer":
        return "\n".join(data.get("answers") or [])
    if kind == "essay":
        return data.get("rubric") or ""
    return ""


@dataclass
class QuestionInput:
    """What an author gives for a question, from the editor or a workbook row."""

    key: str
    category_id: int
    type: str
    prompt: str
    points: int
    answers: str
    general_feedback: str = ""
    diacritics_optional: bool = False
    step_id: int | None = None
    script_slug: str | None = None
    tags: tuple[str, ...] = ()

    def content(self) -> tuple[dict, list[str]]:
        data, problems = parse_answers(
            self.type, self.answers, diacritics_optional=self.diacritics_optional
        )
        content = {
            "type": self.type,
            "prompt": clean(self.prompt, multiline=True).strip(),
            "points": self.points,
            "data": data,
            "general_feedback": clean(self.general_feedback, multiline=True).strip(),
        }
        if not problems:
            problems = check_question(content)
        if self.key and not _KEY.match(self.key):
            problems.append(str(_l("The key may hold lowercase letters, digits and hyphens.")))
        return content, problems


def apply_labels(question: Question, given: QuestionInput) -> None:
    question.category_id = given.category_id
    question.step_id = given.step_id
    question.script_slug = given.script_slug or None
    question.tags = sorted({clean(t).strip() for t in given.tags if clean(t).strip()})


def create_question(given: QuestionInput, *, author, note: str = "") -> Question:
    content, problems = given.content()
    key = given.key or _free_key(content["prompt"])
    if db.session.scalar(select(Question.id).where(Question.key == key)):
        problems.append(str(_l("Another question already uses the key “%(key)s”.", key=key)))
    if problems:
        raise InvalidQuestion(problems)
    question = Question(key=key, current_version=0)
    apply_labels(question, given)
    db.session.add(question)
    db.session.flush()
    new_version(question, content, author=author, note=note or "created")
    db.session.commit()
    return question


def update_question(
    question: Question, given: QuestionInput, *, author, seen_revision: int, note: str = ""
) -> bool:
    """Save the editor's content; True if it made a new version.

    Every change of what the question says is a new version, so attempts
    keep exactly what they showed. Category, step, script and tags are
    labels of the question itself and change in place.
    """
    content, problems = given.content()
    if problems:
        raise InvalidQuestion(problems)
    current = current_version(question)
    # Compare and bump in one UPDATE: of two tabs saving at once only one wins,
    # whether they change the text or only the labels.
    updated = db.session.execute(
        db.update(Question)
        .where(Question.id == question.id, Question.revision == seen_revision)
        .values(revision=Question.revision + 1)
    )
    if updated.rowcount != 1:
        db.session.rollback()
        raise StaleQuestion(current_version(question))
    db.session.refresh(question)
    apply_labels(question, given)
    changed = any(getattr(current, k) != v for k, v in content.items())
    if changed:
        new_version(question, content, author=author, note=note or "edited")
    db.session.commit()
    return changed


def set_archived(question: Question, archived: bool) -> None:
    """Archived questions are never drawn again; attempts that showed them keep them."""
    question.archived = archived
    db.session.commit()


def _free_key(prompt: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(prompt)).strip("-")[:40].strip("-") or "cau-hoi"
    taken = set(db.session.scalars(select(Question.key).where(Question.key.like(f"{base}%"))))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


# --- finding questions ------------------------------------------------------------------


PER_PAGE = 50


def find_questions(
    *,
    words: str = "",
    category_id: int | None = None,
    kind: str = "",
    archived: bool = False,
    page: int = 1,
) -> Page:
    """A page of the bank, newest versions, filtered; a bounded number of queries."""
    query = with_current_versions(select(Question, QuestionVersion)).where(
        Question.archived.is_(archived)
    )
    if category_id:
        query = query.where(Question.category_id == category_id)
    if kind:
        query = query.where(QuestionVersion.type == kind)
    for word in clean(words).split()[:8]:
        word = fold(word)
        query = query.where(
            or_(
                QuestionVersion.search_key.contains(word, autoescape=True),
                Question.key.contains(word, autoescape=True),
            )
        )
    ordered = query.order_by(Question.category_id, Question.key)
    return paginate(ordered, page, PER_PAGE, rows=True)


def category_choices() -> list[tuple[int, str]]:
    """Categories as an indented list, parents before their children."""
    categories = list(db.session.scalars(select(QuestionCategory).order_by(QuestionCategory.id)))
    children: dict[int | None, list[QuestionCategory]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    result: list[tuple[int, str]] = []

    def walk(parent_id, depth):
        for c in children.get(parent_id, []):
            result.append((c.id, "— " * depth + c.name_vi))
            walk(c.id, depth + 1)

    walk(None, 0)
    return result


def question_by_key(key: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.key == key.strip()))


def question_keys(limit: int = 5000) -> list[tuple[str, str]]:
    """(key, start of the prompt) of every active question, for the picker's suggestions."""
    return [
        (key, prompt[:90])
        for key, prompt in db.session.execute(
            with_current_versions(select(Question.key, QuestionVersion.prompt))
            .where(Question.archived.is_(False))
            .order_by(Question.key)
            .limit(limit)
        )
    ]
