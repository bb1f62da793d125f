"""Rubrics (admins edit, supervisors read) and calibration sessions."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.auth import roles_required
from portal.core.extensions import db
from portal.core.htmx import redirect_to, render
from portal.core.params import whole_number
from portal.core.roles import Role
from reviews import bp, calibration, rubrics
from reviews.forms import CalibrationForm, NewRubricForm, RubricForm
from reviews.models import CalibrationSession, Interaction, Rubric, RubricVersion

READERS = (Role.SUPERVISOR, Role.HR, Role.ADMIN)
REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)


def _rubric_or_404(slug: str) -> Rubric:
    rubric = db.session.scalar(select(Rubric).where(Rubric.slug == slug))
    if rubric is None:
        abort(404)
    return rubric


@bp.get("/rubrics")
@roles_required(*READERS)
def rubric_list():
    return render(
        "reviews/rubrics.html",
        rubrics=list(db.session.scalars(select(Rubric).order_by(Rubric.title))),
    )


@bp.get("/rubrics/<slug>")
@roles_required(*READERS)
def rubric(slug: str):
    current = _rubric_or_404(slug)
    versions = list(
        db.session.scalars(
            select(RubricVersion)
            .where(RubricVersion.rubric_id == current.id)
            .order_by(RubricVersion.version.desc())
        )
    )
    number = request.args.get("v", type=int) or current.published_version or versions[0].version
    shown = next((v for v in versions if v.version == number), versions[0])
    return render(
        "reviews/rubric.html",
        rubric=current,
        versions=versions,
        shown=shown,
        scale_values=rubrics.scale_values,
    )


@bp.route("/rubrics/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rubric_new():
    form = NewRubricForm()
    if not form.validate_on_submit():
        return render(
            "reviews/rubric_new.html", form=form, status=422 if request.method == "POST" else 200
        )
    if db.session.scalar(select(Rubric.id).where(Rubric.slug == form.slug.data)):
        form.slug.errors = [_("Another rubric already uses this short name.")]
        return render("reviews/rubric_new.html", form=form, status=422)
    created = rubrics.create_rubric(form.slug.data, form.title.data, author=current_user)
    return redirect_to(url_for("reviews.rubric_edit", slug=created.slug))


def _editor(rubric, draft, form, *, status=200, problems=(), conflict=False):
    return render(
        "reviews/rubric_edit.html",
        status=status,
        rubric=rubric,
        draft=draft,
        form=form,
        problems=problems,
        conflict=conflict,
    )


@bp.route("/rubrics/<slug>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rubric_edit(slug: str):
    """Edit the draft; a published version never changes. Opening the editor
    creates nothing: the first save makes the draft (a copy of the published
    version). Lock version 0 means "no draft existed when this page opened"."""
    current = _rubric_or_404(slug)
    draft = rubrics.draft_of(current)
    if request.method == "GET":
        base = draft or rubrics.published(current)
        form = RubricForm(formdata=None)
        form.title.data, form.pass_percent.data = base.title, base.pass_percent
        form.source.data = rubrics.to_yaml(base.structure)
        # Which draft this page edits, and at which save: "id:lock" (or "0").
        form.lock_version.data = f"{draft.id}:{draft.lock_version}" if draft else "0"
        return _editor(current, draft, form)
    form = RubricForm()
    if not form.validate_on_submit():
        return _editor(current, draft, form, status=422)
    token = str(form.lock_version.data or "")
    seen_id, _sep, seen_lock = token.partition(":")
    if draft is None and token == "0":
        _structure, problems = rubrics.parse_yaml(form.source.data)
        if problems:  # a refused first save starts no draft
            return _editor(current, None, form, status=422, problems=problems)
        draft = rubrics.open_draft(current, author=current_user)
        seen = draft.lock_version
    elif draft is None or whole_number(seen_id) != draft.id:
        # The draft this page edited was published, or another one was started meanwhile.
        return _editor(current, draft, form, status=409, conflict=True)
    else:
        seen = whole_number(seen_lock)
    try:
        rubrics.save_draft(
            draft,
            title=form.title.data,
            pass_percent=form.pass_percent.data,
            source=form.source.data,
            author=current_user,
            lock_version=seen,
        )
    except rubrics.InvalidRubric as invalid:
        return _editor(current, draft, form, status=422, problems=invalid.problems)
    except rubrics.StaleRubric:
        return _editor(current, draft, form, status=409, conflict=True)
    if request.form.get("publish") == "1":
        try:
            rubrics.publish(draft, note=request.form.get("note", "")[:200])
        except rubrics.InvalidRubric as invalid:
            return _editor(current, draft, form, status=422, problems=invalid.problems)
        flash(
            _(
                "Published as version %(v)d. Reviews already made keep their version.",
                v=draft.version,
            ),
            "success",
        )
        return redirect_to(url_for("reviews.rubric", slug=slug))
    flash(_("Draft saved."), "success")
    return redirect_to(url_for("reviews.rubric_edit", slug=slug))


@bp.post("/rubrics/<slug>/retire")
@roles_required(Role.ADMIN)
def rubric_retire(slug: str):
    current = _rubric_or_404(slug)
    rubrics.retire(current)
    flash(_("Retired: no new reviews will use it; existing reviews keep it."), "success")
    return redirect_to(url_for("reviews.rubric", slug=slug))


# --- calibration ------------------------------------------------------------------------


@bp.get("/calibration")
@roles_required(*REVIEWERS)
def calibration_list():
    query = select(CalibrationSession).order_by(CalibrationSession.created_at.desc())
    if current_user.role != Role.ADMIN:
        from reviews.models import calibration_reviewers

        mine = select(calibration_reviewers.c.session_id).where(
            calibration_reviewers.c.user_id == current_user.id
        )
        query = query.where(
            (CalibrationSession.created_by_id == current_user.id) | CalibrationSession.id.in_(mine)
        )
    sessions = list(db.session.scalars(query))
    return render("reviews/calibration_list.html", sessions=sessions)


def _calibration_form(**kwargs) -> CalibrationForm:
    form = CalibrationForm(**kwargs)
    form.rubric_version_id.choices = [(v.id, v.title) for v in rubrics.usable_versions()]
    from portal.accounts.services import visible_users

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
            .where(User.role.in_(["supervisor", "admin"]), User.active.is_(True))
            .order_by(User.name)
        )
    )
    form.reviewers.choices = [(u.id, u.name) for u in people]
    form.benchmark_id.choices = [(0, "—")] + [(u.id, u.name) for u in people]
    return form


@bp.route("/calibration/new", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
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
@roles_required(*REVIEWERS)
def calibration_session(session_id: int):
    session = db.get_or_404(CalibrationSession, session_id)
    participant = current_user.id in {r.id for r in session.reviewers}
    if (
        not participant
        and current_user.id != session.created_by_id
        and current_user.role != Role.ADMIN
    ):
        abort(404)
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
