"""Reviewing: the inbox, the review page (score, autosave, comments on the
recording, submit), the agent's answer (acknowledge or dispute), decisions
and coaching. Who may do what is in `reviews.policy`."""

from flask import abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accounts.services import register_frame_count
from portal.core import etags
from portal.core.extensions import db
from portal.core.htmx import is_htmx, redirect_to, render
from portal.core.models import utcnow
from portal.core.params import whole_number
from portal.core.policy import may, permission_required, require
from portal.core.text import clean
from reviews import auto_checks, bp, coaching, disputes, notifications, reviewing, sampling
from reviews.forms import (
    DecisionForm,
    DisputeForm,
    coaching_form_for,
    fields_from_form,
    refreshers_of,
    scores_from_form,
)
from reviews.inbox import inbox_lists
from reviews.models import REGULAR, SCORED, CalibrationSession, Dispute, Review
from reviews.policy import REVIEW_CALLS, is_editable_by, may_see_others
from reviews.review_aids import aids_for
from reviews.rubric_form import SCALE_LABELS, scoring_form
from reviews.rubrics import criteria_of, scale_values

STATES = {
    "assigned": _l("To review"),
    "in_progress": _l("Being reviewed"),
    "submitted": _l("Waiting for the agent"),
    "acknowledged": _l("Acknowledged"),
    "disputed": _l("Disputed"),
    "resolved": _l("Dispute decided"),
}
NOTICES = {
    "new_review": _l("You have a new quality review."),
    "dispute_raised": _l("An agent disputes your review."),
    "dispute_decided": _l("Your dispute has been decided."),
}
STALE_SUBMIT = _l(
    "This review was saved from another tab or device after this page was opened. Reload the page to see the newest version; your last changes here were not saved."
)


@bp.record_once
def _count_unread_with_the_person(state) -> None:
    register_frame_count(state.app, "unread_reviews", notifications.unread_of)


@bp.app_context_processor
def _helpers():
    return {
        "review_state_label": _state_label,
        "unread_reviews": _unread_count,
        "seconds_label": _clock,
    }


def _unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    # Read with the person's row (accounts.services.load_user); counted again only
    # after something in this request marked notices read.
    if "unread_reviews" not in g:
        g.unread_reviews = notifications.unread_count(current_user.id)
    return g.unread_reviews


def _state_label(state: str, kind: str = REGULAR) -> str:
    # Asked on every line of the inbox: translated once per request and state.
    labels = g.setdefault("_review_state_labels", {})
    if (state, kind) not in labels:
        labels[state, kind] = _translated_state(state, kind)
    return labels[state, kind]


def _translated_state(state: str, kind: str) -> str:
    # A calibration review never waits for the agent: it is simply submitted.
    if kind != REGULAR and state == "submitted":
        return str(_l("Submitted"))
    return str(STATES.get(state, state))


