"""Onboarding pages: my path, the item bar, managers' views, module editing, assignment."""

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.directory import frontline_in_scope
from portal.accounts.models import User
from portal.accounts.policy import visible_teams, visible_users
from portal.core.content import item_kinds
from portal.core.extensions import db
from portal.core.htmx import form_status, is_htmx, redirect_to, render
from portal.core.models import local_today
from portal.core.params import int_arg
from portal.core.policy import permission_required, require
from portal.core.roles import FRONTLINE
from portal.onboarding import assignment as assignments
from portal.onboarding import bp
from portal.onboarding import matrix as matrices
from portal.onboarding import modules as module_editing
from portal.onboarding import path as paths
from portal.onboarding.forms import AssignForm, DueDateForm, ItemForm, ModuleForm
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.onboarding.modules import OnboardingError
from portal.onboarding.policy import MODULES_EDIT, ONBOARDING_ASSIGN, ONBOARDING_TRACK
from portal.onboarding.status import DONE, IN_PROGRESS, NOT_STARTED, OVERDUE, REACK


@bp.get("/")
@login_required
def mine():
    path = paths.path_for(current_user)
    return render("onboarding/mine.html", path=path, person=current_user, diff_url=paths.diff_url)


@bp.get("/items/<int:item_id>/open")
@login_required
def open_item(item_id: int):
    try:
        view = paths.open_item(current_user, item_id)
    except OnboardingError:
        flash(_("This item is not open for you yet."), "warning")
        return redirect(url_for("onboarding.mine"))
    if view.info is None:
        abort(404)
    # "What changed" opens the item on its diff page: reading the changes is
    # reading the new version, and the bar there confirms it.
    target = (request.args.get("then") == "changes" and paths.diff_url(view)) or view.info.url
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}onboarding_item={item_id}")


@bp.post("/items/<int:item_id>/complete")
@login_required
def complete_item(item_id: int):
    error = None
    try:
        paths.complete_item(current_user, item_id)
    except OnboardingError as refusal:
        if str(refusal) == "completes itself":
            error = _("Ticked off automatically when you complete it.")
        else:
            error = _("Open the item and read it before marking it done.")
    _load_bar(item_id)
    if "onboarding_bar" not in g:  # not in this person's open path
        abort(404)
    if error:
        g.onboarding_bar["error"] = error
    if is_htmx() or error:
        return render(
            "onboarding/bar_page.html", "onboarding/_bar.html", status=422 if error else 200
        )
    flash(_("Marked as done."), "success")
    return redirect(url_for("onboarding.mine"), code=303)


@bp.before_app_request
def _onboarding_bar():
    item_id = int_arg("onboarding_item")
    if item_id and current_user.is_authenticated:
        _load_bar(item_id)


def _load_bar(item_id: int) -> None:
    path = paths.path_for(current_user)
    for module in path.modules:
        for view in module.items:
            if view.item.id == item_id and not module.locked:
                g.onboarding_bar = {
                    "path": path,
                    "module": module,
                    "view": view,
                    "diff_url": paths.diff_url(view),
                    "manual": not item_kinds()[view.item.kind].completes_itself,
                }
                return


# --- managers' views ------------------------------------------------------------------


@bp.get("/people/<int:user_id>")
@permission_required(ONBOARDING_TRACK)
def person(user_id: int):
    subject = db.get_or_404(User, user_id)
    require("onboarding.follow", subject)
    return render(
        "onboarding/mine.html",
        path=paths.path_for(subject),
        person=subject,
        diff_url=paths.diff_url,
    )


MATRIX_PAGE_SIZE = 100


def _matrix_from_filters(paginate: bool = True):
    query = visible_users(current_user).where(User.active)
    team_id = int_arg("team")
    if team_id:
        query = query.where(User.team_id == team_id)
    role = request.args.get("role")
    if role in {r.value for r in FRONTLINE}:
        query = query.where(User.role == role)
    status = request.args.get("status") or None
    if status not in (None, NOT_STARTED, IN_PROGRESS, DONE, OVERDUE, REACK):
        status = None
    filters = {"team": team_id, "role": role, "status": status}
    result = matrices.completion_matrix(
        query,
        status=status,
        page=int_arg("page") or 1,
        per_page=MATRIX_PAGE_SIZE if paginate else None,
    )
    return result, filters


@bp.get("/matrix")
@permission_required(ONBOARDING_TRACK)
def matrix():
    result, filters = _matrix_from_filters()
    teams = list(db.session.scalars(visible_teams(current_user)))
    return render(
        "onboarding/matrix.html",
        "onboarding/_matrix.html",
        matrix=result,
        teams=teams,
        filters=filters,
    )


@bp.get("/matrix.csv")
@permission_required(ONBOARDING_TRACK)
def matrix_csv():
    result, _filters = _matrix_from_filters(paginate=False)
    template_globals = current_app.jinja_env.globals
    body = matrices.matrix_csv(
        result,
        status_labels=template_globals["status_label"],
        role_labels=template_globals["role_label"],
        headers=[_("Name"), _("Email"), _("Team"), _("Role"), _("Overdue modules")],
    )
    filename = f"onboarding-{local_today().isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _assignment_in_scope(user_id: int, module_id: int):
    subject = db.get_or_404(User, user_id)
    require("person.records", subject)
    assignment = assignments.assignment_of(user_id, module_id)
    if assignment is None:
        abort(404)
    return subject, assignment


