"""Admin: people, teams and the roster import. HR may look, only admin may change."""

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import roster
from portal.accounts.directory import active_supervisors, all_teams, find_people, teams_with_sizes
from portal.accounts.forms import RosterUploadForm, TeamForm, UserForm
from portal.accounts.models import Team, User
from portal.accounts.policy import PEOPLE_MANAGE, PEOPLE_READ
from portal.accounts.services import save_team, save_user, set_active
from portal.admin import bp
from portal.core.extensions import db
from portal.core.htmx import form_status, is_htmx, redirect_to, render
from portal.core.params import int_arg
from portal.core.policy import permission_required
from portal.core.roles import Role
from portal.core.storage import seekable, storage


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


# --- roster import ------------------------------------------------------------------


@bp.route("/roster", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def roster_upload():
    form = RosterUploadForm()
    if form.validate_on_submit():
        token = roster.store_upload(form.workbook.data)
        return redirect_to(url_for("admin.roster_preview", token=token))
    return render(
        "admin/roster_upload.html",
        status=form_status(),
        form=form,
        role_labels=roster.accepted_role_labels(),
    )


@bp.route("/roster/<token>", methods=["GET", "POST"])
@permission_required(PEOPLE_MANAGE)
def roster_preview(token: str):
    key = roster.upload_key(token)
    if key is None or not storage().exists(key):  # imported already (a reload), or an old link
        flash(_("This roster file is no longer waiting: it was imported or replaced."), "info")
        return redirect_to(url_for("admin.users"))
    try:
        with seekable(key) as upload:
            preview = roster.read_roster(upload)
    except roster.RosterFileError as error:
        storage().delete(key)
        form = RosterUploadForm()
        form.workbook.errors = [str(error)]
        return render(
            "admin/roster_upload.html",
            status=422,
            form=form,
            role_labels=roster.accepted_role_labels(),
        )
    if request.method == "POST":
        if not preview.valid:
            return render("admin/roster_preview.html", status=422, preview=preview, token=token)
        result = roster.commit_roster(preview)
        storage().delete(key)
        return render("admin/roster_done.html", result=result)
    status = 200 if preview.valid else 422
    return render("admin/roster_preview.html", status=status, preview=preview, token=token)
