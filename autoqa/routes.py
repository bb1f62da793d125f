"""The analysis panel on the pages of a call, and asking for it again (a person
who may review the call)."""

from flask import Blueprint, abort, flash, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from autoqa import queueing
from autoqa.figures import figures_of
from autoqa.models import DONE, QUEUED
from autoqa.results import Mark, analysis_of, timeline
from autoqa.signals import SIGNALS
from portal.core.extensions import db
from portal.core.htmx import redirect_to
from portal.core.policy import may, require
from reviews import auto_checks
from reviews.auto_checks import register_figures
from reviews.models import Interaction
from reviews.review_aids import ReviewAid, register_review_aid
from reviews.sampling import register_signal

bp = Blueprint("autoqa", __name__, template_folder="templates")

MARKS = {
    "agent": _l("Agent speaking"),
    "customer": _l("Customer speaking"),
    "any": _l("Speech"),
    "overtalk": _l("Overtalk"),
    "dead_air": _l("Dead air"),
    "hold": _l("Hold"),
}


# The closing's parts, which rubrics score together ("closing"); the other checks'
# names are the rubrics' vocabulary (reviews/auto_checks.py).
CLOSING_PARTS = {
    "closing_thanks": _l("Thanks the customer at the end"),
    "closing_anything_else": _l("Asks whether anything else is needed"),
    "closing_next_step": _l("Confirms the next step"),
}


def check_label(finding: dict) -> str:
    if finding["check"] == "dont_say":
        return _("Don't say: %(rule)s", rule=finding["title"])
    if finding["check"] in CLOSING_PARTS:
        return str(CLOSING_PARTS[finding["check"]])
    return auto_checks.check_label(finding["check"])


def panel(interaction: Interaction) -> dict | None:
    """The context of autoqa/_panel.html (registered as a review aid)."""
    analysis = analysis_of(interaction)
    if not interaction.recording_file and analysis is None:
        return None
    done = analysis is not None and analysis.state == DONE
    measures = analysis.measures if done else {}
    return {
        "analysis": analysis,
        "waiting": analysis is None or analysis.state == QUEUED,
        "measures": measures,
        "marks": timeline(measures) if done else [],
        "duration": max(measures.get("duration") or 0, 1) if done else 1,
        "interaction_id": interaction.id,
        "may_request": may(current_user, "interaction.review", interaction),
        "mark_label": mark_label,
        "check_label": check_label,
    }


@bp.record_once
def _under_the_player(state) -> None:
    register_review_aid(state.app, ReviewAid("autoqa/_panel.html", panel))
    register_figures(state.app, lambda interaction: figures_of(analysis_of(interaction)))
    for signal in SIGNALS:
        register_signal(state.app, signal)


def mark_label(mark: Mark) -> str:
    start, end = format_decimal(round(mark.start, 1)), format_decimal(round(mark.end, 1))
    return f"{MARKS[mark.kind]} {start}–{end} s"  # the language's decimal sign


@bp.post("/interactions/<int:interaction_id>/analyse")
@login_required
def analyse_again(interaction_id: int):
    interaction = db.session.get(Interaction, interaction_id)
    if interaction is None or not (interaction.recording_file or interaction.transcript):
        abort(404)
    require("interaction.review", interaction, hide=True)
    queueing.request_again(interaction)
    flash(_("The call will be analysed again in a moment."), "success")
    return redirect_to(url_for("reviews.interaction", interaction_id=interaction.id))
