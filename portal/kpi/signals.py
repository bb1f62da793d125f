"""Sampling signals from the customer outcomes (reviews/sampling.py draws by them):
calls whose customer answered as a detractor (NPS 0–6), and calls that became a
complaint. An outcome belongs to a call when the CRM's record id is the call's id
in the phone system (the import keys records as "id:<record id>", the intake keeps
Interaction.external_id), for the same agent."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, literal

from portal.kpi import bp
from portal.kpi.models import OutcomeRecord
from reviews.models import Interaction
from reviews.sampling import Signal, register_signal


def _with_outcome(candidates: Select) -> Select:
    return candidates.join(
        OutcomeRecord,
        (OutcomeRecord.record_key == literal("id:") + Interaction.external_id)
        & (OutcomeRecord.agent_id == Interaction.agent_id),
    )


def _detractors(candidates: Select) -> Select:
    return (
        _with_outcome(candidates)
        .where(OutcomeRecord.nps <= 6)
        .order_by(OutcomeRecord.nps, Interaction.id)
    )


def _complaints(candidates: Select) -> Select:
    return (
        _with_outcome(candidates)
        .where(OutcomeRecord.complaint.is_(True))
        .order_by(Interaction.occurred_at.desc(), Interaction.id)
    )


SIGNALS = (
    Signal("detractor", _l("Detractors (NPS 0–6)"), _detractors),
    Signal("complaint", _l("Complaints"), _complaints),
)


@bp.record_once
def _register(state) -> None:
    for signal in SIGNALS:
        register_signal(state.app, signal)
