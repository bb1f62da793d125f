"""Playbook pages: the flows, steps, search, and versioned editing for admins."""

from flask import abort, flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.core.htmx import form_status, redirect_to, render
from portal.core.markdown import render_markdown
from portal.core.params import version_pair
from portal.core.policy import permission_required
from portal.playbooks import bp
from portal.playbooks import services as svc
from portal.playbooks.forms import IntroForm, StepForm
from portal.playbooks.models import INTRO_FIELDS, VERSIONED_FIELDS
from portal.playbooks.policy import PLAYBOOKS_EDIT

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "intro_md": _l("Introduction"),
    "goal": _l("Goal"),
    "body_md": _l("What to do"),
    "checklist": _l("Checklist"),
    "mistakes": _l("Common mistakes"),
    "segments": _l("Customer segments"),
    "channels": _l("Channels"),
    "kpis": _l("KPIs"),
}


def _labels(fields) -> dict[str, str]:
    return {name: str(FIELD_LABELS[name]) for name in fields}


def _step_or_404(playbook_slug: str, step_slug: str):
    step = svc.find_step(playbook_slug, step_slug)
    if step is None:
        abort(404)
    return step


@bp.get("/")
@login_required
def index():
    return render("playbooks/index.html", playbooks=svc.playbooks())


@bp.get("/search")
@login_required
def search():
    query = request.args.get("q", "")[:200]
    hits = svc.search_steps(query)
    return render("playbooks/search.html", "playbooks/_search_results.html", query=query, hits=hits)


@bp.get("/<playbook_slug>")
@login_required
def playbook(playbook_slug: str):
    book = svc.find_playbook(playbook_slug)
    if book is None:
        abort(404)
    return render("playbooks/playbook.html", playbook=book)


@bp.get("/<playbook_slug>/<step_slug>")
@login_required
def step(playbook_slug: str, step_slug: str):
    current = _step_or_404(playbook_slug, step_slug)
    return _step_page(current, current)


def _step_page(current, entry):
    """A step as it is now, or one of its kept versions (`entry`)."""
    old = entry is not current
    previous, following = (None, None) if old else svc.neighbours(current)
    return render(
        "playbooks/step.html",
        step=current,
        entry=entry,
        previous=previous,
        following=following,
        taxonomy=svc.taxonomy(),
        locale=str(get_locale()),
        old_version=entry if old else None,
    )


@bp.get("/<playbook_slug>/<step_slug>/history")
@login_required
def history(playbook_slug: str, step_slug: str):
    current = _step_or_404(playbook_slug, step_slug)
    return render(
        "versions/history.html",
        subject_title=current.title,
        crumbs=[
            (current.playbook.title, url_for("playbooks.playbook", playbook_slug=playbook_slug)),
            (current.title, _step_url(current)),
        ],
        diff_url=url_for("playbooks.diff", playbook_slug=playbook_slug, step_slug=step_slug),
        versions=svc.STEP_HISTORY.versions(current.id),
        current_version=current.version,
        version_url=lambda n: url_for(
            "playbooks.version", playbook_slug=playbook_slug, step_slug=step_slug, number=n
        ),
    )


def _step_url(step) -> str:
    return url_for("playbooks.step", playbook_slug=step.playbook.slug, step_slug=step.slug)


@bp.get("/<playbook_slug>/<step_slug>/v/<int:number>")
@login_required
def version(playbook_slug: str, step_slug: str, number: int):
    current = _step_or_404(playbook_slug, step_slug)
    entry = svc.STEP_HISTORY.find(current.id, number) or abort(404)
    return _step_page(current, entry)


@bp.get("/<playbook_slug>/<step_slug>/diff")
@login_required
def diff(playbook_slug: str, step_slug: str):
    current = _step_or_404(playbook_slug, step_slug)
    compared = svc.STEP_HISTORY.compare(
        current.id, *version_pair(current.version), _labels(VERSIONED_FIELDS)
    )
    return render(
        "versions/diff.html",
        subject_title=current.title,
        subject_url=_step_url(current),
        history_url=url_for("playbooks.history", playbook_slug=playbook_slug, step_slug=step_slug),
        **vars(compared or abort(404)),
    )


# --- a playbook's own page (title, summary, introduction) -------------------------


def _playbook_or_404(playbook_slug: str):
    book = svc.find_playbook(playbook_slug)
    if book is None:
        abort(404)
    return book


@bp.get("/<playbook_slug>/history")
@login_required
def intro_history(playbook_slug: str):
    book = _playbook_or_404(playbook_slug)
    return render(
        "versions/history.html",
        subject_title=book.title,
        crumbs=[(book.title, url_for("playbooks.playbook", playbook_slug=playbook_slug))],
        diff_url=url_for("playbooks.intro_diff", playbook_slug=playbook_slug),
        versions=svc.INTRO_HISTORY.versions(book.id),
        current_version=book.version,
        version_url=None,
    )


@bp.get("/<playbook_slug>/diff")
@login_required
def intro_diff(playbook_slug: str):
    book = _playbook_or_404(playbook_slug)
    compared = svc.INTRO_HISTORY.compare(
        book.id, *version_pair(book.version), _labels(INTRO_FIELDS)
    )
    return render(
        "versions/diff.html",
        subject_title=book.title,
        subject_url=url_for("playbooks.playbook", playbook_slug=playbook_slug),
        history_url=url_for("playbooks.intro_history", playbook_slug=playbook_slug),
        **vars(compared or abort(404)),
    )


def _saved(changed: bool, version: int) -> str:
    return _("Saved as version %(n)d.", n=version) if changed else _("Nothing changed.")


def _editor(template: str, form, *, status=None, conflict=None, **context):
    """An editor page: 200 to start, 422 for a refused save, 409 for a stale one."""
    if status is None:
        status = form_status()
    return render(template, status=status, form=form, conflict=conflict, **context)


def _edit(save, thing, form, template: str, done_url: str, **context):
    """The editor's round: show it, save a valid post as a new version (`save`), or
    answer 422 (refused) or 409 (someone saved a newer version meanwhile)."""
    if not form.validate_on_submit():
        return _editor(template, form, **context)
    try:
        changed = save(
            thing,
            form.fields_for_save(),
            base_version=form.base_version.data,
            author=current_user,
            note=form.change_note.data,
        )
    except svc.StaleEdit as stale:
        return _editor(template, form, status=409, conflict=stale.current_version, **context)
    flash(_saved(changed, thing.version), "success")
    return redirect_to(done_url)


@bp.route("/<playbook_slug>/edit", methods=["GET", "POST"])
@permission_required(PLAYBOOKS_EDIT)
def edit_intro(playbook_slug: str):
    book = _playbook_or_404(playbook_slug)
    form = IntroForm.editing(book)
    done = url_for("playbooks.playbook", playbook_slug=playbook_slug)
    return _edit(svc.save_intro, book, form, "playbooks/edit_intro.html", done, playbook=book)


@bp.route("/<playbook_slug>/<step_slug>/edit", methods=["GET", "POST"])
@permission_required(PLAYBOOKS_EDIT)
def edit(playbook_slug: str, step_slug: str):
    current = _step_or_404(playbook_slug, step_slug)
    form = StepForm.editing(current, taxonomy=svc.taxonomy(), locale=str(get_locale()))
    done = _step_url(current)
    return _edit(svc.save_step, current, form, "playbooks/edit.html", done, step=current)


@bp.post("/preview")
@permission_required(PLAYBOOKS_EDIT)
def preview():
    source = (request.form.get("body_md") or request.form.get("intro_md") or "")[:50_000]
    return render_template("playbooks/_preview.html", html=render_markdown(source))
