"""Rubrics: supervisors, HR and admins read them; admins write, publish and retire them."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.htmx import form_status, redirect_to, render
from portal.core.params import int_arg
from portal.core.policy import permission_required
from reviews import agreement, auto_checks, bp, rubrics
from reviews.forms import NewRubricForm, RubricForm
from reviews.models import Rubric
from reviews.policy import RUBRICS_EDIT, RUBRICS_READ


def _rubric_or_404(slug: str) -> Rubric:
    rubric = rubrics.find_rubric(slug)
    if rubric is None:
        abort(404)
    return rubric


@bp.get("/rubrics")
@permission_required(RUBRICS_READ)
def rubric_list():
    return render(
        "reviews/rubrics.html",
        rubrics=rubrics.all_rubrics(),
    )


@bp.get("/rubrics/<slug>")
@permission_required(RUBRICS_READ)
def rubric(slug: str):
    current = _rubric_or_404(slug)
    versions = rubrics.RUBRIC_HISTORY.versions(current.id)
    number = int_arg("v") or current.published_version or versions[0].version
    shown = next((v for v in versions if v.version == number), versions[0])
    return render(
        "reviews/rubric.html",
        rubric=current,
        versions=versions,
        shown=shown,
        scale_values=rubrics.scale_values,
        checks=agreement.of_rubric(shown),
        check_label=auto_checks.check_label,
    )


@bp.route("/rubrics/new", methods=["GET", "POST"])
@permission_required(RUBRICS_EDIT)
def rubric_new():
    form = NewRubricForm()
    if not form.validate_on_submit():
        status = form_status()
        return render("reviews/rubric_new.html", form=form, status=status)
    created = rubrics.create_rubric(form.slug.data, form.title.data, author=current_user)
    return redirect_to(url_for("reviews.rubric_edit", slug=created.slug))


def _editor(rubric, form, *, status=200, problems=(), conflict=False):
    return render(
        "reviews/rubric_edit.html",
        status=status,
        rubric=rubric,
        draft=rubrics.draft_of(rubric),
        form=form,
        problems=problems,
        conflict=conflict,
    )


@bp.route("/rubrics/<slug>/edit", methods=["GET", "POST"])
@permission_required(RUBRICS_EDIT)
def rubric_edit(slug: str):
    """Edit the draft (`rubrics.save_from_editor`); a published version never changes."""
    current = _rubric_or_404(slug)
    if request.method == "GET":
        draft = rubrics.draft_of(current)
        base = draft or rubrics.published(current)
        return _editor(current, RubricForm.for_editing(base, rubrics.editor_token(draft)))
    form = RubricForm()
    if not form.validate_on_submit():
        return _editor(current, form, status=422)
    try:
        draft = rubrics.save_from_editor(current, author=current_user, **form.draft())
        if request.form.get("publish") == "1":
            rubrics.publish(draft, note=form.note.data or "")
    except rubrics.InvalidRubric as invalid:
        return _editor(current, form, status=422, problems=invalid.problems)
    except rubrics.StaleRubric:
        return _editor(current, form, status=409, conflict=True)
    if draft.published_at is None:
        flash(_("Draft saved."), "success")
        return redirect_to(url_for("reviews.rubric_edit", slug=slug))
    flash(_("Published as version %(v)d. Reviews keep theirs.", v=draft.version), "success")
    return redirect_to(url_for("reviews.rubric", slug=slug))


@bp.post("/rubrics/<slug>/retire")
@permission_required(RUBRICS_EDIT)
def rubric_retire(slug: str):
    current = _rubric_or_404(slug)
    rubrics.retire(current)
    flash(_("Retired: no new reviews will use it; existing reviews keep it."), "success")
    return redirect_to(url_for("reviews.rubric", slug=slug))


# --- calibration ------------------------------------------------------------------------
