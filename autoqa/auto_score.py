"""The auto-QA score of an analysed call: the published rubric of its channel,
scored on the criteria whose automatic checks gave a suggestion, by the same rules
as a person's review. It is kept apart from the reviewers' scores everywhere (the
KPI pages show "Auto-QA" beside "Reviewed", never mixed): it measures what the
checks can hear, not the whole call."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from autoqa.figures import figures_of
from autoqa.models import DONE, CallAnalysis
from reviews import auto_checks
from reviews.models import Interaction, Rubric, RubricVersion

# Which rubric scores a channel's calls automatically; AUTOQA_RUBRICS overrides it.
RUBRIC_OF_CHANNEL = {"phone": "goi-dien"}
OTHER_CHANNELS = "chat-email"


def slug_for(channel: str) -> str:
    chosen = {**RUBRIC_OF_CHANNEL, **current_app.config.get("AUTOQA_RUBRICS", {})}
    return chosen.get(channel, OTHER_CHANNELS)


def rubric_for(session: Session, channel: str) -> RubricVersion | None:
    slug = slug_for(channel)
    return session.scalar(
        select(RubricVersion)
        .join(Rubric, Rubric.id == RubricVersion.rubric_id)
        .where(Rubric.slug == slug, RubricVersion.version == Rubric.published_version)
    )


def score_call(
    session: Session, analysis: CallAnalysis, interaction: Interaction, version=None
) -> None:
    """Set the call's suggestions and auto-QA score (none when the analysis failed,
    or no criterion of the rubric has a check the call could answer). `version`: the
    channel's rubric version when the caller has it already (a rescoring batch)."""
    analysis.auto_score = analysis.auto_passed = analysis.auto_rubric_version_id = None
    analysis.suggested = {}
    version = version or rubric_for(session, interaction.channel)
    if analysis.state != DONE or version is None:
        return
    suggested = auto_checks.suggestions(version.structure, figures_of(analysis))
    if not suggested:
        return
    result = auto_checks.auto_score(version.structure, suggested, version.pass_percent)
    analysis.auto_rubric_version_id = version.id
    analysis.auto_score, analysis.auto_passed = result.percent, result.passed
    analysis.suggested = {
        key: {"value": s.value, "reasons": s.reasons} for key, s in suggested.items()
    }
