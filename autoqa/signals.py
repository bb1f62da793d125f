"""Sampling signals from the automatic QA (reviews/sampling.py draws by them): the
calls with the lowest auto-QA score, the most dead air, the most overtalk."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from autoqa.models import DONE, CallAnalysis
from reviews.models import Interaction
from reviews.sampling import Signal

DEAD_AIR_SECONDS = 5.0  # the longest silence at least this long
OVERTALK_SECONDS = 1.0  # overtalk in all at least this long (stereo calls only)


def _analysed(candidates: Select) -> Select:
    return candidates.join(CallAnalysis, CallAnalysis.interaction_id == Interaction.id).where(
        CallAnalysis.state == DONE
    )


def _lowest_score(candidates: Select) -> Select:
    return (
        _analysed(candidates)
        .where(CallAnalysis.auto_score.is_not(None))
        .order_by(CallAnalysis.auto_score, Interaction.id)
    )


def _by_measure(name: str, at_least: float):
    def rank(candidates: Select) -> Select:
        figure = CallAnalysis.measures[name].as_float()  # JSON, on SQLite and PostgreSQL
        return (
            _analysed(candidates).where(figure >= at_least).order_by(figure.desc(), Interaction.id)
        )

    return rank


SIGNALS = (
    Signal("lowest_auto_qa", _l("Lowest auto-QA score"), _lowest_score),
    Signal("dead_air", _l("Most dead air"), _by_measure("longest_silence", DEAD_AIR_SECONDS)),
    Signal("overtalk", _l("Most overtalk"), _by_measure("overtalk_seconds", OVERTALK_SECONDS)),
)
