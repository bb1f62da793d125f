"""Taking quizzes: the list, starting or resuming, autosaving answers, submitting."""

import random

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.htmx import redirect_to, render
from portal.core.models import utcnow
from portal.core.params import bounded_int
from portal.core.policy import may, require
from portal.core.text import too_long
from quizzes import attempts as svc
from quizzes import bp, results
from quizzes.attempts import TEXT_LIMITS
from quizzes.listing import load_questions, own_attempts, quizzes_for
from quizzes.models import IN_PROGRESS, Quiz, QuizAttempt
from quizzes.policy import QUIZZES_AUTHOR

# The longest answers and marking comments kept; longer is refused (the page
# counts as it is typed), never cut.

ATTEMPT_STATES = {
    "in_progress": _l("In progress"),
    "submitted": _l("Handed in"),
    "finished": _l("Graded"),
    "abandoned": _l("Time ran out"),
}


@bp.app_context_processor
def _template_helpers():
    return {"state_label_quiz": lambda state: str(ATTEMPT_STATES.get(state, state))}


@bp.app_template_filter("marks")
def _marks(value: float | None) -> str:
    """Marks as people write them: 7, 7.5, 6.67 (never 7.000 or 6.666666)."""
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


REFUSALS = {
    "not_open": lambda v: _("This quiz opens on %(at)s.", at=format_datetime(v["at"], "short")),
    "closed": lambda v: _("This quiz is closed."),
    "no_attempts_left": lambda v: _("You have used all %(n)d attempts.", n=v["allowed"]),
    "wait": lambda v: _("You can try again from %(at)s.", at=format_datetime(v["until"], "short")),
    "time_up": lambda v: _("Time is up. Your answers saved before the deadline have been graded."),
    "not_in_progress": lambda v: _("This attempt is already handed in."),
    "no_such_question": lambda v: _("This question is not part of the attempt."),
}


def _refusal(error: svc.AttemptRefused) -> str:
    return REFUSALS[error.reason](error.values)


def _is_author() -> bool:
    return may(current_user, QUIZZES_AUTHOR)


def _quiz_or_404(quiz_id: int) -> Quiz:
    quiz = db.get_or_404(Quiz, quiz_id)
    if quiz.hidden and not _is_author():
        abort(404)  # a quiz being set up does not exist for learners yet
    return quiz


def _quiz_list(quizzes: list[Quiz]):
    mine = own_attempts(current_user.id, quizzes)
    now = utcnow()
    return render(
        "quizzes/index.html",
        quizzes=quizzes,
        mine=mine,
        grade=svc.quiz_grade,
        passed=svc.passed,
        shows_marks=lambda quiz, attempts: _shows_marks(quiz, attempts, now),
        is_author=_is_author(),
    )


def _shows_marks(quiz: Quiz, attempts: list[QuizAttempt], now) -> bool:
    """The quiz grade shows when the latest graded attempt's review options allow marks."""
    done = [a for a in attempts if a.state != IN_PROGRESS]
    return bool(done) and "marks" in results.review_allowed(quiz, done[-1], now)


@bp.get("/")
@login_required
def index():
    return _quiz_list(quizzes_for(authors_view=_is_author()))


