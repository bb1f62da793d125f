"""Quiz management: setting quizzes up (authors), marking essays (supervisors, admins)
and reading results (supervisors, HR, admins)."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.htmx import form_status, redirect_to, render
from portal.core.models import utcnow
from portal.core.params import whole_number
from portal.core.policy import permission_required, require
from portal.core.text import clean, too_long
from quizzes import attempts, bank, bp, results, setup
from quizzes.attempts import TEXT_LIMITS
from quizzes.forms import GRADING_LABELS, NEW_QUIZ, QuizForm, SlotDrawForm, SlotQuestionForm
from quizzes.marking import marking_queue, waiting_answer
from quizzes.models import Quiz
from quizzes.policy import QUIZZES_AUTHOR, QUIZZES_GRADE, QUIZZES_RESULTS


def _quiz_page(quiz, form=None, *, status=200, problems=(), conflict=False, slot_problems=()):
    question_form = SlotQuestionForm(formdata=None)
    draw_form = SlotDrawForm()
    draw_form.category_id.choices = bank.category_choices()
    if form is None:
        form = QuizForm(formdata=None, data=QuizForm.data_from(quiz))
    return render(
        "quizzes/quiz_edit.html",
        status=status,
        quiz=quiz,
        form=form,
        problems=problems,
        conflict=conflict,
        slot_problems=slot_problems,
        question_form=question_form,
        draw_form=draw_form,
        labels=setup.slot_labels(quiz),
        keys=bank.question_keys(),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(QUIZZES_AUTHOR)
def quiz_new():
    form = QuizForm.editing(Quiz(**NEW_QUIZ))
    if not form.validate_on_submit():
        status = form_status()
        return render("quizzes/quiz_new.html", form=form, status=status)
    try:
        quiz = setup.create_quiz(form.settings())
    except setup.InvalidQuiz as invalid:
        return render("quizzes/quiz_new.html", form=form, status=422, problems=invalid.problems)
    flash(_("Quiz created. Add its questions below."), "success")
    return redirect_to(url_for("quizzes.quiz_edit", quiz_id=quiz.id))


@bp.route("/<int:quiz_id>/edit", methods=["GET", "POST"])
@permission_required(QUIZZES_AUTHOR)
def quiz_edit(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    if request.method == "GET":
        return _quiz_page(quiz)
    form = QuizForm()
    if not form.validate_on_submit():
        return _quiz_page(quiz, form, status=422)
    try:
        setup.save_settings(quiz, form.settings(), seen_revision=whole_number(form.revision.data))
    except setup.InvalidQuiz as invalid:
        return _quiz_page(quiz, form, status=422, problems=invalid.problems)
    except setup.StaleQuiz:
        return _quiz_page(quiz, form, status=409, conflict=True)
    flash(_("Settings saved."), "success")
    return redirect_to(url_for("quizzes.quiz_edit", quiz_id=quiz.id))


@bp.post("/<int:quiz_id>/slots")
@permission_required(QUIZZES_AUTHOR)
def slot_add(quiz_id: int):
    """Add a fixed question or a random draw; a draw larger than its pool is refused."""
    quiz = db.get_or_404(Quiz, quiz_id)
    try:
        if request.form.get("kind") == "draw":
            form = SlotDrawForm()
            form.category_id.choices = bank.category_choices()
            if not form.validate_on_submit():
                raise setup.InvalidQuiz([e for errors in form.errors.values() for e in errors])
            setup.add_draw(
                quiz,
                form.category_id.data,
                form.count.data,
                include_subcategories=form.include_subcategories.data,
            )
        else:
            form = SlotQuestionForm()
            found = form.validate_on_submit() and bank.question_by_key(form.key.data)
            if not found:
                raise setup.InvalidQuiz([_("No question in the bank has this key.")])
            setup.add_question(quiz, found.id)
    except setup.InvalidQuiz as invalid:
        return _quiz_page(quiz, status=422, slot_problems=invalid.problems)
    return redirect_to(url_for("quizzes.quiz_edit", quiz_id=quiz.id) + "#slots")


@bp.post("/<int:quiz_id>/slots/<int:slot_id>")
@permission_required(QUIZZES_AUTHOR)
def slot_change(quiz_id: int, slot_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    action = request.form.get("action")
    if action == "remove":
        setup.remove_slot(quiz, slot_id)
    elif action in ("up", "down"):
        setup.move_slot(quiz, slot_id, -1 if action == "up" else 1)
    return redirect_to(url_for("quizzes.quiz_edit", quiz_id=quiz.id) + "#slots")


# --- results ------------------------------------------------------------------------------


def _scope():
    return visible_users(current_user).with_only_columns(User.id)


@bp.get("/<int:quiz_id>/results")
@permission_required(QUIZZES_RESULTS)
def quiz_results(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    report = results.quiz_report(quiz, _scope())
    method = GRADING_LABELS[quiz.grading_method]
    return render("quizzes/quiz_results.html", quiz=quiz, **vars(report), method=method)


@bp.get("/<int:quiz_id>/analysis")
@permission_required(QUIZZES_RESULTS)
def quiz_analysis(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    # Item statistics pool everyone's answers and name no one: they describe the
    # questions, so a supervisor sees the whole company's figures too.
    return render("quizzes/analysis.html", quiz=quiz, items=results.item_analysis(quiz))


@bp.get("/people/<int:user_id>")
@permission_required(QUIZZES_RESULTS)
def person_results(user_id: int):
    person = db.get_or_404(User, user_id)
    require("person.records", person, hide=True)
    report = results.person_report(person)
    return render("quizzes/person_results.html", person=person, **vars(report))


# --- essays waiting for a mark (supervisors: their teams; admins: everyone) -----------------


@bp.get("/grading")
@permission_required(QUIZZES_GRADE)
def grading():
    return _grading_page()


def _grading_page(*, status: int = 200, typed=None, refused: tuple[int, str] | None = None):
    """The essays waiting; a refused mark comes back with what was typed and why."""
    queue = marking_queue(current_user)
    return render(
        "quizzes/grading.html",
        status=status,
        **vars(queue),
        typed=typed,
        refused=refused,
        limits=TEXT_LIMITS,
    )


@bp.post("/grading/<int:answer_id>")
@permission_required(QUIZZES_GRADE)
def grade_essay(answer_id: int):
    answer = waiting_answer(current_user, answer_id)
    if answer is None:
        abort(404)  # not an essay waiting in your scope (or marked already)
    points = request.form.get("points", type=float)
    comment = clean(request.form.get("comment", ""), multiline=True)
    problem = too_long(comment, TEXT_LIMITS["comment"], _l("The comment"))
    if problem:
        return _grading_page(status=422, typed=request.form, refused=(answer.id, problem))
    if points is None or not 0 <= points <= answer.version.points:
        flash(_("Give between 0 and %(n)d points.", n=answer.version.points), "error")
        return redirect_to(url_for("quizzes.grading"))
    fraction = points / answer.version.points
    attempts.grade_essay(
        answer, fraction=fraction, comment=comment, grader_id=current_user.id, now=utcnow()
    )
    flash(_("Marked."), "success")
    return redirect_to(url_for("quizzes.grading"))
