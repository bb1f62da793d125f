"""Script library logic: validation, the built-in pack, search, filling in, favourites."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.core import search
from portal.core.content import ItemInfo
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.signals import content_changed
from portal.core.text import clean
from scripts_library.models import (
    ARCHIVED,
    PUBLISHED,
    CallScript,
    ScriptFavourite,
    ScriptUse,
    ScriptVersion,
)

ITEM_KIND = "call_script"

CHANNELS = {
    "phone": _l("Phone"),
    "email": _l("Email"),
    "live_chat": _l("Live chat"),
    "social": _l("Social messaging (Zalo, Messenger)"),
    "in_person": _l("In person"),
}
SITUATIONS = {
    "greeting": _l("Opening and greeting"),
    "needs_discovery": _l("Needs discovery"),
    "presenting_service": _l("Presenting the service"),
    "objection_handling": _l("Objection handling"),
    "closing": _l("Closing"),
    "follow_up_week": _l("Follow-up a week after service"),
    "birthday_holiday": _l("Birthday or holiday greeting"),
    "complaint_apology": _l("Complaint: apology and remedy"),
    "explaining_charge": _l("Explaining a charge"),
    "recontact_lapsed": _l("Re-contacting a lapsed customer"),
    "thank_you": _l("Thank-you"),
}
BLOCK_KINDS = {
    "agent": _l("Agent says"),
    "customer": _l("Customer may say"),
    "note": _l("Tip"),
    "dont_say": _l("Don't say"),
}
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
MAX_BLOCK_TEXT = 4000


# --- validation ---------------------------------------------------------------


def unused_placeholders(content: dict) -> list[str]:
    used = {
        name for b in content.get("blocks") or [] for name in PLACEHOLDER.findall(b.get("text", ""))
    }
    return sorted({p.get("name") for p in content.get("placeholders") or []} - used)


def check_content(
    content: dict, *, known_segments: set[str], step_ids: set[int], unused_is_error: bool = True
) -> list[str]:
    """Every problem with a script's content, in words a writer understands."""
    problems: list[str] = []
    if not content.get("title"):
        problems.append(str(_l("The title is empty.")))
    if content.get("channel") not in CHANNELS:
        problems.append(str(_l("Unknown channel “%(v)s”.", v=content.get("channel"))))
    if content.get("situation") not in SITUATIONS:
        problems.append(str(_l("Unknown situation “%(v)s”.", v=content.get("situation"))))
    if content.get("step_id") not in step_ids:
        problems.append(str(_l("The script must serve one of the nine process steps.")))
    for code in content.get("segments", []):
        if code not in known_segments:
            problems.append(str(_l("Unknown customer segment “%(v)s”.", v=code)))
    blocks = content.get("blocks") or []
    if not any(b.get("text", "").strip() for b in blocks):
        problems.append(str(_l("The script has no text.")))
    keys = [b.get("key") for b in blocks]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(str(_l("Two blocks share the key “%(v)s”.", v=key)))
    used: set[str] = set()
    for block in blocks:
        if block.get("kind") not in BLOCK_KINDS:
            problems.append(str(_l("Block “%(k)s” has an unknown kind.", k=block.get("key"))))
        if len(block.get("text", "")) > MAX_BLOCK_TEXT:
            problems.append(str(_l("Block “%(k)s” is too long.", k=block.get("key"))))
        used.update(PLACEHOLDER.findall(block.get("text", "")))
        for choice in block.get("choices") or []:
            if choice.get("goto") not in keys:
                problems.append(
                    str(
                        _l(
                            "Block “%(k)s” offers a choice leading to block “%(g)s”, which does not exist.",
                            k=block.get("key"),
                            g=choice.get("goto"),
                        )
                    )
                )
    declared = {p.get("name") for p in content.get("placeholders") or []}
    for name in sorted(used - declared):
        problems.append(str(_l("The placeholder {%(n)s} is used but not declared.", n=name)))
    for name in sorted(declared - used) if unused_is_error else ():
        problems.append(str(_l("The placeholder {%(n)s} is declared but never used.", n=name)))
    return problems


