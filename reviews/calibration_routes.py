"""Calibration sessions: several reviewers score the same interactions blind,
then see how far apart they are (`reviews.calibration` computes it)."""

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.htmx import redirect_to, render
from portal.core.policy import permission_required, require
from portal.core.roles import LEADERS
from reviews import bp, calibration, rubrics
from reviews.forms import CalibrationForm
from reviews.models import CalibrationSession, Interaction, RubricVersion
from reviews.policy import REVIEW_CALLS, calibration_sessions_of


@bp.get("/calibration")
@permission_required(REVIEW_CALLS)
def calibration_list():
    sessions = list(db.session.scalars(calibration_sessions_of(current_user)))
    return render("reviews/calibration_list.html", sessions=sessions)


def _calibration_form(**kwargs) -> CalibrationForm:
    form = CalibrationForm(**kwargs)
    form.rubric_version_id.choices = [(v.id, v.title) for v in rubrics.usable_versions()]
    scope = visible_users(current_user).with_only_columns(User.id)
    recent = db.session.scalars(
        select(Interaction)
        .where(Interaction.agent_id.in_(scope))  # a supervisor's own teams' calls
        .order_by(Interaction.occurred_at.desc())
        .limit(200)
    )
    form.interactions.choices = [
        (i.id, f"#{i.id} · {i.agent.name} · {i.customer_ref or i.channel}") for i in recent
    ]
    people = list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([r.value for r in LEADERS]), User.active.is_(True))
            .order_by(User.name)
        )
    )
    form.reviewers.choices = [(u.id, u.name) for u in people]
    form.benchmark_id.choices = [(0, "—")] + [(u.id, u.name) for u in people]
    return form


@bp.route("/calibration/new", methods=["GET", "POST"])
@permission_required(REVIEW_CALLS)
def calibration_new():
    form = _calibration_form()
    if not form.validate_on_submit():
        return render(
            "reviews/calibration_new.html",
            form=form,
            status=422 if request.method == "POST" else 200,
        )
    if len(set(form.reviewers.data) | ({form.benchmark_id.data} - {0})) < 2:
        form.reviewers.errors = [_("A calibration needs at least two reviewers.")]
        return render("reviews/calibration_new.html", form=form, status=422)
    version = db.session.get(RubricVersion, form.rubric_version_id.data)
    chosen = list(
        db.session.scalars(select(Interaction).where(Interaction.id.in_(form.interactions.data)))
    )
    session = calibration.create_session(
        form.title.data,
        version,
        chosen,
        form.reviewers.data,
        benchmark_id=form.benchmark_id.data or None,
        by=current_user,
    )
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
    )
