"""Interactions and their recordings: list, upload one, upload a batch with a
manifest, listen (range requests), start a review, draw a sample."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.htmx import redirect_to, render
from portal.core.params import int_arg
from portal.core.policy import may, permission_required, require
from portal.core.roles import FRONTLINE, LEADERS
from portal.core.uploads import upload_limit
from portal.core.workbooks import WorkbookError
from reviews import bp, recordings, reviewing, rubrics, sampling
from reviews.forms import BatchForm, InteractionForm, SampleForm, StartReviewForm
from reviews.models import ASSIGNED, IN_PROGRESS, REGULAR, Interaction, Review
from reviews.policy import REVIEW_CALLS

PER_PAGE = 50


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))


def _agents_in_scope() -> list[User]:
    return list(
        db.session.scalars(
            visible_users(current_user)
            .where(User.role.in_([r.value for r in FRONTLINE]), User.active.is_(True))
            .order_by(User.name)
        )
    )


def _step_choices():
    from portal.playbooks.services import process_step_choices

    return [(0, "—"), *process_step_choices()]


@bp.get("/interactions")
@permission_required(REVIEW_CALLS)
def interactions():
    scope = visible_users(current_user).with_only_columns(User.id)
    query = select(Interaction).where(Interaction.agent_id.in_(scope))
    agent = int_arg("agent")
    if agent:
        query = query.where(Interaction.agent_id == agent)
    channel = request.args.get("channel", "")
    if channel in recordings.CHANNELS:
        query = query.where(Interaction.channel == channel)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, int_arg("page") or 1)
    rows = list(
        db.session.scalars(
            query.options(selectinload(Interaction.agent))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    reviewed = dict(
        db.session.execute(
            select(Review.interaction_id, func.count())
            .where(Review.interaction_id.in_([r.id for r in rows]))
            .group_by(Review.interaction_id)
        ).all()
    )
    return render(
        "reviews/interactions.html",
        rows=rows,
        reviewed=reviewed,
        agents=_agents_in_scope(),
        channels=recordings.CHANNELS,
        total=total,
        current_page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


def _interaction_form(**kwargs) -> InteractionForm:
    form = InteractionForm(**kwargs)
    form.agent_id.choices = [(u.id, u.name) for u in _agents_in_scope()]
    form.channel.choices = [(k, str(v)) for k, v in recordings.CHANNELS.items()]
    form.step_id.choices = _step_choices()
    return form


@bp.route("/interactions/new", methods=["GET", "POST"])
@upload_limit("RECORDING_MAX_MB")  # recordings are larger than the portal's other uploads
@permission_required(REVIEW_CALLS)
def interaction_new():
    form = _interaction_form()
    if not form.validate_on_submit():
        return render(
            "reviews/interaction_new.html",
            form=form,
            status=422 if request.method == "POST" else 200,
        )
    audio = None
    upload = form.recording.data
    if upload and upload.filename:
        try:
            audio = recordings.check_audio(
                upload.stream, max_bytes=current_app.config["RECORDING_MAX_MB"] * 1024 * 1024
            )
        except recordings.RecordingRejected as rejected:
            form.recording.errors = [str(rejected)]
            return render("reviews/interaction_new.html", form=form, status=422)
    when = form.occurred_at.data.replace(tzinfo=_zone()).astimezone(ZoneInfo("UTC"))
    interaction = recordings.create_interaction(
        recordings.InteractionInput(
            agent_id=form.agent_id.data,
            channel=form.channel.data,
            occurred_at=when,
            customer_ref=form.customer_ref.data or "",
            step_id=form.step_id.data or None,
            transcript=form.transcript.data or "",
        ),
        audio,
        by=current_user,
        original=recordings.client_name(upload.filename) if audio else "",
    )
    db.session.commit()
    flash(_("Interaction saved."), "success")
    return redirect_to(url_for("reviews.interaction", interaction_id=interaction.id))


@bp.route("/interactions/import", methods=["GET", "POST"])
@upload_limit("RECORDING_BATCH_MAX_MB")
@permission_required(REVIEW_CALLS)
def interaction_import():
    from portal.playbooks.services import process_step_ids

    form = BatchForm()
    if not form.validate_on_submit():
        return render(
            "reviews/interaction_import.html",
            form=form,
            status=422 if request.method == "POST" else 200,
        )
    try:
        result = recordings.import_batch(
            form.manifest.data.stream,
            [f for f in request.files.getlist(form.recordings.name) if f.filename],
            by=current_user,
            max_bytes=current_app.config["RECORDING_MAX_MB"] * 1024 * 1024,
            step_ids=process_step_ids(),
        )
    except WorkbookError as error:
        form.manifest.errors = [str(error)]
        return render("reviews/interaction_import.html", form=form, status=422)
    status = 422 if result.rejected and not result.created else 200
    return render(
        "reviews/interaction_import.html",
        form=BatchForm(formdata=None),
        result=result,
        status=status,
    )


def _interaction_or_404(interaction_id: int) -> Interaction:
    interaction = db.get_or_404(Interaction, interaction_id)
    require("interaction.listen", interaction, hide=True)
    return interaction


@bp.get("/interactions/<int:interaction_id>")
@login_required
def interaction(interaction_id: int):
    current = _interaction_or_404(interaction_id)
    reviews = [
        r
        for r in db.session.scalars(
            select(Review)
            .where(Review.interaction_id == current.id)
            .options(selectinload(Review.reviewer))
            .order_by(Review.created_at)
        )
        if may(current_user, "review.read", r)
    ]
    form = StartReviewForm(formdata=None)
    form.rubric_version_id.choices = [(v.id, v.title) for v in rubrics.usable_versions()]
    return render(
        "reviews/interaction.html",
        interaction=current,
        reviews=reviews,
        form=form,
        can_review=may(current_user, "interaction.review", current),
        channels=recordings.CHANNELS,
    )


@bp.get("/interactions/<int:interaction_id>/recording")
@login_required
def recording(interaction_id: int):
    """The audio, to people allowed to see the interaction; Range requests let the
    player seek (Werkzeug answers 206 with the asked bytes)."""
    current = _interaction_or_404(interaction_id)
    path = recordings.path_of(current)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=recordings.MIMETYPES.get(current.recording_format, "application/octet-stream"),
        conditional=True,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/interactions/<int:interaction_id>/review")
@permission_required(REVIEW_CALLS)
def start_review(interaction_id: int):
    current = _interaction_or_404(interaction_id)
    require("interaction.review", current)
    open_one = db.session.scalar(
        select(Review.id).where(
            Review.interaction_id == current.id,
            Review.reviewer_id == current_user.id,
            Review.kind == REGULAR,
            Review.state.in_([ASSIGNED, IN_PROGRESS]),
        )
    )
    if open_one:  # already in this reviewer's queue: continue it rather than start a second
        return redirect_to(url_for("reviews.review", review_id=open_one))
    form = StartReviewForm()
    versions = {v.id: v for v in rubrics.usable_versions()}
    form.rubric_version_id.choices = [(v.id, v.title) for v in versions.values()]
    if not form.validate_on_submit():
        flash(_("Choose a rubric."), "error")
        return redirect_to(url_for("reviews.interaction", interaction_id=current.id))
    review = reviewing.assign(
        current, versions[form.rubric_version_id.data], current_user.id, by=current_user
    )
    db.session.commit()
    return redirect_to(url_for("reviews.review", review_id=review.id))


@bp.route("/sample", methods=["GET", "POST"])
@permission_required(REVIEW_CALLS)
def sample():
    form = SampleForm()
    agents = _agents_in_scope()
    form.agents.choices = [(u.id, u.name) for u in agents]
    reviewers = db.session.scalars(
        select(User)
        .where(User.role.in_([r.value for r in LEADERS]), User.active.is_(True))
        .order_by(User.name)
    )
    form.reviewers.choices = [(u.id, u.name) for u in reviewers]
    form.channel.choices = [("", "—")] + [(k, str(v)) for k, v in recordings.CHANNELS.items()]
    form.step_id.choices = _step_choices()
    versions = {v.id: v for v in rubrics.usable_versions()}
    form.rubric_version_id.choices = [(v.id, v.title) for v in versions.values()]
    if request.method == "GET":
        today = datetime.now(_zone()).date()
        form.start.data, form.end.data = today - timedelta(days=7), today
        form.reviewers.data = [current_user.id]
        form.agents.data = [u.id for u in agents]
        return render("reviews/sample.html", form=form)
    if not form.validate_on_submit():
        return render("reviews/sample.html", form=form, status=422)
    if form.end.data < form.start.data:
        form.end.errors = [_("The period must end after it starts.")]
        return render("reviews/sample.html", form=form, status=422)
    chosen = [a for a in form.agents.data if a in {u.id for u in agents}]
    result = sampling.draw(
        agent_ids=chosen,
        per_agent=form.per_agent.data,
        start=datetime.combine(form.start.data, time.min, _zone()),
        end=datetime.combine(form.end.data + timedelta(days=1), time.min, _zone()),
        reviewer_ids=form.reviewers.data,
        version=versions[form.rubric_version_id.data],
        by=current_user,
        channel=form.channel.data or None,
        step_id=form.step_id.data or None,
    )
    names = {u.id: u.name for u in agents}
    return render("reviews/sample.html", form=form, result=result, names=names)
