"""The question bank: checking questions, loading the built-in bank, versions."""

from pathlib import Path

import yaml
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.content import ItemInfo
from portal.core.extensions import db
from portal.core.history import History
from portal.core.text import clean, fold
from portal.playbooks.services import process_step_ids
from quizzes.models import QUESTION_TYPES, Question, QuestionCategory, QuestionVersion, Quiz

VERSIONED = ("type", "prompt", "points", "data", "general_feedback")


def check_question(q: dict) -> list[str]:
    """Every problem with a question, in words an author understands."""
    problems: list[str] = []
    kind, data = q.get("type"), q.get("data") or {}
    if kind not in QUESTION_TYPES:
        return [str(_l("Unknown question type “%(v)s”.", v=kind))]
    if not q.get("prompt"):
        problems.append(str(_l("The question has no text.")))
    if not isinstance(q.get("points"), int) or not 1 <= q["points"] <= 100:
        problems.append(str(_l("Points must be a whole number from 1 to 100.")))
    choices = data.get("choices") or []
    correct = sum(1 for c in choices if c.get("correct"))
    if kind in ("single", "true_false"):
        if len(choices) < 2 or correct != 1:
            problems.append(str(_l("Give at least two choices with exactly one right answer.")))
    elif kind == "multiple":
        if len(choices) < 3 or correct < 1 or correct == len(choices):
            problems.append(str(_l("Give at least three choices, some right and some wrong.")))
    elif kind == "ordering":
        items = data.get("items") or []
        if len(items) < 3 or len(set(items)) != len(items):
            problems.append(str(_l("Give at least three different items, in the right order.")))
    elif kind == "matching":
        pairs = data.get("pairs") or []
        if len(pairs) < 3 or len({p.get("right") for p in pairs}) != len(pairs):
            problems.append(str(_l("Give at least three pairs with different right-hand entries.")))
    elif kind == "short_answer":
        if not [a for a in data.get("answers") or [] if str(a).strip()]:
            problems.append(str(_l("Give at least one accepted answer.")))
    elif kind == "essay" and not data.get("rubric"):
        problems.append(str(_l("Tell the grader what a good answer contains.")))
    return problems


def _from_pack(raw: dict) -> dict:
    kind = raw.get("type")
    text = lambda v: clean(str(v or ""), multiline=True)  # noqa: E731
    data: dict = {}
    if kind in ("single", "multiple", "true_false"):
        data["choices"] = [
            {
                "text": text(c.get("text")),
                "correct": bool(c.get("correct")),
                "feedback": text(c.get("feedback")),
            }
            for c in raw.get("choices") or []
        ]
    elif kind == "ordering":
        data["items"] = [text(i) for i in raw.get("items") or []]
    elif kind == "matching":
        data["pairs"] = [
            {"left": text(p.get("left")), "right": text(p.get("right"))}
            for p in raw.get("pairs") or []
        ]
    elif kind == "short_answer":
        data["answers"] = [clean(str(a)) for a in raw.get("answers") or []]
        data["diacritics_optional"] = bool(raw.get("diacritics_optional"))
    elif kind == "essay":
        data["rubric"] = text(raw.get("rubric"))
    return {
        "type": kind,
        "prompt": text(raw.get("prompt")),
        "points": raw.get("points", 1),
        "data": data,
        "general_feedback": text(raw.get("general_feedback")),
    }