# --- the built-in pack ------------------------------------------------------------


def _from_pack(data: dict, step_ids_by_slug: dict[str, int]) -> dict:
    def text(value) -> str:
        return clean(str(value or ""), multiline=True)

    return {
        "title": clean(str(data.get("title", ""))),
        "purpose": text(data.get("purpose")),
        "step_id": step_ids_by_slug.get(data.get("step")),
        "channel": data.get("channel"),
        "situation": data.get("situation"),
        "segments": [str(s) for s in data.get("segments") or []],
        "tags": [clean(str(t)) for t in data.get("tags") or []],
        "placeholders": [
            {
                "name": str(p["name"]),
                "label": clean(str(p.get("label", p["name"]))),
                "default": clean(str(p.get("default") or "")),
            }
            for p in data.get("placeholders") or []
        ],
        "blocks": [
            {
                "key": str(b["key"]),
                "kind": b.get("kind"),
                "text": text(b.get("text")),
                "choices": [
                    {"label": clean(str(c["label"])), "goto": str(c["goto"])}
                    for c in b.get("choices") or []
                ],
            }
            for b in data.get("blocks") or []
        ],
    }


def load_scripts_pack(folder: Path | None = None) -> dict[str, int]:
    """Publish the built-in scripts; a script whose text changed gets a new version.

    Refuses the whole pack (ValueError listing every problem) if any script is
    invalid, so a broken file never half-loads.
    """
    from portal.playbooks.services import process_step_ids, taxonomy

    folder = Path(folder or Path(current_app.config["CONTENT_DIR"]) / "scripts")
    step_ids = process_step_ids()
    known_segments = set(taxonomy().segments)
    contents, problems = {}, []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        content = _from_pack(data, step_ids)
        for problem in check_content(
            content, known_segments=known_segments, step_ids=set(step_ids.values())
        ):
            problems.append(f"{path.name}: {problem}")
        if data.get("slug") in contents:
            problems.append(f"{path.name}: slug {data.get('slug')} is used twice")
        contents[data.get("slug")] = content
    if problems:
        raise ValueError("\n".join(problems))
    counts = publish_all(contents, author=None, note="content pack")
    return {"created": counts["created"], "updated": counts["updated"]}


