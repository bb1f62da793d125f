"""The recording access log for admins: a page (filtered by person and by
interaction) and its CSV export."""

from flask import Response, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.htmx import render
from portal.core.models import local_today
from portal.core.params import int_arg
from portal.core.policy import permission_required
from reviews import access_log, bp
from reviews.models import API, DOWNLOAD, PLAY
from reviews.policy import RECORDINGS_AUDIT

HOWS = {PLAY: _l("Played"), DOWNLOAD: _l("Downloaded"), API: _l("Through the API")}


def _filters() -> access_log.Filters:
    return access_log.Filters(user_id=int_arg("person"), interaction_id=int_arg("interaction"))


@bp.get("/recordings/accesses")
@permission_required(RECORDINGS_AUDIT)
def recording_accesses():
    filters = _filters()
    return render(
        "reviews/recording_accesses.html",
        accesses=access_log.page(filters, int_arg("page")),
        people=access_log.people_in_log(),
        filters=filters,
        hows=HOWS,
        csv_url=url_for(
            "reviews.recording_accesses_csv",
            person=filters.user_id,
            interaction=filters.interaction_id,
        ),
    )


@bp.get("/recordings/accesses.csv")
@permission_required(RECORDINGS_AUDIT)
def recording_accesses_csv():
    headers = [_("Time"), _("Person"), _("Email"), _("Interaction"), _("How"), _("Address")]
    body = access_log.as_csv(_filters(), headers, HOWS)
    filename = f"recording-accesses-{local_today().isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
