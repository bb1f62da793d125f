"""What features above reviews add to the pages of a call (the automatic QA's
measures and timeline under the player), without reviews importing them: each
registers a template and a function giving its context for an interaction, or
None when it has nothing to show."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from reviews.models import Interaction


@dataclass(frozen=True)
class ReviewAid:
    template: str
    context: Callable[[Interaction], dict | None]


def register_review_aid(app: Flask, aid: ReviewAid) -> None:
    app.extensions.setdefault("review_aids", []).append(aid)


def aids_for(interaction: Interaction) -> list[tuple[str, dict]]:
    """[(template, context)] of every aid with something for this interaction."""
    shown = []
    for aid in current_app.extensions.get("review_aids", []):
        context = aid.context(interaction)
        if context is not None:
            shown.append((aid.template, context))
    return shown
