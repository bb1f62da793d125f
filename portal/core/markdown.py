"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitizes.

Content is written by admins, but it is still sanitized: an account can be
compromised, and imported packs are not trusted.
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _alignment_classes(state) -> None:
    # Aligned table columns come out as style="text-align:right", which the
    # Content-Security-Policy blocks (no inline styles); a class does the same.
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style"):
            align = str(token.attrs.pop("style")).removeprefix("text-align:")
            token.attrSet("class", f"align-{align}")


_md.core.ruler.push("alignment_classes", _alignment_classes)
_ALIGNMENTS = {"align-left", "align-center", "align-right"}

_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(source: str | None) -> Markup:
    """Render Markdown to sanitized HTML, safe to put in a template as is."""
    html = _md.render(source or "")
    safe = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        allowed_classes={"th": _ALIGNMENTS, "td": _ALIGNMENTS},
    )
    return Markup(safe)
