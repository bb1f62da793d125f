"""Library, reading and filling in scripts; favourites."""

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.core.htmx import form_status, redirect_to, render
from portal.core.models import local_today
from portal.core.params import int_arg, version_pair
from portal.core.policy import may, permission_required, require
from portal.core.text import clean
from portal.core.workbooks import WorkbookError
from portal.playbooks.services import process_step_ids, process_steps, taxonomy
from scripts_library import authoring, bp, excel, favourites, filling, running, search, versions
from scripts_library.forms import EMPTY_SCRIPT, ImportForm, ScriptForm
from scripts_library.models import ARCHIVED
from scripts_library.policy import SCRIPTS_EXPORT, SCRIPTS_WRITE
from scripts_library.validation import BLOCK_KINDS, CHANNELS, SITUATIONS

STATE_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}


@bp.app_context_processor
def _template_helpers():
    return {"state_label": lambda state: str(STATE_LABELS.get(state, state))}


def _filters() -> search.Filters:
    channel = request.args.get("channel")
    situation = request.args.get("situation")
    segment = request.args.get("segment", "")[:40]
    return search.Filters(
        step_id=int_arg("step"),
        channel=channel if channel in CHANNELS else None,
        situation=situation if situation in SITUATIONS else None,
        segment=segment or None,
    )


@bp.get("/")
@login_required
def library():

    query = request.args.get("q", "")[:200]
    filters = _filters()
    return render(
        "scripts_library/library.html",
        "scripts_library/_results.html",
        query=query,
        filters=filters,
        results=search.search_scripts(query, filters),
        steps=process_steps(),
        taxonomy=taxonomy(),
        favourites=favourites.favourites(current_user.id),
        recent=favourites.recently_used(current_user.id),
        channels=CHANNELS,
        situations=SITUATIONS,
    )


def _published_or_404(slug: str):
    script = search.find_published(slug)
    if script is None:
        abort(404)
    return script


def _values() -> dict[str, str]:
    return {key[4:]: value for key, value in request.args.items() if key.startswith("ph__")}


@bp.get("/<slug>")
@login_required
def script(slug: str):

    current = _published_or_404(slug)
    favourites.record_use(current_user.id, current.id)
    return render(
        "scripts_library/script.html",
        script=current,
        values={},
        fill=filling.fill,
        plain_text=filling.filled_plain_text(current, {}),
        missing=filling.missing_values(current, {}),
        favourite=favourites.is_favourite(current_user.id, current.id),
        taxonomy=taxonomy(),
        channels=CHANNELS,
        situations=SITUATIONS,
        kinds=BLOCK_KINDS,
    )


@bp.get("/<slug>/fill")
@login_required
def fill(slug: str):
    """The script with the values typed so far (nothing is stored)."""
    current = _published_or_404(slug)
    values = _values()
    return render(
        "scripts_library/fill_page.html",
        "scripts_library/_filled.html",
        script=current,
        values=values,
        fill=filling.fill,
        plain_text=filling.filled_plain_text(current, values),
        missing=filling.missing_values(current, values),
        kinds=BLOCK_KINDS,
    )


@bp.get("/<slug>/run")
@login_required
def run(slug: str):
    """Walk through the script one block at a time, following the branches."""
    current = _published_or_404(slug)
    keys = request.args.get("path", "")[:2000].split(",")
    values = _values()
    declared = {p["name"] for p in current.placeholders}
    return render(
        "scripts_library/run.html",
        "scripts_library/_run.html",
        script=current,
        state=running.walk(current, keys),
        values=values,
        carried={f"ph__{k}": v for k, v in values.items() if k in declared},
        fill=filling.fill,
        kinds=BLOCK_KINDS,
        aside=[b for b in current.blocks if b["kind"] in ("note", "dont_say")],
    )


@bp.post("/<slug>/favourite")
@login_required
def favourite(slug: str):
    current = _published_or_404(slug)
    is_favourite = favourites.toggle_favourite(current_user.id, current.id)
    return render_template(
        "scripts_library/_favourite.html", script=current, favourite=is_favourite
    )


# --- authoring: writers (supervisors, admins) and approvers -------------------------------


def _script_for_writers(slug: str):
    script = authoring.find_for_writers(slug)
    if script is None:
        abort(404)
    return script


def _editor(form, script=None, draft=None, status=200, problems=(), conflict=None):
    return render(
        "scripts_library/edit.html",
        status=status,
        form=form,
        script=script,
        draft=draft,
        problems=problems,
        conflict=conflict,
        fill=filling.fill,
        kinds=BLOCK_KINDS,
        can_approve=may(current_user, "scripts.approve"),
    )


@bp.get("/drafts")
@permission_required(SCRIPTS_WRITE)
def drafts():
    return render("scripts_library/drafts.html", scripts=authoring.work_in_progress())


