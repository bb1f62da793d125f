"""Finding published scripts: what agents may read, one by its slug, search with filters."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.core import search
from portal.core.extensions import db
from scripts_library.models import ARCHIVED, CallScript


def readable() -> tuple:
    """What agents and new hires see: scripts with a published version that
    are not archived (a draft or review in progress does not hide them)."""
    return (CallScript.published_version > 0, CallScript.state != ARCHIVED)


def find_published(slug: str) -> CallScript | None:
    return db.session.scalar(
        select(CallScript)
        .where(CallScript.slug == slug, *readable())
        .options(selectinload(CallScript.step))
    )


@dataclass
class Filters:
    step_id: int | None = None
    channel: str | None = None
    situation: str | None = None
    segment: str | None = None


COUNT_CAP = 1000


@dataclass
class Results:
    scripts: list[CallScript]
    total: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"

    @property
    def more_than_cap(self) -> bool:
        return self.total > COUNT_CAP


def search_scripts(query: str, filters: Filters, limit: int = 50) -> Results:
    """Published scripts matching the words and filters; title matches first.

    Built to stay fast on 10,000 scripts without a full-text engine: title
    matches come from the short folded titles (cheap to scan, then ranked:
    the whole phrase first); the rest fills up from the full text in id order,
    so the database can stop as soon as it has enough; the count stops at
    COUNT_CAP.
    """
    words = search.query_words(query)
    base = list(readable())
    if filters.step_id:
        base.append(CallScript.step_id == filters.step_id)
    if filters.channel:
        base.append(CallScript.channel == filters.channel)
    if filters.situation:
        base.append(CallScript.situation == filters.situation)
    if filters.segment:
        base.append(CallScript.segment_key.contains(f" {filters.segment} ", autoescape=True))
    load = select(CallScript).options(selectinload(CallScript.step))
    if not words:
        scripts = list(
            db.session.scalars(load.where(*base).order_by(CallScript.title).limit(limit))
        )
        return Results(scripts, _capped_count(base))
    in_title = search.conditions(CallScript.title_key, words)
    phrase_first = case(
        (CallScript.title_key.contains(" " + " ".join(words), autoescape=True), 0), else_=1
    )
    scripts = list(
        db.session.scalars(
            load.where(*base, in_title).order_by(phrase_first, CallScript.title).limit(limit)
        )
    )
    in_text = search.conditions(CallScript.search_text, words)
    if len(scripts) < limit:
        wanted = limit - len(scripts)
        rest = list(
            db.session.scalars(
                load.where(*base, in_text, ~in_title).order_by(CallScript.id).limit(wanted)
            )
        )
        scripts += rest
        if len(rest) < wanted:  # every match is already here: no need to count
            return Results(scripts, len(scripts))
    return Results(scripts, _capped_count([*base, in_text]))


def _capped_count(conditions) -> int:
    matching = select(CallScript.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching)) or 0


def script_slug_choices() -> list[tuple[str, str]]:
    """Published scripts by slug, for other features that link to one (quiz questions)."""
    return [
        (s.slug, s.title)
        for s in db.session.scalars(
            select(CallScript).where(*readable()).order_by(CallScript.title)
        )
    ]