def publish_all(contents: dict[str, dict], *, author, note: str) -> dict[str, int]:
    """Publish every new or changed script (slug -> content) in one transaction.

    Shared by the built-in pack and the Excel import; onboarding hears about
    changed scripts once everything is committed.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed = []
    existing = {s.slug: s for s in db.session.scalars(select(CallScript))}
    try:
        for slug, content in contents.items():
            script = existing.get(slug)
            if script is None:
                script = CallScript(slug=slug, **content)
                db.session.add(script)
                db.session.flush()
                counts["created"] += 1
            elif script.published_version and all(
                getattr(script, k) == v for k, v in content.items()
            ):
                counts["unchanged"] += 1
                continue
            else:
                counts["updated"] += 1
                changed.append(script)
            publish(script, content, author=author, note=note)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    announce_new_versions(changed)
    return counts


def publish(script: CallScript, content: dict, *, author, note: str) -> ScriptVersion:
    """Write an immutable version and make it what agents read."""
    for key, value in content.items():
        setattr(script, key, value)
    script.published_version += 1
    script.state = PUBLISHED
    script.updated_at = utcnow()
    block_text = [b["text"] for b in content["blocks"]] + [
        c["label"] for b in content["blocks"] for c in b["choices"]
    ]
    script.search_text = search.document(
        content["title"], content["purpose"], content["tags"], block_text
    )
    script.title_key = search.document(content["title"]).split("\n", 1)[0]
    script.segment_key = " " + " ".join(content["segments"]) + " "
    version = ScriptVersion(
        script_id=script.id,
        version=script.published_version,
        change_note=note,
        author=author,
        **content,
    )
    db.session.add(version)
    return version


# --- reading ----------------------------------------------------------------------


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


# --- filling in -------------------------------------------------------------------


def _pieces(text: str, placeholders: list[dict], values: dict[str, str]):
    """Split text into (plain text, None) and (value or label, filled?) pieces.

    A value the agent typed wins, then the declared default; a placeholder
    with neither stays visible as "[label]" so nothing is silently left out.
    """
    declared = {p["name"]: p for p in placeholders}
    position = 0
    for match in PLACEHOLDER.finditer(text):
        yield text[position : match.start()], None
        name = match.group(1)
        value = clean(values.get(name, ""))[:200] or declared.get(name, {}).get("default", "")
        yield (value, True) if value else (declared.get(name, {}).get("label", name), False)
        position = match.end()
    yield text[position:], None


def fill(text: str, placeholders: list[dict], values: dict[str, str]) -> Markup:
    """The text with placeholders replaced, safe for HTML, filled parts marked."""
    out = Markup("")
    for piece, filled in _pieces(text, placeholders, values):
        if filled is None:
            out += escape(piece)
        elif filled:
            out += Markup('<span class="filled">') + escape(piece) + Markup("</span>")
        else:
            out += Markup('<span class="missing">[') + escape(piece) + Markup("]</span>")
    return out


def fill_plain(text: str, placeholders: list[dict], values: dict[str, str]) -> str:
    """The same, as plain text (line breaks kept) for copying into email or chat."""
    return "".join(
        piece if filled is not False else f"[{piece}]"
        for piece, filled in _pieces(text, placeholders, values)
    )


def missing_values(script, values: dict[str, str]) -> list[str]:
    """Labels of placeholders still empty (no value typed, no default)."""
    return [
        p["label"]
        for p in script.placeholders
        if not clean(values.get(p["name"], "")) and not p.get("default")
    ]


def filled_plain_text(script, values: dict[str, str]) -> str:
    """What the agent copies into an email or chat: the agent's lines, filled in."""
    return "\n\n".join(
        fill_plain(b["text"], script.placeholders, values)
        for b in script.blocks
        if b["kind"] == "agent"
    )


# --- comparing versions ----------------------------------------------------------------


def comparable_labels() -> dict[str, str]:
    return {
        "title": str(_l("Title")),
        "purpose": str(_l("Purpose")),
        "where": str(_l("Step, channel and situation")),
        "segments": str(_l("Customer segments")),
        "placeholders": str(_l("Placeholders")),
        "blocks": str(_l("Script")),
    }


def comparable(version) -> dict:
    """A version as lines a person can compare (blocks as "[Kind] text")."""
    from portal.playbooks.services import process_steps

    step_titles = {step.id: step.title for step in process_steps()}
    lines = []
    for block in version.blocks:
        lines.append(f"[{BLOCK_KINDS.get(block['kind'], block['kind'])}] {block['text']}")
        lines.extend(f"    ↳ {c['label']} → {c['goto']}" for c in block["choices"])
    return {
        "title": version.title,
        "purpose": version.purpose,
        "where": " · ".join(
            str(x)
            for x in (
                step_titles.get(version.step_id),
                CHANNELS.get(version.channel),
                SITUATIONS.get(version.situation),
            )
        ),
        "segments": list(version.segments),
        "placeholders": [
            f"{{{p['name']}}} {p['label']} ({p['default']})" for p in version.placeholders
        ],
        "blocks": lines,
    }


# --- running a script block by block -------------------------------------------------

MAX_PATH = 100


@dataclass
class RunState:
    trail: list[dict]  # blocks visited, in order (a loop visits a block again)
    current: dict
    next_key: str | None  # the following block when there is no choice to make

    @property
    def path(self) -> list[str]:
        return [b["key"] for b in self.trail] + [self.current["key"]]

    @property
    def back_path(self) -> list[str]:
        return [b["key"] for b in self.trail]