@bp.route("/new", methods=["GET", "POST"])
@permission_required(SCRIPTS_WRITE)
def new():
    form = ScriptForm.editing(EMPTY_SCRIPT)
    if not form.validate_on_submit():
        return _editor(form, status=form_status(), problems=form.row_problems)
    try:
        script = authoring.create(current_user, form.script_content)
    except authoring.InvalidScript as invalid:
        return _editor(form, status=422, problems=invalid.problems)
    flash(_("Draft saved. Nobody but writers sees it until it is published."), "success")
    return redirect_to(url_for("scripts_library.edit", slug=script.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@permission_required(SCRIPTS_WRITE)
def edit(slug: str):
    script = _script_for_writers(slug)
    if script.state == ARCHIVED:
        flash(_("This script is archived; bring it back before editing."), "warning")
        return redirect_to(url_for("scripts_library.history", slug=slug))
    # Looking at the editor creates nothing: the first save makes the draft.
    draft = authoring.draft_of(script)
    form = ScriptForm.editing(authoring.editable_content(script, draft))
    if not form.validate_on_submit():
        return _editor(form, script, draft, status=form_status(), problems=form.row_problems)
    try:
        unused = authoring.save_draft(
            current_user, script, form.script_content, lock_version=form.lock_version.data or 0
        )
    except authoring.InvalidScript as invalid:
        return _editor(form, script, draft, status=422, problems=invalid.problems)
    except authoring.StaleDraft as stale:
        return _editor(form, script, draft, status=409, conflict=stale.current)
    flash(_("Draft saved."), "success")
    if unused:
        flash(_unused_warning(unused), "warning")
    return redirect_to(url_for("scripts_library.edit", slug=slug))


def _unused_warning(names: list[str]) -> str:
    return _(
        "No block uses these placeholders any more; remove them if they are not needed: %(names)s",
        names=", ".join("{" + name + "}" for name in names),
    )


def _act(slug: str, action, message: str):
    script = _script_for_writers(slug)
    try:
        action(script)
    except authoring.NotAllowed as refusal:
        if str(refusal) in ("write", "approve"):
            abort(403)
        flash(_("This step is not possible in the script's current state."), "error")
        return redirect_to(url_for("scripts_library.history", slug=slug))
    except authoring.InvalidScript as invalid:
        flash("; ".join(invalid.problems), "error")
        return redirect_to(url_for("scripts_library.edit", slug=slug))
    flash(message, "success")
    return redirect_to(url_for("scripts_library.history", slug=slug))


@bp.post("/<slug>/submit")
@permission_required(SCRIPTS_WRITE)
def submit(slug: str):
    return _act(slug, lambda s: authoring.submit(current_user, s), _("Sent for review."))


@bp.post("/<slug>/publish")
@permission_required(SCRIPTS_WRITE)
def publish(slug: str):
    note = clean(request.form.get("change_note", ""))
    if not note or len(note) > 300:
        flash(
            _("Say in a few words (300 characters at most) what changed before publishing."),
            "error",
        )
        return redirect_to(url_for("scripts_library.edit", slug=slug))
    return _act(slug, lambda s: authoring.publish(current_user, s, note), _("Published."))


@bp.post("/<slug>/archive")
@permission_required(SCRIPTS_WRITE)
def archive(slug: str):
    archived = request.form.get("archived") == "1"
    message = _("Archived: agents no longer see it.") if archived else _("Back in the library.")
    return _act(slug, lambda s: authoring.archive(current_user, s, archived), message)


@bp.post("/<slug>/discard")
@permission_required(SCRIPTS_WRITE)
def discard(slug: str):
    return _act(slug, lambda s: authoring.discard(current_user, s), _("Draft discarded."))


@bp.post("/<slug>/restore/<int:number>")
@permission_required(SCRIPTS_WRITE)
def restore(slug: str, number: int):
    script = _script_for_writers(slug)
    try:
        authoring.restore(current_user, script, number)
    except authoring.NotAllowed:
        flash(_("Finish or discard the current draft before restoring an old version."), "error")
        return redirect_to(url_for("scripts_library.history", slug=slug))
    flash(_("Version %(n)d is now a draft you can edit and publish.", n=number), "success")
    return redirect_to(url_for("scripts_library.edit", slug=slug))


@bp.get("/<slug>/history")
@permission_required(SCRIPTS_WRITE)
def history(slug: str):
    script = _script_for_writers(slug)
    return render(
        "scripts_library/history.html",
        script=script,
        versions=versions.SCRIPT_HISTORY.versions(script.id),
        draft=authoring.draft_of(script),
        can_approve=may(current_user, "scripts.approve"),
    )


@bp.get("/<slug>/diff")
@login_required
def diff(slug: str):
    script = _published_or_404(slug)
    compared = versions.SCRIPT_HISTORY.compare(
        script.id, *version_pair(script.published_version), versions.comparable_labels()
    )
    return render(
        "versions/diff.html",
        subject_title=script.title,
        subject_url=url_for("scripts_library.script", slug=slug),
        history_url=url_for("scripts_library.history", slug=slug)
        if may(current_user, SCRIPTS_WRITE)
        else None,
        **vars(compared or abort(404)),
    )


# --- Excel ------------------------------------------------------------------------------


@bp.get("/export.xlsx")
@permission_required(SCRIPTS_EXPORT)
def export():

    steps = {s.id: s.slug for s in process_steps()}
    scripts = search.search_scripts("", search.Filters(), limit=100_000).scripts
    body = excel.export_workbook(sorted(scripts, key=lambda s: s.slug), steps)
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="kich-ban-{local_today().isoformat()}.xlsx"'
        },
    )


@bp.route("/import", methods=["GET", "POST"])
@permission_required(SCRIPTS_WRITE)
def import_library():

    require("scripts.approve")
    form = ImportForm()
    if not form.validate_on_submit():
        return render(
            "scripts_library/import.html",
            status=form_status(),
            form=form,
        )
    try:
        parsed = excel.read_workbook(
            form.workbook.data.stream, process_step_ids(), set(taxonomy().segments)
        )
    except WorkbookError as error:
        form.workbook.errors = [str(error)]
        return render("scripts_library/import.html", status=422, form=form)
    if parsed.errors:
        return render("scripts_library/import.html", status=422, form=form, errors=parsed.errors)
    counts = excel.import_library(parsed, author=current_user)
    return render("scripts_library/import.html", form=ImportForm(formdata=None), counts=counts)
