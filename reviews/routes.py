"""Reviewing: the queue, the review page (score, autosave, comments on the
recording, submit), the agent's answer (acknowledge or dispute), decisions
and coaching."""

from flask import abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.services import visible_users
from portal.core.auth import roles_required
from portal.core.extensions import db
from portal.core.htmx import is_htmx, redirect_to, render
from portal.core.models import utcnow
from portal.core.params import whole_number
from portal.core.roles import Role
from portal.core.text import clean
from reviews import bp, coaching, reviewing
from reviews.forms import CoachingForm, fields_from_form, scores_from_form, small_number
from reviews.models import (
    ASSIGNED,
    IN_PROGRESS,
    OPEN,
    REGULAR,
    Dispute,
    Notification,
    Review,
    ReviewComment,
)
from reviews.rubrics import criteria_of, scale_values

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)
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
SCALE_LABELS = {
    "yes_no": {0: _l("No"), 1: _l("Yes")},
}


@bp.app_context_processor
def _helpers():
    def unread():
        if not current_user.is_authenticated:
            return 0
        # Asked by the nav and by the home page: counted once per request.
        if "unread_reviews" not in g:
            g.unread_reviews = reviewing.unread_count(current_user.id)
        return g.unread_reviews

    return {
        "review_state_label": _state_label,
        "unread_reviews": unread,
        "seconds_label": _clock,
    }


def _state_label(state: str, kind: str = REGULAR) -> str:
    # A calibration review never waits for the agent: it is simply submitted.
    if kind != REGULAR and state == "submitted":
        return str(_l("Submitted"))
    return str(STATES.get(state, state))


