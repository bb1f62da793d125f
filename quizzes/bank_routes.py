"""The question bank for authors: find, write, version, archive, regrade,
and the bank as an Excel workbook."""

from flask import Response, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.accounts.directory import people_by_id
from portal.core.extensions import db
from portal.core.htmx import form_status, redirect_to, render
from portal.core.models import local_today, utcnow
from portal.core.params import int_arg, whole_number
from portal.core.policy import permission_required
from portal.core.workbooks import XLSX_MIMETYPE, WorkbookError
from portal.playbooks.services import step_choices, step_refs
from quizzes import bank, bp, excel, regrade
from quizzes.forms import QUESTION_TYPE_LABELS, BankImportForm, QuestionForm
from quizzes.models import QUESTION_TYPES, Question
from quizzes.policy import QUIZZES_AUTHOR, QUIZZES_REGRADE
from quizzes.services import QUESTION_HISTORY
from scripts_library.search import script_slug_choices


@bp.app_context_processor
def _labels():
    return {"question_type_label": lambda t: str(QUESTION_TYPE_LABELS.get(t, t))}


@bp.get("/bank")
@permission_required(QUIZZES_AUTHOR)
def bank_index():
    kind = request.args.get("type", "")
    found = bank.find_questions(
        words=request.args.get("q", "")[:200],
        category_id=int_arg("category"),
        kind=kind if kind in QUESTION_TYPES else "",
        archived=request.args.get("archived") == "1",
        page=int_arg("page") or 1,
    )
    return render(
        "quizzes/bank.html",
        "quizzes/_bank_rows.html",
        found=found,
        categories=bank.category_choices(),
        types=QUESTION_TYPE_LABELS,
    )


def _question_form(question=None) -> QuestionForm:
    """The editor's form: empty for a new question, else `QuestionForm.editing`."""
    form = QuestionForm.editing(question) if question else QuestionForm()
    form.category_id.choices = bank.category_choices()
    form.step_id.choices = [(0, "—"), *step_choices()]
    form.script_slug.choices = [("", "—"), *script_slug_choices()]
    return form


def _editor(form, question=None, *, status=200, problems=(), conflict=None):
    return render(
        "quizzes/question_edit.html",
        status=status,
        form=form,
        question=question,
        problems=problems,
        conflict=conflict,
    )


@bp.route("/bank/new", methods=["GET", "POST"])
@permission_required(QUIZZES_AUTHOR)
def question_new():
    form = _question_form()
    if not form.validate_on_submit():
        return _editor(form, status=form_status())
    try:
        question = bank.create_question(
            form.question_input(), author=current_user, note=form.change_note.data
        )
    except bank.InvalidQuestion as invalid:
        return _editor(form, status=422, problems=invalid.problems)
    flash(_("Question saved."), "success")
    return redirect_to(url_for("quizzes.question", question_id=question.id))


@bp.get("/bank/<int:question_id>")
@permission_required(QUIZZES_AUTHOR)
def question(question_id: int):
    current = db.get_or_404(Question, question_id)
    return render(
        "quizzes/question.html",
        question=current,
        versions=QUESTION_HISTORY.versions(current.id),
        regrades=regrade.history(current),
        answers_text=bank.format_answers,
    )


@bp.route("/bank/<int:question_id>/edit", methods=["GET", "POST"])
@permission_required(QUIZZES_AUTHOR)
def question_edit(question_id: int):
    current = db.get_or_404(Question, question_id)
    form = _question_form(current)
    if not form.validate_on_submit():
        return _editor(form, current, status=form_status())
    given = form.question_input()
    given.key = current.key  # the key names the question in workbooks; it does not change
    try:
        changed = bank.update_question(
            current,
            given,
            author=current_user,
            seen_revision=whole_number(form.revision.data),
            note=form.change_note.data,
        )
    except bank.InvalidQuestion as invalid:
        return _editor(form, current, status=422, problems=invalid.problems)
    except bank.StaleQuestion as stale:
        return _editor(form, current, status=409, conflict=stale.current)
    saved = _("Saved as version %(v)d.", v=current.current_version) if changed else _("Saved.")
    flash(saved, "success")
    return redirect_to(url_for("quizzes.question", question_id=current.id))


@bp.post("/bank/<int:question_id>/archive")
@permission_required(QUIZZES_AUTHOR)
def question_archive(question_id: int):
    current = db.get_or_404(Question, question_id)
    bank.set_archived(current, request.form.get("archived") == "1")
    flash(
        _("Archived: it will not be drawn again.") if current.archived else _("Back in the bank."),
        "success",
    )
    return redirect_to(url_for("quizzes.question", question_id=current.id))


@bp.route("/bank/<int:question_id>/regrade", methods=["GET", "POST"])
@permission_required(QUIZZES_REGRADE)
def question_regrade(question_id: int):
    """GET: the dry run (whose marks would change). POST: apply exactly that key.

    Admins only: a regrade changes the marks of everyone who answered the
    question, across every team."""
    current = db.get_or_404(Question, question_id)
    if request.method == "GET":
        return _dry_run(current)
    chosen = whole_number(request.form.get("key_version_id"))
    try:
        done = regrade.apply(current, key_version_id=chosen, by=current_user, now=utcnow())
    except regrade.KeyChanged:
        flash(_("The question was changed after this dry run. Check the new one below."), "warning")
        return _dry_run(current, status=409)
    changed = len(done.changes)
    flash(
        ngettext(
            "Regraded: %(num)d answer changed.", "Regraded: %(num)d answers changed.", changed
        ),
        "success",
    )
    return redirect_to(url_for("quizzes.question", question_id=current.id))


def _dry_run(question, status=200):
    plan = regrade.plan(question)
    people = people_by_id({c.attempt.user_id for c in plan.changes})
    return render(
        "quizzes/regrade.html", status=status, question=question, plan=plan, people=people
    )


@bp.get("/bank/export.xlsx")
@permission_required(QUIZZES_AUTHOR)
def bank_export():
    # The shortest reference of each step (a process step's slug alone).
    refs = {}
    for ref, step_id in sorted(step_refs().items(), key=lambda r: len(r[0]), reverse=True):
        refs[step_id] = ref
    body = excel.export_bank(refs)
    name = f"ngan-hang-cau-hoi-{local_today().isoformat()}.xlsx"
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/bank/import", methods=["GET", "POST"])
@permission_required(QUIZZES_AUTHOR)
def bank_import():
    form = BankImportForm()
    if not form.validate_on_submit():
        status = form_status()
        return render("quizzes/bank_import.html", status=status, form=form)
    try:
        parsed = excel.read_bank(
            form.workbook.data.stream,
            step_refs(),
            {slug for slug, _title in script_slug_choices()},
        )
    except WorkbookError as error:
        form.workbook.errors = [str(error)]
        return render("quizzes/bank_import.html", status=422, form=form)
    if parsed.errors:
        return render("quizzes/bank_import.html", status=422, form=form, errors=parsed.errors)
    counts = excel.import_bank(parsed, author=current_user)
    return render("quizzes/bank_import.html", form=BankImportForm(formdata=None), counts=counts)
