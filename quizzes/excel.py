"""The question bank as an Excel workbook, one row per question, and back.

The `answers` column uses the same text as the editor (see quizzes.bank), so
what an author learns in one place works in the other. Import checks every
row first and writes nothing unless the whole file is valid.
"""

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.workbooks import read_table, write_table
from quizzes import bank
from quizzes.models import QUESTION_TYPES, Question, QuestionCategory, QuestionVersion
from quizzes.services import current_version, new_version, with_current_versions

COLUMNS = [
    "key",
    "category",
    "type",
    "prompt",
    "points",
    "answers",
    "diacritics_optional",
    "general_feedback",
    "step",
    "script",
    "tags",
]
MAX_ROWS = 5_000
_YES = {"1", "x", "yes", "true", "có", "co"}


def export_bank(step_slugs: dict[int, str]) -> bytes:
    """The current version of every question that is not archived."""
    rows = db.session.execute(
        with_current_versions(select(Question, QuestionVersion, QuestionCategory.code))
        .join(QuestionCategory, QuestionCategory.id == Question.category_id)
        .where(Question.archived.is_(False))
        .order_by(QuestionCategory.code, Question.key)
    )
    return write_table(
        "questions",
        COLUMNS,
        (
            [
                q.key,
                code,
                v.type,
                v.prompt,
                v.points,
                bank.format_answers(v.type, v.data),
                "x" if v.data.get("diacritics_optional") else "",
                v.general_feedback,
                step_slugs.get(q.step_id, ""),
                q.script_slug or "",
                ", ".join(q.tags or []),
            ]
            for q, v, code in rows
        ),
    )


@dataclass
class ParsedBank:
    questions: list[tuple[int, bank.QuestionInput]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row, message)


def read_bank(stream, step_ids: dict[str, int], script_slugs: set[str]) -> ParsedBank:
    """Read and check every row; writes nothing. Raises WorkbookError for a bad file."""
    categories = dict(db.session.execute(select(QuestionCategory.code, QuestionCategory.id)).all())
    parsed, seen_keys = ParsedBank(), {}
    for number, values in read_table(stream, COLUMNS, max_rows=MAX_ROWS):
        if isinstance(values, str):
            parsed.errors.append((number, values))
            continue
        problems = []
        key = values.get("key", "").strip()
        if not key:
            problems.append(str(_l("The key is missing.")))
        elif key in seen_keys:
            problems.append(str(_l("The key is also on row %(row)d.", row=seen_keys[key])))
        seen_keys.setdefault(key, number)
        category_id = categories.get(values.get("category", "").strip())
        if category_id is None:
            problems.append(str(_l("Unknown category “%(v)s”.", v=values.get("category", ""))))
        kind = values.get("type", "").strip()
        if kind not in QUESTION_TYPES:
            problems.append(str(_l("Unknown question type “%(v)s”.", v=kind)))
        points = values.get("points", "").strip()
        if points.endswith(".0"):
            points = points[:-2]  # Excel gives whole numbers back as floats
        points = points if re.fullmatch(r"[0-9]{1,3}", points) else ""
        step = values.get("step", "").strip()
        if step and step not in step_ids:
            problems.append(str(_l("Unknown playbook step “%(v)s”.", v=step)))
        script = values.get("script", "").strip()
        if script and script not in script_slugs:
            problems.append(str(_l("Unknown call script “%(v)s”.", v=script)))
        given = bank.QuestionInput(
            key=key,
            category_id=category_id or 0,
            type=kind,
            prompt=values.get("prompt", ""),
            points=int(points) if points else -1,
            answers=values.get("answers", ""),
            general_feedback=values.get("general_feedback", ""),
            diacritics_optional=values.get("diacritics_optional", "").strip().lower() in _YES,
            step_id=step_ids.get(step),
            script_slug=script or None,
            tags=tuple(t for t in values.get("tags", "").split(",") if t.strip()),
        )
        if kind in QUESTION_TYPES:
            problems.extend(given.content()[1])
        if problems:
            parsed.errors.extend((number, p) for p in problems)
        else:
            parsed.questions.append((number, given))
    return parsed


def import_bank(parsed: ParsedBank, *, author) -> dict[str, int]:
    """Create new questions and version changed ones, all in one transaction."""
    if parsed.errors:
        raise ValueError("workbook has errors")
    existing = {q.key: q for q in db.session.scalars(select(Question))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        for _number, given in parsed.questions:
            question = existing.get(given.key)
            if question is None:
                question = Question(key=given.key, current_version=0)
                db.session.add(question)
                bank.apply_labels(question, given)
                db.session.flush()
                new_version(question, given.content()[0], author=author, note="Excel import")
                counts["created"] += 1
                continue
            current = current_version(question)
            content = given.content()[0]
            bank.apply_labels(question, given)
            if any(getattr(current, k) != v for k, v in content.items()):
                new_version(question, content, author=author, note="Excel import")
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts
