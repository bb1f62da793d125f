"""Masking personal data in call transcripts at intake (Decree 13/2023): phone
numbers, national ID numbers, payment card numbers and email addresses are
replaced by a labelled placeholder before the text is stored, so the original
never reaches the database.

Before matching
- The text is NFC-normalised and zero-width characters (U+200B–U+200F,
  U+2060–U+2064, U+FEFF, soft hyphen U+00AD, U+180E) are removed everywhere:
  "09\u200b12 345 678" is the number 0912 345 678, and these characters carry no
  meaning in a transcript.
- Decimal digits of other scripts (full-width ０-９ from Asian keyboards,
  Arabic-Indic, …) become ASCII digits: the same number, and one that cannot
  slip past the matcher by its script. Nothing else in the text changes.

What counts as one number
A run of digit groups joined by one separator: a space (also no-break), a dot,
or a dash (-, ‐, ‑, –, optionally with spaces around it); a group may carry a
leading "+" and parentheses ("(028) 3822 1234", "(+84) 912 345 678"). A run
that is glued to a letter or digit, or to "letter-" / "letter." (order codes
"DH-2026-000123", models "SM-A556E", versions "v1.2.3"), is not a number.
A run may hold several numbers side by side with spaces ("gọi 0912345678 2
lần"): it is split only at spaces, never inside a group or at a dot or dash, and
the longest piece that is a number of some kind is masked first, left to right.

Which kind (the digits of a piece decide; the kinds never share a shape)
1. Email addresses first: digits inside an address belong to the address.
2. Written with "+": a phone number only (+84 followed by 9 or 10 digits, an
   optional 0 after the country code allowed).
3. Phone: 10 digits starting 0 (mobile, 0xxx xxx xxx), 11 digits starting 02
   (landline, 02x xxxx xxxx), or 84 followed by such a number without its 0.
4. National ID: 12 digits starting 0 (CCCD: it begins with a province code
   001–096) or 9 digits (CMND).
5. Payment card: 13–19 digits starting 2–6 or 9704 (Napas), written as one
   run or in groups of four (or 4-6-5 / 4-6-4), whose Luhn check digit is
   right. A card-shaped run that fails the check is an order or reference number:
   it is left as written and not cut into smaller pieces.
Never masked: amounts written with thousands dots ("1.500.000 đồng",
"150.000.000": a first group of 1–3 digits not starting 0, then groups of three),
dates, times, 8-digit and shorter numbers such as a 6-digit OTP (an OTP expires
within minutes, and masking every 6-digit run would hide the order numbers and
amounts a reviewer needs), 1800/1900 hotlines (a business's number, not a
person's).
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from flask import current_app

log = logging.getLogger(__name__)

PLACEHOLDERS = {
    "phone": "[số điện thoại]",
    "id": "[số CCCD/CMND]",
    "card": "[số thẻ]",
    "email": "[email]",
}

_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# Every non-ASCII decimal digit → its ASCII digit (built once, ~700 characters).
_DIGITS = {
    cp: ord("0") + unicodedata.decimal(chr(cp))
    for cp in range(0x660, 0x1FBFA)
    if unicodedata.category(chr(cp)) == "Nd"
}
_DIGITS[0xFF0B] = ord("+")  # full-width plus, as in "＋８４"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_DASH = "\\-\u2010\u2011\u2013"
_DASHES = "-\u2010\u2011\u2013"
_GROUP = r"\(?\+?\(?[0-9]+\)?"
_SEP = rf"(?:[ \u00a0]?[.{_DASH}][ \u00a0]?|[ \u00a0]|(?<=\)))"
_RUN = re.compile(rf"(?<![\w+])(?<![^\W\d_][.{_DASH}]){_GROUP}(?:{_SEP}{_GROUP})*")
_DIGIT_GROUP = re.compile(r"[0-9]+")

_PHONE_NATIONAL = re.compile(r"0[1-9][0-9]{8}|02[0-9]{9}")
_CARD_PREFIX = re.compile(r"[2-6]|9704")
_CARD_GROUPS = ((4, 6, 5), (4, 6, 4))  # Amex, Diners


@dataclass
class Masked:
    text: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PLACEHOLDERS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card_shaped(sizes: list[int]) -> bool:
    if len(sizes) == 1:
        return True
    if all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4:
        return True
    return tuple(sizes) in _CARD_GROUPS


def _is_amount(seps: list[str], sizes: list[int], digits: str) -> bool:
    return (
        len(sizes) > 1
        and all(sep == "." for sep in seps)
        and 1 <= sizes[0] <= 3
        and digits[0] != "0"
        and all(size == 3 for size in sizes[1:])
    )


def _kind(digits: str, sizes: list[int], seps: list[str], plus: bool) -> str | None:
    """Which kind of personal number these digits are, if any (docstring, rules 2–5)."""
    if plus:
        national = digits[2:] if digits.startswith("84") else ""
        if national.startswith("0"):
            national = national[1:]
        return "phone" if _PHONE_NATIONAL.fullmatch("0" + national) else None
    if _is_amount(seps, sizes, digits):
        return None
    if _PHONE_NATIONAL.fullmatch(digits):
        return "phone"
    if digits.startswith("84") and len(digits) in (11, 12):
        return "phone" if _PHONE_NATIONAL.fullmatch("0" + digits[2:]) else None
    if len(digits) == 9 or (len(digits) == 12 and digits[0] == "0"):
        return "id"
    if 13 <= len(digits) <= 19 and _card_shaped(sizes) and _CARD_PREFIX.match(digits):
        return "card" if luhn_ok(digits) else "not-a-card"
    return None


def _mask_run(run: str, counts: dict[str, int]) -> str:
    """The run with each personal number in it replaced (split at spaces only)."""
    groups = list(_DIGIT_GROUP.finditer(run))
    texts = [g.group() for g in groups]
    between = zip(groups, groups[1:], strict=False)
    seps = [run[a.end() : b.start()].strip(" \u00a0()+") or " " for a, b in between]
    seps = ["-" if s[0] in _DASHES else s for s in seps]
    out, done, i = [], 0, 0
    while i < len(groups):
        found = None
        if i == 0 or seps[i - 1] == " ":  # pieces start and end at a space
            ends, length = [], 0
            for j in range(i, len(groups)):
                length += len(texts[j])
                if length > 19:
                    break
                if length >= 9 and (j + 1 == len(groups) or seps[j] == " "):
                    ends.append(j)
            for j in reversed(ends):  # the longest piece first
                digits = "".join(texts[i : j + 1])
                start = groups[i].start()
                plus = "+" in run[max(0, start - 2) : start]
                kind = _kind(digits, [len(t) for t in texts[i : j + 1]], seps[i:j], plus)
                if kind:
                    found = (j, kind)
                    break
        if found is None:
            i += 1
            continue
        j, kind = found
        if kind != "not-a-card":
            start = groups[i].start()
            while start > 0 and run[start - 1] in "+(":
                start -= 1
            end = groups[j].end()
            opened = run[start:end].count("(") > run[start:end].count(")")
            if opened and run[end : end + 1] == ")":
                end += 1
            out.append(run[done:start])
            out.append(PLACEHOLDERS[kind])
            counts[kind] += 1
            done = end
        i = j + 1
    out.append(run[done:])
    return "".join(out)


def prepare(text: str) -> str:
    """NFC, no zero-width characters, ASCII digits (the docstring's "Before matching")."""
    text = unicodedata.normalize("NFC", text)
    return _ZERO_WIDTH.sub("", text).translate(_DIGITS)


def at_intake(text: str) -> str:
    """What is stored of a transcript that enters the portal: masked unless the
    admin turned masking off (PORTAL_TRANSCRIPT_MASKING=0). Every way in (the form,
    a batch, the API) goes through reviews.recordings.create_interaction, which
    calls this."""
    if not current_app.config.get("TRANSCRIPT_MASKING", True):
        return text
    masked = mask(text)
    if masked.total:
        log.info("transcript masked at intake: %s", masked.counts)  # counts, never the text
    return masked.text


def mask(text: str | None) -> Masked:
    """The text with personal data replaced by placeholders, and how many of each."""
    masked = Masked(prepare(text or ""))
    counts = masked.counts

    def email(match: re.Match) -> str:
        counts["email"] += 1
        return PLACEHOLDERS["email"]

    masked.text = _EMAIL.sub(email, masked.text)
    masked.text = _RUN.sub(lambda m: _mask_run(m.group(), counts), masked.text)
    return masked