@bp.get("/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    """One quiz: what it is, your attempts, and the button to start."""
    return _quiz_list([_quiz_or_404(quiz_id)])


@bp.post("/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    quiz = _quiz_or_404(quiz_id)
    try:
        attempt = svc.start(quiz, current_user.id, now=utcnow())
    except (svc.AttemptRefused, ValueError) as error:
        flash(_refusal(error) if isinstance(error, svc.AttemptRefused) else str(error), "error")
        return redirect_to(url_for("quizzes.index"))
    return redirect_to(url_for("quizzes.attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> QuizAttempt:
    # With its quiz (one statement): every attempt page and autosave reads both.
    attempt = db.get_or_404(QuizAttempt, attempt_id, options=[joinedload(QuizAttempt.quiz)])
    if attempt.user_id != current_user.id:
        abort(404)  # someone else's attempt does not exist for you
    return attempt


def _display_order(attempt: QuizAttempt, answer) -> list[int]:
    """Choices/items in a stable shuffled order per attempt and question."""
    data = answer.version.data
    count = len(data.get("choices") or data.get("items") or data.get("pairs") or [])
    order = list(range(count))
    quiz = db.session.get(Quiz, attempt.quiz_id)
    if quiz.shuffle_answers or answer.version.type == "ordering":
        random.Random(f"{attempt.id}:{answer.position}").shuffle(order)
    return order


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    current = _own_attempt(attempt_id)
    svc.settle(current, now=utcnow())
    if current.state != IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=current.id))
    quiz = db.session.get(Quiz, current.quiz_id)
    load_questions(current)
    return render(
        "quizzes/attempt.html",
        attempt=current,
        quiz=quiz,
        order=_display_order,
        allowed=results.review_allowed(quiz, current, utcnow()),
        limits=TEXT_LIMITS,
    )


class _OddNumber(Exception):
    """A choice or sequence number this page could not have sent."""


class _TooLong(Exception):
    """A typed answer over its limit, with the sentence that says so."""


def _number(raw) -> int | None:
    """A number from the answer form: None when not given; an odd one is refused."""
    if raw is None or raw == "":
        return None
    value = bounded_int(raw)
    if value is None:
        raise _OddNumber(raw)
    return value


def _response_from_form(answer):
    kind, form = answer.version.type, request.form
    if kind in ("single", "true_false"):
        return _number(form.get("choice"))
    if kind == "multiple":
        return sorted({_number(v) for v in form.getlist("choice") if v != ""})
    if kind == "ordering":
        return [_number(form.get(f"place-{i}")) for i in range(len(answer.version.data["items"]))]
    if kind == "matching":
        return {
            str(i): _number(form.get(f"match-{i}"))
            for i in range(len(answer.version.data["pairs"]))
        }
    text = form.get("text") or ""
    problem = too_long(text, TEXT_LIMITS.get(kind, TEXT_LIMITS["essay"]), _l("Your answer"))
    if problem:
        raise _TooLong(problem)
    return text


@bp.post("/attempts/<int:attempt_id>/answers/<int:position>")
@login_required
def save(attempt_id: int, position: int):
    """Autosave one answer (htmx); answers 200 with the time saved, 409 when stale."""
    current = _own_attempt(attempt_id)
    answer = next((a for a in current.answers if a.position == position), None)
    if answer is None:
        abort(404)
    try:
        saved = svc.save_answer(
            current,
            position,
            _response_from_form(answer),
            sequence=_number(request.form.get("sequence")) or 0,
            now=utcnow(),
        )
    except _OddNumber:
        refused = _("This answer could not be read. Reload the page and answer again.")
        return render_template("quizzes/_saved.html", refused=refused), 422
    except _TooLong as refused:  # the text stays in its box: only the note is swapped
        return render_template("quizzes/_saved.html", refused=str(refused)), 422
    except svc.StaleSave:
        return render_template("quizzes/_saved.html", stale=True), 409
    except svc.AttemptRefused as refused:
        return render_template("quizzes/_saved.html", refused=_refusal(refused)), 422
    return render_template("quizzes/_saved.html", saved_at=saved.saved_at)


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    current = _own_attempt(attempt_id)
    try:
        svc.submit(current, now=utcnow())
    except svc.AttemptRefused as refused:
        flash(_refusal(refused), "error")
    return redirect_to(url_for("quizzes.result", attempt_id=current.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    """The person sees what the quiz's review options allow now; supervisors (their
    teams), HR and admins see everything of an attempt they may look at."""
    current = db.get_or_404(QuizAttempt, attempt_id)
    own = current.user_id == current_user.id
    person = db.session.get(User, current.user_id)
    require("attempt.read", person, hide=True)
    now = utcnow()
    svc.settle(current, now=now)
    if current.state == IN_PROGRESS and own:
        return redirect(url_for("quizzes.attempt", attempt_id=current.id))
    quiz = db.session.get(Quiz, current.quiz_id)
    load_questions(current)
    return render(
        "quizzes/result.html",
        attempt=current,
        quiz=quiz,
        person=person,
        own=own,
        allowed=results.review_allowed(quiz, current, now) if own else results.EVERYTHING,
        passed=svc.passed(quiz, svc.attempts_of(quiz, current.user_id)),
        order=_display_order,
    )