def load_question_bank(folder: Path | None = None) -> dict[str, int]:
    """Load categories and questions; refuse the whole bank if anything is wrong.

    A question whose text changed gets a new version unless its current
    version was written in the portal by a person.
    """

    folder = Path(folder or Path(current_app.config["CONTENT_DIR"]) / "quizzes")
    if not (folder / "categories.yml").exists():
        return {"categories": 0, "created": 0, "updated": 0}
    categories = yaml.safe_load((folder / "categories.yml").read_text(encoding="utf-8"))
    codes = {c["code"] for c in categories}
    steps = process_step_ids()
    questions, problems, keys = [], [], set()
    for path in sorted((folder / "questions").glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            key = raw.get("key")
            where = f"{path.name}: {key}"
            if not key or key in keys:
                problems.append(f"{where}: key missing or used twice")
            keys.add(key)
            if raw.get("category") not in codes:
                problems.append(f"{where}: unknown category {raw.get('category')!r}")
            if raw.get("step") and raw["step"] not in steps:
                problems.append(f"{where}: unknown step {raw['step']!r}")
            content = _from_pack(raw)
            problems.extend(f"{where}: {p}" for p in check_question(content))
            questions.append((raw, content))
    for c in categories:
        if c.get("parent") and c["parent"] not in codes:
            problems.append(f"categories.yml: {c['code']}: unknown parent {c['parent']!r}")
    if problems:
        raise ValueError("\n".join(problems))

    known = {c.code: c for c in db.session.scalars(select(QuestionCategory))}
    for c in categories:  # parents come first in the file, or are fixed below
        category = known.get(c["code"]) or QuestionCategory(code=c["code"])
        category.name_vi, category.name_en = clean(c["vi"]), clean(c.get("en") or "")
        db.session.add(category)
        known[c["code"]] = category
    db.session.flush()
    for c in categories:
        known[c["code"]].parent_id = known[c["parent"]].id if c.get("parent") else None
    counts = {"categories": len(categories), "created": 0, "updated": 0}
    existing = {q.key: q for q in db.session.scalars(select(Question))}
    for raw, content in questions:
        question = existing.get(raw["key"])
        if question is None:
            question = Question(key=raw["key"], current_version=0)
            db.session.add(question)
            counts["created"] += 1
        else:
            current = current_version(question)
            if question.revision > 1 or current.author_id:
                continue  # a person has worked on it in the portal: theirs now
            labels_only = all(getattr(current, k) == v for k, v in content.items())
            if labels_only:
                question.category_id = known[raw["category"]].id
                question.step_id = steps.get(raw.get("step"))
                question.tags = list(raw.get("tags") or [])
                continue
            counts["updated"] += 1
        question.category_id = known[raw["category"]].id
        question.step_id = steps.get(raw.get("step"))
        question.tags = list(raw.get("tags") or [])
        db.session.flush()
        new_version(question, content, author=None, note="content pack")
    db.session.commit()
    return counts


def new_version(question: Question, content: dict, *, author, note: str) -> QuestionVersion:
    question.current_version += 1
    version = QuestionVersion(
        question_id=question.id,
        version=question.current_version,
        change_note=note,
        author=author,
        search_key=fold(content["prompt"]),
        **content,
    )
    db.session.add(version)
    return version


def with_current_versions(query):
    """Join each question of `query` to its current version (one row per question)."""
    return query.join(
        QuestionVersion,
        (QuestionVersion.question_id == Question.id)
        & (QuestionVersion.version == Question.current_version),
    )


QUESTION_HISTORY = History(
    QuestionVersion.question_id, QuestionVersion.version, QuestionVersion.author
)


def current_version(question: Question) -> QuestionVersion:
    return QUESTION_HISTORY.find(question.id, question.current_version)


# --- onboarding items -------------------------------------------------------------------

ITEM_KIND = "quiz"


def onboarding_items(ref_ids: list[int]):

    return {
        q.id: ItemInfo(
            q.title,
            str(_l("Quiz: pass mark %(n)d%%", n=q.pass_percent)),
            url_for("quizzes.quiz", quiz_id=q.id),
            1,
        )
        for q in db.session.scalars(select(Quiz).where(Quiz.id.in_(ref_ids)))
    }


def quiz_choices() -> list[tuple[int, str]]:

    # A hidden quiz is still being set up: learners could not open it from their path.
    rows = db.session.execute(
        select(Quiz.id, Quiz.title).where(Quiz.hidden.is_(False)).order_by(Quiz.title)
    )
    return [(id_, title) for id_, title in rows]
