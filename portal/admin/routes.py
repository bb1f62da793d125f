"""Admin: people, teams and the roster import. HR may look, only admin may change."""

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import roster, roster_jobs
from portal.accounts.directory import active_supervisors, all_teams, find_people, teams_with_sizes
from portal.accounts.forms import RosterUploadForm, TeamForm, UserForm
from portal.accounts.models import Team, User
from portal.accounts.policy import PEOPLE_MANAGE, PEOPLE_READ
from portal.accounts.services import save_team, save_user, set_active
from portal.admin import bp
from portal.core.extensions import db
from portal.core.htmx import form_status, is_htmx, redirect_to, render
from portal.core.jobs import Job, JobLimit, own_or_404
from portal.core.params import int_arg
from portal.core.policy import permission_required
from portal.core.roles import Role


@bp.get("/users")
@permission_required(PEOPLE_READ)
def users():
    people = find_people(
        words=request.args.get("q", ""), role=request.args.get("role"), team_id=int_arg("team")
    )
    return render(
        "admin/users.html",
        "admin/_user_rows.html",
        people=people,
        teams=all_teams(),
        roles=list(Role),
    )


def _user_form_page(form, user, status=200):
    return render(
        "admin/user_form.html", "admin/_user_form.html", status=status, form=form, user=user
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def new_user():
    form = UserForm(teams=all_teams())
    if not form.validate_on_submit():
        return _user_form_page(form, None, form_status())
    user = save_user(None, form.user_data(), form.password.data)
    flash(_("%(name)s can now log in.", name=user.name), "success")
    return redirect_to(url_for("admin.users"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm.editing(user, teams=all_teams(), subject=user, editor=current_user)
    if not form.validate_on_submit():
        return _user_form_page(form, user, form_status())
    save_user(user, form.user_data(), form.password.data or None)
    flash(_("Saved."), "success")
    return redirect_to(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@permission_required(PEOPLE_MANAGE)
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(422)
    set_active(user, request.form.get("active") == "1")
    if not is_htmx():
        flash(_("Saved."), "success")
        return redirect_to(url_for("admin.users"))
    return render_template("admin/_user_row.html", person=user)


# --- teams ----------------------------------------------------------------------


@bp.get("/teams")
@permission_required(PEOPLE_READ)
def teams():
    return render("admin/teams.html", rows=teams_with_sizes())


@bp.route("/teams/new", methods=["GET", "POST"])
@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def edit_team(team_id: int | None = None):
    team = db.get_or_404(Team, team_id) if team_id else None
    form = TeamForm.editing(team, supervisors=active_supervisors(), team=team)
    if not form.validate_on_submit():
        status = form_status()
        return render("admin/team_form.html", status=status, form=form, team=team)
    save_team(team, form.name.data, form.description.data or "", form.lead_ids.data or [])
    flash(_("Saved."), "success")
    return redirect_to(url_for("admin.teams"))


# --- roster import: background jobs (portal/accounts/roster_jobs.py) ------------------


def _upload_page(form, status: int, problem: str | None = None):
    if problem:
        form.workbook.errors = [problem]
    return render(
        "admin/roster_upload.html",
        status=status,
        form=form,
        role_labels=roster.accepted_role_labels(),
    )


def _roster_job(kind: str, token: str) -> Job:
    return own_or_404(token, kind, current_user.id)


@bp.route("/roster", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def roster_upload():
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, form_status())
    try:
        job = roster_jobs.start_check(current_user, form.workbook.data.stream)
    except JobLimit as busy:
        flash(str(busy), "warning")
        return redirect_to(url_for("admin.roster_upload"))
    return redirect_to(url_for("admin.roster_preview", token=job.token))


@bp.route("/roster/<token>", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def roster_preview(token: str):
    job = _roster_job(roster_jobs.CHECK, token)
    if job.open:
        return render("admin/roster_check.html", "admin/_roster_check.html", job=job)
    if is_htmx():  # the poll saw the check finish: the whole page shows what it found
        return redirect_to(url_for("admin.roster_preview", token=token))
    if job.state == "failed":  # the file could not be read; the sentence says why
        return _upload_page(RosterUploadForm(), 422, job.error)
    if imported := roster_jobs.import_started(job):  # a reload after confirming
        return redirect_to(url_for("admin.roster_import", token=imported))
    if not roster_jobs.upload_waiting(job):
        flash(str(roster_jobs.NotWaiting()), "info")
        return redirect_to(url_for("admin.roster_upload"))
    if request.method == "POST" and roster_jobs.importable(job):
        return _start_import(job)
    preview = roster_jobs.preview_of(job)
    status = 200 if preview.valid else 422
    return render("admin/roster_preview.html", status=status, preview=preview, job=job)


def _start_import(check: Job):
    try:
        job = roster_jobs.start_import(check, current_user)
    except JobLimit as busy:
        flash(str(busy), "warning")
        return redirect_to(url_for("admin.roster_preview", token=check.token))
    return redirect_to(url_for("admin.roster_import", token=job.token))


@bp.post("/roster/<token>/check-again")
@permission_required(PEOPLE_MANAGE)
def roster_check_again(token: str):
    job = _roster_job(roster_jobs.CHECK, token)
    try:
        again = roster_jobs.check_again(job, current_user)
    except (JobLimit, roster_jobs.NotWaiting) as refused:
        flash(str(refused), "warning")
        return redirect_to(url_for("admin.roster_upload"))
    return redirect_to(url_for("admin.roster_preview", token=again.token))


@bp.get("/roster/imports/<token>")
@permission_required(PEOPLE_MANAGE)
def roster_import(token: str):
    job = _roster_job(roster_jobs.IMPORT, token)
    again = job.state == "failed" and roster_jobs.upload_waiting(job)
    return render(
        "admin/roster_import.html", "admin/_roster_import.html", job=job, check_again=again
    )