def _clock(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _notice_label(notice) -> str:
    return str(NOTICES.get(notice.kind, notice.kind))


@bp.get("/")
@login_required
def index():
    """My queue (reviewers), my reviews (agents), and what needs an answer; a reload
    with nothing changed answers 304."""
    version = etags.version_of("review_inbox", current_user)
    tag = etags.tag_for(version) if version else None
    if (unchanged := etags.not_modified(tag)) is not None:
        return unchanged
    page = render(
        "reviews/index.html",
        lists=inbox_lists(current_user, version),
        notices=notifications.notifications_of(current_user.id, limit=20),
        notice_label=_notice_label,
    )
    return etags.validated(page, tag)


def _review_or_404(review_id: int) -> Review:
    review = reviewing.review_for_page(review_id)
    if review is None:
        abort(404)
    require("review.read", review, hide=True)  # someone else's review does not exist for you
    return review


def _others_hidden(review: Review) -> bool:
    if not review.calibration_id:
        return False
    session = db.session.get(CalibrationSession, review.calibration_id)
    return not may_see_others(session, current_user, review.interaction_id)


def _page(review: Review, *, status=200, problems=(), coaching_form=None, typed=None):
    """The review page, or its fragment for htmx, with whatever went wrong."""
    version = review.rubric_version
    scored = review.state in SCORED
    if coaching_form is None and scored and may(current_user, "review.coach", review):
        coaching_form = coaching_form_for(review, formdata=None)
    can_listen = may(current_user, "interaction.listen", review.interaction)
    editable = is_editable_by(current_user, review)
    return render(
        "reviews/review.html",
        status=status,
        review=review,
        version=version,
        interaction=review.interaction,
        editable=editable,
        result=reviewing.live_score(review),
        values={s.criterion_key: s for s in review.scores},
        scale_values=scale_values,
        scale_labels=SCALE_LABELS,
        scoring_form=scoring_form,
        can_listen=can_listen,
        aids=aids_for(review.interaction) if can_listen else (),
        suggested=reviewing.suggestions_for(review) if can_listen and editable else {},
        check_label=auto_checks.check_label,
        check_kind=auto_checks.check_kind,
        signal_label=sampling.signal_label,
        can_decide=may(current_user, "review.decide", review),
        dispute=disputes.open_dispute(review) if scored else None,
        deadline=disputes.dispute_deadline(review),
        now=utcnow(),
        history=disputes.history(review) if scored else (),
        criteria=criteria_of(version.structure),
        problems=problems,
        # Disputes, score changes and coaching come after submit, and a draft
        # never comes back from it: a draft asks for none of them.
        notes=coaching.notes_for(review.agent_id, review_id=review.id) if scored else (),
        coaching_form=coaching_form,
        others_hidden=_others_hidden(review),
        typed=typed,
        limits=reviewing.TEXT_LIMITS,
    )


@bp.get("/<int:review_id>")
@login_required
def review(review_id: int):
    # Marked read first: its commit would otherwise expire what the page loads. The
    # badge's count (read for the page anyway) says whether there is anything to mark.
    if _unread_count():
        notifications.mark_read(current_user.id, review_id, utcnow())
        g.pop("unread_reviews", None)
    return _page(_review_or_404(review_id))


def _form_content(current: Review):
    """(criterion values, fields, summary) as the scoring form holds them."""
    criteria = criteria_of(current.rubric_version.structure)
    return (
        scores_from_form(request.form, criteria),
        fields_from_form(request.form, current.rubric_version.structure.get("fields", [])),
        clean(request.form.get("summary", ""), multiline=True),
    )


def _save(current: Review):
    """Autosave what the form holds now; raises StaleReview / ReviewRefused."""
    given, fields, summary = _form_content(current)
    return reviewing.save_draft(
        current,
        given,
        fields=fields,
        summary=summary,
        lock_version=whole_number(request.form.get("lock_version")),
        now=utcnow(),
    )


def _own_review_or_404(review_id: int) -> Review:
    current = db.get_or_404(Review, review_id)
    require("review.score", current, hide=True)
    return current


@bp.post("/<int:review_id>/draft")
@login_required
def save_draft(review_id: int):
    """htmx autosave: answers the score panel (200), a conflict (409) or a refusal (422)."""
    current = _own_review_or_404(review_id)
    try:
        result = _save(current)
    except reviewing.StaleReview:
        return render_template("reviews/_score.html", review=current, stale=True, result=None), 409
    except reviewing.ReviewRefused as refused:
        return render_template(
            "reviews/_score.html", review=current, refused=str(refused), result=None
        ), 422
    return render_template("reviews/_score.html", review=current, result=result, saved=True)


def _save_and_submit(current: Review) -> None:
    if is_editable_by(current_user, current):
        try:
            _save(current)
        except reviewing.StaleReview:
            # This page's own autosave (leaving the summary box) may have
            # landed a moment before: if what is stored is what this form
            # holds, nothing would be lost by submitting it.
            if not reviewing.holds(current, *_form_content(current)):
                raise
    reviewing.submit(current, now=utcnow())


@bp.post("/<int:review_id>/submit")
@login_required
def submit(review_id: int):
    current = _own_review_or_404(review_id)
    try:
        _save_and_submit(current)
    except reviewing.StaleReview:
        return _page(current, status=409, problems=[str(STALE_SUBMIT)])
    except reviewing.ReviewRefused as refused:
        # Refused before anything was saved: what was typed goes back into the form.
        return _page(current, status=422, problems=[str(refused)], typed=request.form)
    if current.kind == REGULAR:
        flash(_("Review submitted. The agent has been told."), "success")
    else:
        flash(_("Calibration review submitted. The others' scores are now open to you."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


@bp.post("/<int:review_id>/comments")
@login_required
def comment(review_id: int):
    current = _review_or_404(review_id)
    require("review.comment", current)
    body = clean(request.form.get("body", ""), multiline=True).strip()
    at = request.form.get("at_seconds", type=float)
    try:
        if not body:
            raise reviewing.ReviewRefused(_("Write the comment first."))
        reviewing.add_comment(current, current_user, body, at_seconds=at, now=utcnow())
    except reviewing.ReviewRefused as refused:
        if not is_htmx():  # the whole page, the comment still in its box
            return _page(current, status=422, problems=[str(refused)], typed=request.form)
        return render_template(
            "reviews/_comments.html", review=current, error=str(refused), can_listen=True
        ), 422
    db.session.refresh(current)
    if is_htmx():
        return render_template("reviews/_comments.html", review=current, can_listen=True)
    return redirect_to(url_for("reviews.review", review_id=current.id) + "#comments")


@bp.post("/<int:review_id>/acknowledge")
@login_required
def acknowledge(review_id: int):
    current = _review_or_404(review_id)
    try:
        disputes.acknowledge(current, current_user, now=utcnow())
    except reviewing.ReviewRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_("Thank you: the review is acknowledged."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


def _refusals(form) -> list[str]:
    """A refused form's messages, for the review page's list of what went wrong."""
    return [str(message) for messages in form.errors.values() for message in messages]


@bp.post("/<int:review_id>/dispute")
@login_required
def dispute(review_id: int):
    current = _review_or_404(review_id)
    form = DisputeForm.for_review(current)
    try:
        if not form.validate_on_submit():
            raise reviewing.ReviewRefused(" ".join(_refusals(form)))
        disputes.raise_dispute(current, current_user, form.items(), now=utcnow())
    except reviewing.ReviewRefused as refused:
        # What the agent typed stays in the form, which stays open.
        return _page(current, status=422, problems=[str(refused)], typed=request.form)
    flash(_("Your dispute has been sent to the reviewer."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


@bp.post("/disputes/<int:dispute_id>/decide")
@permission_required(REVIEW_CALLS)
def decide(dispute_id: int):
    case = db.get_or_404(Dispute, dispute_id)
    current = _review_or_404(case.review_id)
    form = DecisionForm.for_dispute(case, current)
    try:
        if not form.validate_on_submit():
            raise reviewing.ReviewRefused(" ".join(_refusals(form)))
        disputes.decide_dispute(
            case, current_user, form.decisions(), note=form.note.data or "", now=utcnow()
        )
    except reviewing.ReviewRefused as refused:
        return _page(current, status=422, problems=[str(refused)], typed=request.form)
    flash(_("Decision saved; the agent has been told."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


@bp.post("/<int:review_id>/coaching")
@permission_required(REVIEW_CALLS)
def coach(review_id: int):
    current = _review_or_404(review_id)
    require("review.coach", current)
    form = coaching_form_for(current)
    if not form.validate_on_submit():
        return _page(current, status=422, coaching_form=form)
    try:
        coaching.open_note(
            current,
            current_user,
            body=form.body.data,
            criteria=form.criteria.data,
            refreshers=refreshers_of(form),
            due_in_days=form.due_in_days.data,
        )
    except coaching.InvalidCoaching as invalid:
        return _page(current, status=422, problems=invalid.problems, coaching_form=form)
    flash(_("Coaching note saved."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id) + "#coaching")


@bp.post("/notifications/read")
@login_required
def read_notifications():
    notifications.mark_all_read(current_user.id, utcnow())
    return redirect_to(url_for("reviews.index"))
