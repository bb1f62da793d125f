"""What a call script may contain (channels, situations, blocks, placeholders) and its problems."""

import re

from flask_babel import lazy_gettext as _l

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
