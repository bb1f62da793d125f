"""Interactions and their recordings: list, upload one, upload a batch with a
manifest, listen (range requests), start a review, draw a sample."""

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.directory import frontline_in_scope
from portal.core.extensions import db
from portal.core.htmx import form_status, redirect_to, render
from portal.core.jobs import JobLimit, own_or_404
from portal.core.params import int_arg
from portal.core.policy import may, permission_required, require
from portal.core.uploads import upload_limit
from portal.core.workbooks import WorkbookError
from reviews import access_log, batch_jobs, bp, recordings, reviewing, rubrics, sampling
from reviews.forms import BatchForm, InteractionForm, SampleForm, StartReviewForm
from reviews.interactions import (
    changes_of,
    interactions_page,
    open_review_of,
    review_counts,
    reviewers,
    reviews_visible_to,
)
from reviews.models import Interaction
from reviews.policy import REVIEW_CALLS
from reviews.review_aids import aids_for


@bp.get("/interactions")
@permission_required(REVIEW_CALLS)
def interactions():
    channel = request.args.get("channel", "")
    found = interactions_page(
        current_user,
        agent_id=int_arg("agent"),
        channel=channel if channel in recordings.CHANNELS else None,
        page=int_arg("page"),
    )
    return render(
        "reviews/interactions.html",
        found=found,
        reviewed=review_counts(found.items),
        agents=frontline_in_scope(current_user),
        channels=recordings.CHANNELS,
    )


def _max_recording_bytes() -> int:
    return current_app.config["RECORDING_MAX_MB"] * 1024 * 1024


@bp.route("/interactions/new", methods=["GET", "POST"])
@upload_limit("RECORDING_MAX_MB")  # recordings are larger than the portal's other uploads
@permission_required(REVIEW_CALLS)
def interaction_new():
    form = InteractionForm(agents=frontline_in_scope(current_user))
    if not form.validate_on_submit():
        return render("reviews/interaction_new.html", form=form, status=form_status())
    try:
        audio = form.upload and recordings.check_audio(
            form.upload.stream, max_bytes=_max_recording_bytes()
        )
    except recordings.RecordingRejected as rejected:
        form.recording.errors = [str(rejected)]
        return render("reviews/interaction_new.html", form=form, status=422)
    original = recordings.client_name(form.upload.filename) if audio else ""
    interaction = recordings.create_interaction(
        form.interaction_input(), audio or None, by=current_user, original=original
    )
    db.session.commit()
    flash(_("Interaction saved."), "success")
    return redirect_to(url_for("reviews.interaction", interaction_id=interaction.id))


@bp.route("/interactions/import", methods=["GET", "POST"])
@upload_limit("RECORDING_BATCH_MAX_MB")
@permission_required(REVIEW_CALLS)
def interaction_import():
    form = BatchForm()
    if not form.validate_on_submit():
        return render("reviews/interaction_import.html", form=form, status=form_status())
    try:
        job = batch_jobs.start(current_user, form.manifest.data, form.recordings.data)
    except WorkbookError as error:
        form.manifest.errors = [str(error)]
        return render("reviews/interaction_import.html", form=form, status=422)
    except JobLimit as busy:
        flash(str(busy), "warning")
        return render("reviews/interaction_import.html", form=form, status=429)
    return redirect_to(url_for("reviews.batch_job", token=job.token))


@bp.get("/interactions/import/<token>")
@permission_required(REVIEW_CALLS)
def batch_job(token: str):
    """A batch's progress, then what it created and refused (polled while it runs)."""
    job = own_or_404(token, batch_jobs.KIND, current_user.id)
    status = batch_jobs.page_status(job)
    return render("reviews/batch_job.html", "reviews/_batch_job.html", job=job, status=status)


def _interaction_or_404(interaction_id: int) -> Interaction:
    interaction = db.get_or_404(Interaction, interaction_id)
    require("interaction.listen", interaction, hide=True)
    return interaction


@bp.get("/interactions/<int:interaction_id>")
@login_required
def interaction(interaction_id: int):
    current = _interaction_or_404(interaction_id)
    return render(
        "reviews/interaction.html",
        interaction=current,
        reviews=reviews_visible_to(current_user, current),
        form=StartReviewForm(formdata=None, versions=rubrics.usable_versions()),
        can_review=may(current_user, "interaction.review", current),
        channels=recordings.CHANNELS,
        changes=changes_of(current),
        aids=aids_for(current),
    )


@bp.get("/interactions/<int:interaction_id>/recording")
@login_required
def recording(interaction_id: int):
    """The audio, to people allowed to see the interaction; Range requests let the
    player seek (Werkzeug answers 206 with the asked bytes). Each listening is
    logged (reviews/access_log.py), once the file is known to be there."""
    current = _interaction_or_404(interaction_id)
    response = recordings.serve(current)
    if response is None:
        abort(404)
    access_log.record(
        current_user,
        current,
        range_header=request.headers.get("Range"),
        address=request.remote_addr,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/interactions/<int:interaction_id>/review")
@permission_required(REVIEW_CALLS)
def start_review(interaction_id: int):
    current = _interaction_or_404(interaction_id)
    require("interaction.review", current)
    open_one = open_review_of(current_user, current)
    if open_one:  # already in this reviewer's queue: continue it rather than start a second
        return redirect_to(url_for("reviews.review", review_id=open_one))
    form = StartReviewForm(versions=rubrics.usable_versions())
    if not form.validate_on_submit():
        flash(_("Choose a rubric."), "error")
        return redirect_to(url_for("reviews.interaction", interaction_id=current.id))
    review = reviewing.assign(current, form.version, current_user.id, by=current_user)
    db.session.commit()
    return redirect_to(url_for("reviews.review", review_id=review.id))


@bp.route("/sample", methods=["GET", "POST"])
@permission_required(REVIEW_CALLS)
def sample():
    """Draw N interactions per agent and period into reviewers' queues (`sampling`)."""
    choices = {"reviewers": reviewers(), "versions": rubrics.usable_versions()}
    agents = frontline_in_scope(current_user)
    if request.method == "GET":
        form = SampleForm.starting(me=current_user, agents=agents, **choices)
        return render("reviews/sample.html", form=form)
    form = SampleForm(agents=agents, **choices)
    if not form.validate_on_submit():
        return render("reviews/sample.html", form=form, status=422)
    result = sampling.draw(by=current_user, **form.draw())
    names = {u.id: u.name for u in agents}
    return render("reviews/sample.html", form=form, result=result, names=names)
