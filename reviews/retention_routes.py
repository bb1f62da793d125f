"""The retention page for admins: how long each channel's recordings are kept,
what the next run would delete, "Delete now", and what every run deleted."""

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.forms import BoundedIntegerField, PortalForm
from portal.core.htmx import redirect_to, render
from portal.core.jobs import JobLimit
from portal.core.policy import permission_required
from reviews import bp, retention, scheduled_retention
from reviews.policy import RETENTION_MANAGE
from reviews.recordings import CHANNELS


class RetentionForm(PortalForm):
    """A field of days per channel (added below); empty keeps recordings for ever."""

    def values(self) -> dict[str, int | None]:
        # A channel the form did not send at all is left as it is.
        return {c: self[c].data for c in CHANNELS if self[c].raw_data}


for _channel, _label in CHANNELS.items():
    setattr(
        RetentionForm,
        _channel,
        BoundedIntegerField(_label, low=retention.MIN_DAYS, high=retention.MAX_DAYS),
    )


def _page(form: RetentionForm, status: int = 200):
    return render(
        "reviews/retention.html",
        status=status,
        form=form,
        plans=retention.preview(),
        runs=retention.history(),
        runs_limit=retention.HISTORY,
        channels=CHANNELS,
    )


@bp.route("/retention", methods=["GET", "POST"])
@permission_required(RETENTION_MANAGE)
def retention_page():
    kept = retention.rules()
    form = RetentionForm(data={c: r.days for c, r in kept.items()})
    if form.validate_on_submit():
        retention.save_rules(form.values(), by_id=current_user.id)
        flash(_("Retention rules saved."), "success")
        return redirect_to(url_for("reviews.retention_page"))
    return _page(form, status=422 if form.errors else 200)


@bp.post("/retention/purge")
@permission_required(RETENTION_MANAGE)
def retention_purge():
    try:
        job = scheduled_retention.start_purge(current_user.id)
    except JobLimit as busy:
        flash(str(busy), "warning")
        return redirect_to(url_for("reviews.retention_page"))
    if job.state == "done":  # a queue in immediate mode, or a very quick worker
        deleted = job.result.get("recordings", 0)
        flash(_("Recordings deleted: %(n)d.", n=deleted), "success")
    else:
        flash(
            _(
                "Deleting the expired recordings; the history below shows what was "
                "deleted once it is done."
            ),
            "info",
        )
    return redirect_to(url_for("reviews.retention_page"))
