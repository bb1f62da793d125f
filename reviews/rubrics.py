"""Rubrics: the built-in pack, drafts, publishing (an immutable version each
time) and retiring. A review keeps the version it was scored with."""

from pathlib import Path

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.history import History
from portal.core.models import utcnow
from portal.core.params import whole_number
from portal.core.text import clean
from reviews import auto_checks
from reviews.models import DRAFT, PUBLISHED, RETIRED, Rubric, RubricVersion
from reviews.scoring import SCALES, check_structure

RUBRIC_HISTORY = History(RubricVersion.rubric_id, RubricVersion.version, RubricVersion.author)


class InvalidRubric(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class StaleRubric(Exception):
    """The draft was saved from another tab since this one was opened."""


def normalize(raw: dict) -> dict:
    """A rubric's structure from the pack's (or the editor's) YAML, cleaned and typed."""
    text = lambda v: clean(str(v if v is not None else ""), multiline=True).strip()  # noqa: E731
    sections = []
    for section in raw.get("sections") or []:
        criteria = []
        for c in section.get("criteria") or []:
            criterion = {
                "key": text(c.get("key")),
                "title": text(c.get("title")),
                "scale": c.get("scale"),
                "weight": c.get("weight", 1),
                "na_allowed": bool(c.get("na_allowed")),
                "critical": c.get("critical") or None,
                # The playbook step that teaches it (slug, or "playbook/step").
                "step": text(c.get("step")) or None,
                "guidance": {
                    str(level): text(words) for level, words in (c.get("guidance") or {}).items()
                },
            }
            # Automatic checks suggesting a value (reviews/auto_checks.py), when any.
            if c.get("auto"):
                criterion["auto"] = auto_checks.normalize(c["auto"])
            criteria.append(criterion)
        sections.append(
            {
                "key": text(section.get("key")),
                "title": text(section.get("title")),
                "weight": section.get("weight", 1),
                "criteria": criteria,
            }
        )
    fields = [
        {
            "key": text(f.get("key")),
            "label": text(f.get("label")),
            "options": [text(o) for o in f.get("options") or []],
        }
        for f in raw.get("fields") or []
    ]
    return {"sections": sections, "fields": fields}


def parse_yaml(source: str) -> tuple[dict | None, list[str]]:
    try:
        raw = yaml.safe_load(source or "")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark:
            return None, [
                str(
                    _l(
                        "The text cannot be read (line %(n)d): check the indentation and the colons.",
                        n=mark.line + 1,
                    )
                )
            ]
        return None, [str(_l("The text cannot be read: check the indentation and the colons."))]
    if not isinstance(raw, dict):
        return None, [str(_l("The text must describe sections and criteria."))]
    try:
        structure = normalize(raw)
    except (AttributeError, TypeError, ValueError):
        return None, [str(_l("Sections, criteria and fields must be lists of entries."))]
    return structure, problems_of(structure)


def problems_of(structure: dict) -> list[str]:
    """What makes a rubric unusable: its structure, and its criteria's automatic rules."""
    rules = [
        problem
        for section in structure.get("sections") or []
        for criterion in section.get("criteria") or []
        for problem in auto_checks.check_rules(criterion)
    ]
    return check_structure(structure) + rules


def to_yaml(structure: dict) -> str:
    return yaml.safe_dump(structure, allow_unicode=True, sort_keys=False, width=100)


def load_rubric_pack(folder: Path | None = None) -> dict[str, int]:
    """Load the built-in rubrics. A changed pack rubric is published as a new
    version unless an admin has published their own since."""
    folder = Path(folder or Path(current_app.config["CONTENT_DIR"]) / "rubrics")
    counts = {"created": 0, "updated": 0}
    if not folder.exists():
        return counts
    parsed, problems = [], []
    for path in sorted(folder.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        structure = normalize(raw)
        problems.extend(f"{path.name}: {p}" for p in problems_of(structure))
        parsed.append((raw, structure))
    if problems:
        raise ValueError("\n".join(problems))
    for raw, structure in parsed:
        rubric = db.session.scalar(select(Rubric).where(Rubric.slug == raw["slug"]))
        if rubric is None:
            rubric = Rubric(slug=raw["slug"], title=raw["title"], state=DRAFT, published_version=0)
            db.session.add(rubric)
            db.session.flush()
            counts["created"] += 1
        else:
            current = published(rubric)
            if current and (current.author_id or current.structure == structure):
                continue
            counts["updated"] += 1
        version = _new_version(rubric, raw["title"], raw.get("pass_percent", 80), structure, None)
        version.change_note = "content pack"
        publish(version)
    db.session.commit()
    return counts


def _new_version(rubric, title, pass_percent, structure, author) -> RubricVersion:
    number = (
        db.session.scalar(
            select(db.func.max(RubricVersion.version)).where(RubricVersion.rubric_id == rubric.id)
        )
        or 0
    ) + 1
    version = RubricVersion(
        rubric_id=rubric.id,
        version=number,
        title=title,
        pass_percent=pass_percent,
        structure=structure,
        author=author,
        change_note="",
        lock_version=1,
    )
    db.session.add(version)
    db.session.flush()
    return version


def find_rubric(slug: str) -> Rubric | None:
    return db.session.scalar(select(Rubric).where(Rubric.slug == slug))


def all_rubrics() -> list[Rubric]:
    return list(db.session.scalars(select(Rubric).order_by(Rubric.title)))


def published(rubric: Rubric) -> RubricVersion | None:
    if not rubric.published_version:
        return None
    return db.session.scalar(
        select(RubricVersion).where(
            RubricVersion.rubric_id == rubric.id,
            RubricVersion.version == rubric.published_version,
        )
    )


def draft_of(rubric: Rubric) -> RubricVersion | None:
    return db.session.scalar(
        select(RubricVersion).where(
            RubricVersion.rubric_id == rubric.id, RubricVersion.published_at.is_(None)
        )
    )


def create_rubric(slug: str, title: str, *, author) -> Rubric:
    rubric = Rubric(slug=slug, title=title, state=DRAFT, published_version=0)
    db.session.add(rubric)
    db.session.flush()
    skeleton = {
        "sections": [
            {
                "key": "phan-1",
                "title": "Phần 1",
                "weight": 1,
                "criteria": [
                    {"key": "tieu-chi-1", "title": "Tiêu chí 1", "scale": "1-5", "weight": 1}
                ],
            }
        ],
        "fields": [],
    }
    _new_version(rubric, title, 80, normalize(skeleton), author)
    db.session.commit()
    return rubric


def open_draft(rubric: Rubric, *, author) -> RubricVersion:
    """The draft to edit: the existing one, or a copy of the published version."""
    draft = draft_of(rubric)
    if draft is None:
        base = published(rubric)
        draft = _new_version(rubric, base.title, base.pass_percent, base.structure, author)
        db.session.commit()
    return draft


def save_draft(
    draft: RubricVersion, *, title: str, pass_percent: int, source: str, author, lock_version: int
) -> None:
    if draft.published_at is not None:
        raise InvalidRubric(["A published version cannot change."])
    structure, problems = parse_yaml(source)
    if problems:
        raise InvalidRubric(problems)
    updated = db.session.execute(
        db.update(RubricVersion)
        .where(RubricVersion.id == draft.id, RubricVersion.lock_version == lock_version)
        .values(
            lock_version=RubricVersion.lock_version + 1,
            title=clean(title),
            pass_percent=pass_percent,
            structure=structure,
            author_id=author.id if author else None,
        )
    )
    if updated.rowcount != 1:
        db.session.rollback()
        raise StaleRubric()
    db.session.commit()
    db.session.refresh(draft)


def editor_token(draft: RubricVersion | None) -> str:
    """Which draft an editor page edits, and at which save: "<id>:<lock>", or "0"
    when no draft existed as the page opened."""
    return f"{draft.id}:{draft.lock_version}" if draft else "0"


def save_from_editor(
    rubric: Rubric, *, token: str, title: str, pass_percent: int, source: str, author
) -> RubricVersion:
    """Save what an editor page holds. Opening the editor creates nothing: the first
    save makes the draft (a copy of the published version), and a refused first save
    starts none. A page whose draft was published, or replaced by another, meanwhile
    is stale (StaleRubric), as is one behind the draft's latest save."""
    draft = draft_of(rubric)
    seen_id, _sep, seen_lock = token.partition(":")
    if draft is None and token == "0":
        _structure, problems = parse_yaml(source)
        if problems:
            raise InvalidRubric(problems)
        draft = open_draft(rubric, author=author)
        lock = draft.lock_version
    elif draft is None or whole_number(seen_id) != draft.id:
        raise StaleRubric()
    else:
        lock = whole_number(seen_lock)
    save_draft(
        draft,
        title=title,
        pass_percent=pass_percent,
        source=source,
        author=author,
        lock_version=lock,
    )
    return draft


def publish(version: RubricVersion, *, note: str = "") -> None:
    """Freeze the version; new reviews use it, old reviews keep theirs."""
    problems = problems_of(version.structure)
    if problems:
        raise InvalidRubric(problems)
    rubric = db.session.get(Rubric, version.rubric_id)
    version.published_at = utcnow()
    if note:
        version.change_note = note
    rubric.published_version = version.version
    rubric.title = version.title
    rubric.state = PUBLISHED
    db.session.commit()


def retire(rubric: Rubric) -> None:
    """No new reviews with it; reviews already made keep it."""
    rubric.state = RETIRED
    db.session.commit()


def usable_versions() -> list[RubricVersion]:
    """The published version of every rubric in use, for starting reviews."""
    return list(
        db.session.scalars(
            select(RubricVersion)
            .join(Rubric, Rubric.id == RubricVersion.rubric_id)
            .where(Rubric.state == PUBLISHED, RubricVersion.version == Rubric.published_version)
            .order_by(Rubric.title)
        )
    )


def criteria_of(structure: dict) -> dict[str, dict]:
    """Every criterion by key, with its section key added."""
    return {
        c["key"]: {**c, "section": s["key"]}
        for s in structure.get("sections", [])
        for c in s["criteria"]
    }


def scale_values(scale: str) -> list[int]:
    low, high = SCALES[scale]
    return list(range(low, high + 1))


def criterion_catalogue(version_ids=None) -> dict[str, dict]:
    """Title and step of every criterion key, for roll-ups across versions: from
    the given rubric versions (those the reviews were scored with) when known,
    else from every published version; the newest wording wins."""
    query = select(RubricVersion).where(RubricVersion.published_at.is_not(None))
    if version_ids is not None:
        query = query.where(RubricVersion.id.in_(list(version_ids)))
    found: dict[str, dict] = {}
    for version in db.session.scalars(query.order_by(RubricVersion.published_at)):
        found.update(criteria_of(version.structure))
    return found


def section_catalogue() -> dict[str, str]:
    """Title of every section key in the rubrics' published versions (newest wins)."""
    found: dict[str, str] = {}
    for version in db.session.scalars(
        select(RubricVersion)
        .where(RubricVersion.published_at.is_not(None))
        .order_by(RubricVersion.published_at)
    ):
        found.update({s["key"]: s["title"] for s in version.structure.get("sections", [])})
    return found
