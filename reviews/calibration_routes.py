"""Calibration sessions: several reviewers score the same interactions blind,
then see how far apart they are (`reviews.calibration` computes it)."""

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.extensions import db
from portal.core.htmx import form_status, redirect_to, render
from portal.core.policy import permission_required, require
from reviews import auto_checks, bp, calibration, rubrics
from reviews.forms import CalibrationForm
from reviews.interactions import recent_interactions, reviewers
from reviews.models import CalibrationSession
from reviews.policy import REVIEW_CALLS, calibration_sessions_of


@bp.get("/calibration")
@permission_required(REVIEW_CALLS)
def calibration_list():
    sessions = list(db.session.scalars(calibration_sessions_of(current_user)))
    return render("reviews/calibration_list.html", sessions=sessions)


@bp.route("/calibration/new", methods=["GET", "POST"])
@permission_required(REVIEW_CALLS)
def calibration_new():
    form = CalibrationForm(
        versions=rubrics.usable_versions(),
        interactions=recent_interactions(current_user),
        reviewers=reviewers(),
    )
    if not form.validate_on_submit():
        status = form_status()
        return render("reviews/calibration_new.html", form=form, status=status)
    session = calibration.create_session(by=current_user, **form.session())
    flash(_("Calibration created: each reviewer has the interactions in their queue."), "success")
    return redirect_to(url_for("reviews.calibration_session", session_id=session.id))


@bp.get("/calibration/<int:session_id>")
@permission_required(REVIEW_CALLS)
def calibration_session(session_id: int):
    session = db.get_or_404(CalibrationSession, session_id)
    require("calibration.open", session, hide=True)
    participant = current_user.id in {r.id for r in session.reviewers}
    reviews = calibration.reviews_of(session)
    mine = [r for r in reviews if r.reviewer_id == current_user.id]
    # Blind: a participant sees the results once all of their own reviews are in.
    blind = participant and any(r.state in ("assigned", "in_progress") for r in mine)
    return render(
        "reviews/calibration.html",
        session=session,
        reviews=reviews,
        mine=mine,
        blind=blind,
        results=None if blind else calibration.results(session),
        names={r.id: r.name for r in session.reviewers},
        check_label=auto_checks.check_label,
    )