def walk(script: CallScript, keys: list[str]) -> RunState:
    """Where an agent is after taking `keys` through the script.

    The path lives in the URL, not the database, so Back (ours or the
    browser's) always works; an unknown key restarts from the first block.
    """
    blocks = {b["key"]: b for b in script.blocks}
    order = [b["key"] for b in script.blocks]
    keys = [k for k in keys[:MAX_PATH] if k]
    # The conversation moves through what is said; tips and "don't say"
    # lines are shown beside it, never as a step of their own.
    spoken = [k for k in order if blocks[k]["kind"] in ("agent", "customer")] or order
    if not keys or any(k not in blocks for k in keys):
        keys = [spoken[0]]
    current = blocks[keys[-1]]
    later = [k for k in spoken if order.index(k) > order.index(current["key"])]
    following = later[0] if later else None
    return RunState(
        [blocks[k] for k in keys[:-1]], current, None if current["choices"] else following
    )


# --- favourites and recent use ------------------------------------------------------


def is_favourite(user_id: int, script_id: int) -> bool:
    return db.session.get(ScriptFavourite, (user_id, script_id)) is not None


def toggle_favourite(user_id: int, script_id: int) -> bool:
    """Add or remove a favourite; returns whether it is now a favourite."""
    existing = db.session.get(ScriptFavourite, (user_id, script_id))
    if existing:
        db.session.delete(existing)
    else:
        db.session.add(ScriptFavourite(user_id=user_id, script_id=script_id))
    db.session.commit()
    return existing is None


def record_use(user_id: int, script_id: int) -> None:
    use = db.session.get(ScriptUse, (user_id, script_id))
    if use is None:
        db.session.add(ScriptUse(user_id=user_id, script_id=script_id, used_at=utcnow()))
    else:
        use.used_at = utcnow()
    db.session.commit()


def favourites(user_id: int) -> list[CallScript]:
    return list(
        db.session.scalars(
            select(CallScript)
            .join(ScriptFavourite, ScriptFavourite.script_id == CallScript.id)
            .where(ScriptFavourite.user_id == user_id, *readable())
            .order_by(CallScript.title)
        )
    )


def recently_used(user_id: int, limit: int = 8) -> list[CallScript]:
    return list(
        db.session.scalars(
            select(CallScript)
            .join(ScriptUse, ScriptUse.script_id == CallScript.id)
            .where(ScriptUse.user_id == user_id, *readable())
            .order_by(ScriptUse.used_at.desc())
            .limit(limit)
        )
    )


# --- onboarding items ---------------------------------------------------------------


def onboarding_items(ref_ids: list[int]) -> dict[int, ItemInfo]:
    scripts = db.session.scalars(select(CallScript).where(CallScript.id.in_(ref_ids)))
    return {
        s.id: ItemInfo(
            s.title,
            f"{CHANNELS.get(s.channel, s.channel)} · {SITUATIONS.get(s.situation, s.situation)}",
            url_for("scripts_library.script", slug=s.slug),
            s.published_version,
        )
        for s in scripts
        if s.published_version and s.state != ARCHIVED
    }


def script_choices() -> list[tuple[int, str]]:
    return [
        (s.id, f"{s.title} ({CHANNELS.get(s.channel, s.channel)})")
        for s in db.session.scalars(
            select(CallScript).where(*readable()).order_by(CallScript.title)
        )
    ]


def script_slug_choices() -> list[tuple[str, str]]:
    """Published scripts by slug, for other features that link to one (quiz questions)."""
    return [
        (s.slug, s.title)
        for s in db.session.scalars(
            select(CallScript).where(*readable()).order_by(CallScript.title)
        )
    ]


def version_diff_url(ref_id: int, from_version: int) -> str | None:
    script = db.session.get(CallScript, ref_id)
    if script is None or not script.published_version:
        return None
    return url_for(
        "scripts_library.diff", slug=script.slug, a=from_version, b=script.published_version
    )


def announce_new_versions(scripts) -> None:
    """Tell onboarding (through the signal) that these scripts have a new version."""
    app = current_app._get_current_object()
    for script in scripts:
        content_changed.send(
            app, kind=ITEM_KIND, ref_id=script.id, version=script.published_version
        )