@bp.route("/people/<int:user_id>/modules/<int:module_id>/due", methods=["GET", "POST"])
@permission_required(ONBOARDING_ASSIGN)
def change_due(user_id: int, module_id: int):
    subject, assignment = _assignment_in_scope(user_id, module_id)
    if request.method == "GET":  # a reload of the address a failed save left
        return redirect(url_for("onboarding.person", user_id=user_id))
    form = DueDateForm()
    if form.validate_on_submit():
        assignments.change_due_date(assignment, form.due_date.data)
        flash(_("Due date changed."), "success")
        return redirect_to(url_for("onboarding.person", user_id=user_id))
    flash(_("Choose a valid date."), "error")
    response = render(
        "onboarding/mine.html",
        status=422,
        path=paths.path_for(subject),
        person=subject,
        diff_url=paths.diff_url,
    )
    # Keep the person's page address in the bar, not the form's.
    response.headers["HX-Replace-Url"] = url_for("onboarding.person", user_id=user_id)
    return response


@bp.post("/people/<int:user_id>/modules/<int:module_id>/remove")
@permission_required(ONBOARDING_ASSIGN)
def remove_assignment(user_id: int, module_id: int):
    subject, assignment = _assignment_in_scope(user_id, module_id)
    assignments.unassign(subject, assignment.module)
    flash(_("Module removed from this person's path. Their progress on it is kept."), "success")
    return redirect_to(url_for("onboarding.person", user_id=user_id))


# --- modules (admin) ----------------------------------------------------------------------


@bp.get("/modules")
@permission_required(MODULES_EDIT)
def modules():
    module_list = module_editing.modules()
    items = [i for m in module_list for i in m.items]
    return render(
        "onboarding/modules.html", modules=module_list, info=module_editing.describe_items(items)
    )


def _module_or_404(module_id: int) -> OnboardingModule:
    """A module of the path; a person's refresher (from coaching) is not edited here."""
    module = db.get_or_404(OnboardingModule, module_id)
    if module.refresher_for_id is not None:
        abort(404)
    return module


@bp.route("/modules/new", methods=["GET", "POST"])
@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@permission_required(MODULES_EDIT)
def edit_module(module_id: int | None = None):
    module = _module_or_404(module_id) if module_id else None
    form = ModuleForm.editing(module)
    if form.validate_on_submit():
        module = module_editing.save_module(
            module,
            title=form.title.data,
            description=form.description.data or "",
            due_days=form.due_days.data,
            requires_previous=form.requires_previous.data,
            auto_assign=form.auto_assign.data,
        )
        flash(_("Saved."), "success")
        return redirect_to(url_for("onboarding.module_items", module_id=module.id))
    return render(
        "onboarding/module_form.html",
        status=form_status(),
        form=form,
        module=module,
    )


@bp.post("/modules/<int:module_id>/move")
@permission_required(MODULES_EDIT)
def move_module(module_id: int):
    module_editing.move_module(
        _module_or_404(module_id), -1 if request.form.get("dir") == "up" else 1
    )
    return redirect_to(url_for("onboarding.modules"))


@bp.route("/modules/<int:module_id>/items", methods=["GET", "POST"])
@permission_required(MODULES_EDIT)
def module_items(module_id: int):
    module = _module_or_404(module_id)
    form = ItemForm()
    if form.validate_on_submit():
        try:
            module_editing.add_item(module, *form.chosen)
        except OnboardingError:
            form.content.errors.append(_("This content is already in the module."))
        else:
            return redirect_to(url_for("onboarding.module_items", module_id=module.id))
    return render(
        "onboarding/module_items.html",
        "onboarding/_module_items.html",
        status=form_status(),
        module=module,
        form=form,
        info=module_editing.describe_items(module.items),
    )


def _live_item_or_404(item_id: int) -> ModuleItem:
    """An item still in its module (a stale tab may point at a removed one)."""
    item = db.get_or_404(ModuleItem, item_id)
    if item.removed_at is not None:
        abort(404)
    return item


@bp.post("/items/<int:item_id>/remove")
@permission_required(MODULES_EDIT)
def remove_item(item_id: int):
    item = _live_item_or_404(item_id)
    module_id = item.module_id
    module_editing.remove_item(item)
    return redirect_to(url_for("onboarding.module_items", module_id=module_id))


@bp.post("/items/<int:item_id>/move")
@permission_required(MODULES_EDIT)
def move_item(item_id: int):
    item = _live_item_or_404(item_id)
    module_editing.move_item(item, -1 if request.form.get("dir") == "up" else 1)
    return redirect_to(url_for("onboarding.module_items", module_id=item.module_id))


# --- assignment -----------------------------------------------------------------------


@bp.route("/assign", methods=["GET", "POST"])
@permission_required(ONBOARDING_ASSIGN)
def assign():
    people = frontline_in_scope(current_user)
    teams = db.session.scalars(visible_teams(current_user))
    form = AssignForm(modules=module_editing.modules(), people=people, teams=teams)
    if not form.validate_on_submit():
        return render("onboarding/assign.html", status=form_status(), form=form)
    targets = form.chosen_people()
    created = assignments.assign(
        targets, form.chosen_modules(), by=current_user, due_in_days=form.due_in_days.data
    )
    flash(_("%(n)d assignments created for %(p)d people.", n=created, p=len(targets)), "success")
    return redirect_to(url_for("onboarding.matrix"))
