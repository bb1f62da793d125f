"""Vietnamese-aware text search shared by every feature that searches.

A searchable row keeps a folded copy of its text (lower case, no diacritics,
`đ` as `d`), one word per space, padded with spaces and with the title on the
first line: " xu ly khieu nai \n khach ... ". Matching on " word " finds whole
syllables only ("mai" does not match "email"); the last word of the query
matches as a prefix so results appear while the person is still typing.
"""

import re

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, and_

from portal.core.text import clean, fold

_WORD = re.compile(r"\w+")
_MARKDOWN = re.compile(
    r"(^|\n)\s*(#{1,6}|[-*+>]|\d+\.)\s+|\*\*|__|`|\|[\s:|-]*(?=\n|$)|\||^-{3,}$", re.M
)


def words_of(text: str | None) -> list[str]:
    return _WORD.findall(fold(text))


def document(title: str, *parts) -> str:
    """The folded, padded text to store in a row's search column."""
    flat: list[str] = []
    for part in parts:
        flat.extend(part if isinstance(part, list) else [part or ""])
    body = words_of(" ".join(str(p) for p in flat))
    return f" {' '.join(words_of(title))} \n {' '.join(body)} "


def query_words(query: str, limit: int = 6) -> list[str]:
    return words_of(query[:200])[:limit]


def conditions(column, words: list[str]) -> ColumnElement[bool]:
    """SQL: every word present as a whole word, the last one as a prefix."""
    parts = [column.contains(f" {w} ", autoescape=True) for w in words[:-1]]
    parts.append(column.contains(f" {words[-1]}", autoescape=True))
    return and_(*parts)


def exact_phrase(query: str, *texts: str) -> bool:
    """Whether a query typed with diacritics appears exactly (ignoring case)."""
    raw = clean(query).lower()
    return bool(raw) and fold(raw) != raw and any(raw in (t or "").lower() for t in texts)


def whole_words(doc: str, words: list[str]) -> bool:
    return all(f" {w} " in doc for w in words)


def rank(doc: str, words: list[str], title: str = "", text: str = "", raw_query: str = "") -> tuple:
    """Sort key: phrase in the title, all words in the title, phrase in the
    text, the rest; exact diacritics break ties ("đối thủ" before "đổi thu")."""
    title_part, _, body = doc.partition("\n")
    phrase = " " + " ".join(words)
    if phrase in title_part:
        place = 0
    elif all(f" {w}" in title_part for w in words):
        place = 1
    elif phrase in body:
        place = 2
    else:
        place = 3
    return (place, 0 if exact_phrase(raw_query, title, text) else 1)


def plain(markdown: str) -> str:
    """Markdown reduced to running text for snippets."""
    return clean(_MARKDOWN.sub(" ", markdown or ""))


def snippet(text: str, words: list[str], width: int = 220, prefix: bool = True) -> Markup:
    """A stretch of `text` around the best match, matched words marked (the
    last word also as the start of a longer word when `prefix`)."""
    text = clean(text)
    folded = fold(text)
    if len(folded) != len(text) or not words:  # folding changed lengths (rare)
        return escape(text[:width])
    phrase = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)))
    first = phrase.search(folded) or re.compile(r"(?<!\w)" + re.escape(words[0])).search(folded)
    begin = max(0, (first.start() if first else 0) - 60)
    end = begin + width
    marks = re.compile(
        r"(?<!\w)(" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")"
    )
    out, position = Markup(""), begin
    for match in marks.finditer(folded, begin, end):
        out += escape(text[position : match.start()])
        out += Markup("<mark>") + escape(text[match.start() : match.end()]) + Markup("</mark>")
        position = match.end()
    out += escape(text[position:end])
    return (
        (Markup("…") if begin else Markup(""))
        + out
        + (Markup("…") if end < len(text) else Markup(""))
    )