def _clock(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@bp.get("/")
@login_required
def index():
    """My queue (reviewers), my reviews (agents), and what needs an answer."""
    mine = list(
        db.session.scalars(
            select(Review)
            .where(Review.agent_id == current_user.id, Review.kind == REGULAR)
            .where(Review.state.not_in([ASSIGNED, IN_PROGRESS]))
            .options(selectinload(Review.reviewer), selectinload(Review.interaction))
            .order_by(Review.submitted_at.desc())
            .limit(100)
        )
    )
    queue = list(
        db.session.scalars(
            reviewing.queue_of(current_user).options(
                selectinload(Review.agent), selectinload(Review.interaction)
            )
        )
    )
    disputes = []
    if current_user.role in REVIEWERS:
        disputes = list(
            db.session.scalars(
                select(Dispute)
                .options(selectinload(Dispute.raised_by))
                .join(Review, Review.id == Dispute.review_id)
                .where(Dispute.state == OPEN)
                .where((Review.reviewer_id == current_user.id) | Review.agent_id.in_(_scope_ids()))
                .order_by(Dispute.raised_at)
            )
        )
    recent = []
    if current_user.role in (Role.SUPERVISOR, Role.HR, Role.ADMIN):
        # The latest submitted reviews of the people one oversees (HR: everyone).
        recent = list(
            db.session.scalars(
                select(Review)
                .where(
                    Review.kind == REGULAR,
                    Review.state.in_(reviewing.SCORED),
                    Review.agent_id.in_(_scope_ids()),
                )
                .options(selectinload(Review.agent), selectinload(Review.reviewer))
                .order_by(Review.submitted_at.desc())
                .limit(50)
            )
        )
    notices = reviewing.notifications_of(current_user.id, limit=20)
    return render(
        "reviews/index.html",
        mine=mine,
        queue=queue,
        disputes=disputes,
        notices=notices,
        recent=recent,
        notice_label=lambda n: str(NOTICES.get(n.kind, n.kind)),
    )


def _scope_ids():
    from portal.accounts.models import User

    return visible_users(current_user).with_only_columns(User.id)


def _review_or_404(review_id: int) -> Review:
    # Everything the page shows, loaded up front: the statements do not grow
    # with the number of comments, scores or people involved.
    review = db.session.scalar(
        select(Review)
        .where(Review.id == review_id)
        .options(
            selectinload(Review.comments).selectinload(ReviewComment.author),
            selectinload(Review.scores),
            selectinload(Review.agent),
            selectinload(Review.reviewer),
            selectinload(Review.interaction),
            selectinload(Review.rubric_version),
        )
    )
    if review is None:
        abort(404)
    if not reviewing.can_read_review(current_user, review):
        abort(404)  # someone else's review does not exist for you
    return review


def _editable(review: Review) -> bool:
    return review.reviewer_id == current_user.id and review.state in (ASSIGNED, IN_PROGRESS)


def _page(review: Review, *, status=200, problems=(), coaching_form=None, typed=None):
    from reviews.calibration import may_see_others

    version = review.rubric_version
    interaction = review.interaction
    decide = reviewing.can_decide(current_user, review)
    dispute = reviewing.open_dispute(review)
    others_hidden = False
    if review.calibration_id:
        from reviews.models import CalibrationSession

        session = db.session.get(CalibrationSession, review.calibration_id)
        others_hidden = not may_see_others(session, current_user, review.interaction_id)
    if coaching_form is None and decide and review.kind == REGULAR:
        coaching_form = _coaching_form(review, formdata=None)
    return render(
        "reviews/review.html",
        status=status,
        review=review,
        version=version,
        interaction=interaction,
        editable=_editable(review),
        result=reviewing.live_score(review),
        values={s.criterion_key: s for s in review.scores},
        scale_values=scale_values,
        scale_labels=SCALE_LABELS,
        can_listen=reviewing.can_see_interaction(current_user, interaction),
        can_decide=decide,
        dispute=dispute,
        deadline=reviewing.dispute_deadline(review),
        now=utcnow(),
        history=reviewing.history(review),
        criteria=criteria_of(version.structure),
        problems=problems,
        notes=coaching.notes_for(review.agent_id, review_id=review.id),
        coaching_form=coaching_form,
        others_hidden=others_hidden,
        typed=typed,
    )


@bp.get("/<int:review_id>")
@login_required
def review(review_id: int):
    # Marked read first: its commit would otherwise expire what the page loads.
    reviewing.mark_read(current_user.id, review_id, utcnow())
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


def _own_draft_or_404(review_id: int) -> Review:
    current = db.get_or_404(Review, review_id)
    if current.reviewer_id != current_user.id:
        abort(404)
    return current


@bp.post("/<int:review_id>/draft")
@login_required
def save_draft(review_id: int):
    """htmx autosave: answers the score panel (200), a conflict (409) or a refusal (422)."""
    current = _own_draft_or_404(review_id)
    try:
        result = _save(current)
    except reviewing.StaleReview:
        return render_template("reviews/_score.html", review=current, stale=True, result=None), 409
    except reviewing.ReviewRefused as refused:
        return render_template(
            "reviews/_score.html", review=current, refused=str(refused), result=None
        ), 422
    return render_template("reviews/_score.html", review=current, result=result, saved=True)


@bp.post("/<int:review_id>/submit")
@login_required
def submit(review_id: int):
    current = _own_draft_or_404(review_id)
    try:
        if current.state in (ASSIGNED, IN_PROGRESS):
            try:
                _save(current)
            except reviewing.StaleReview:
                # This page's own autosave (leaving the summary box) may have
                # landed a moment before: if what is stored is what this form
                # holds, nothing would be lost by submitting it.
                if not reviewing.holds(current, *_form_content(current)):
                    raise
        reviewing.submit(current, now=utcnow())
    except reviewing.StaleReview:
        return _page(
            current,
            status=409,
            problems=[
                _(
                    "This review was saved from another tab or device after this page was opened. Reload the page to see the newest version; your last changes here were not saved."
                )
            ],
        )
    except reviewing.ReviewRefused as refused:
        return _page(current, status=422, problems=[str(refused)])
    if current.kind == REGULAR:
        flash(_("Review submitted. The agent has been told."), "success")
    else:
        flash(_("Calibration review submitted. The others' scores are now open to you."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


@bp.post("/<int:review_id>/comments")
@login_required
def comment(review_id: int):
    current = _review_or_404(review_id)
    if current_user.id != current.reviewer_id and not reviewing.can_decide(current_user, current):
        abort(403)
    body = clean(request.form.get("body", ""), multiline=True).strip()
    if not body:
        return render_template(
            "reviews/_comments.html",
            review=current,
            error=_("Write the comment first."),
            can_listen=True,
        ), 422
    at = request.form.get("at_seconds", type=float)
    reviewing.add_comment(current, current_user, body, at_seconds=at, now=utcnow())
    db.session.refresh(current)
    if is_htmx():
        return render_template("reviews/_comments.html", review=current, can_listen=True)
    return redirect_to(url_for("reviews.review", review_id=current.id) + "#comments")


@bp.post("/<int:review_id>/acknowledge")
@login_required
def acknowledge(review_id: int):
    current = _review_or_404(review_id)
    try:
        reviewing.acknowledge(current, current_user, now=utcnow())
    except reviewing.ReviewRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_("Thank you: the review is acknowledged."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


@bp.post("/<int:review_id>/dispute")
@login_required
def dispute(review_id: int):
    current = _review_or_404(review_id)
    items = []
    for key in request.form.getlist("criteria"):
        proposed = (request.form.get(f"proposed-{key}") or "").strip()
        items.append(
            reviewing.DisputedCriterion(
                criterion_key=key,
                reason=clean(request.form.get(f"reason-{key}", ""), multiline=True),
                proposed_value=small_number(proposed),
                proposed_na=proposed == "na",
            )
        )
    try:
        reviewing.raise_dispute(current, current_user, items, now=utcnow())
    except reviewing.ReviewRefused as refused:
        # What the agent typed stays in the form, which stays open.
        return _page(current, status=422, problems=[str(refused)], typed=request.form)
    flash(_("Your dispute has been sent to the reviewer."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


@bp.post("/disputes/<int:dispute_id>/decide")
@roles_required(*REVIEWERS)
def decide(dispute_id: int):
    case = db.get_or_404(Dispute, dispute_id)
    current = _review_or_404(case.review_id)
    decisions = {}
    for item in case.items:
        choice = request.form.get(f"decision-{item.id}")
        value = (request.form.get(f"value-{item.id}") or "").strip()
        if choice in ("accept", "reject"):
            decisions[item.id] = reviewing.Decision(
                accept=choice == "accept",
                value=small_number(value),
                na=value == "na",
            )
    try:
        reviewing.decide_dispute(
            case,
            current_user,
            decisions,
            note=clean(request.form.get("note", ""), multiline=True),
            now=utcnow(),
        )
    except reviewing.ReviewRefused as refused:
        return _page(current, status=422, problems=[str(refused)])
    flash(_("Decision saved; the agent has been told."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id))


def _coaching_form(review: Review, **kwargs) -> CoachingForm:
    from portal.core.content import item_kinds

    form = CoachingForm(**kwargs)
    criteria = criteria_of(review.rubric_version.structure)
    form.criteria.choices = [(k, c["title"]) for k, c in criteria.items()]
    choices = []
    kinds = item_kinds()
    step_id = review.interaction.step_id
    if step_id and "playbook_step" in kinds:
        titles = dict(kinds["playbook_step"].choices())
        choices.append((f"playbook_step:{step_id}", titles.get(step_id, "?")))
    for code in ("call_script", "quiz"):
        if code in kinds:
            label = _("Call script") if code == "call_script" else _("Quiz")
            choices.extend(
                (f"{code}:{ref}", f"{label}: {title}") for ref, title in kinds[code].choices()
            )
    form.refreshers.choices = choices
    if kwargs.get("formdata", True) is None:
        weakest = sorted(
            (s for s in review.scores if s.percent is not None), key=lambda s: s.percent
        )
        form.criteria.data = [s.criterion_key for s in weakest[:2] if s.percent < 1]
    return form


@bp.post("/<int:review_id>/coaching")
@roles_required(*REVIEWERS)
def coach(review_id: int):
    current = _review_or_404(review_id)
    if not reviewing.can_decide(current_user, current) or current.kind != REGULAR:
        abort(403)
    form = _coaching_form(current)
    if not form.validate_on_submit():
        return _page(current, status=422, coaching_form=form)
    refreshers = []
    for choice in form.refreshers.data:
        kind, _sep, ref = choice.partition(":")
        refreshers.append((kind, int(ref)))
    try:
        coaching.open_note(
            current,
            current_user,
            body=form.body.data,
            criteria=form.criteria.data,
            refreshers=refreshers,
            due_in_days=form.due_in_days.data,
        )
    except coaching.InvalidCoaching as invalid:
        return _page(current, status=422, problems=invalid.problems, coaching_form=form)
    flash(_("Coaching note saved."), "success")
    return redirect_to(url_for("reviews.review", review_id=current.id) + "#coaching")


@bp.post("/notifications/read")
@login_required
def read_notifications():
    db.session.execute(
        db.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect_to(url_for("reviews.index"))
