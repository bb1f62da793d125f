"""KPI sheets: an agent's own, their teams' for supervisors, everyone's for HR
and admins; the HR workbook, the summary CSV, outcome imports and targets."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accounts.directory import all_teams
from portal.accounts.models import Team, User
from portal.accounts.policy import visible_teams, visible_users
from portal.core import etags, fragments
from portal.core.extensions import db
from portal.core.htmx import form_status, redirect_to, render
from portal.core.jobs import JobLimit, own_or_404
from portal.core.models import local_today
from portal.core.pagination import paginate_list
from portal.core.params import bounded_int, int_arg, whole_number
from portal.core.policy import permission_required, require
from portal.core.storage import StorageError, storage
from portal.core.workbooks import WorkbookError
from portal.kpi import (
    bp,
    caching,
    export,
    jobs,
    measures,
    outcome_jobs,
    sheets,
    targets,
    versions,
)
from portal.kpi.forms import OutcomesForm, TargetsForm, target_text
from portal.kpi.periods import KINDS, from_args
from portal.kpi.policy import KPI_TARGETS_EDIT, KPI_TEAM, OUTCOMES_IMPORT, lands_on_own_sheet

bp.add_app_template_filter(target_text, "measure_input")


@bp.app_template_filter("measure")
def format_measure(value, code: str) -> str:
    """A measure as people read it: 85.0%, +32, 04:35, 3."""
    if value is None:
        return "—"
    unit = measures.BY_CODE[code].unit
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "score":
        return f"{value:+.0f}"
    if unit == "seconds":
        seconds = int(round(value))
        return f"{seconds // 60:02d}:{seconds % 60:02d}"
    return f"{value:.0f}"


def _period():
    period, problem = from_args(request.args, local_today())
    if problem:
        flash(problem, "warning")
    return period


def _ref_day(period):
    """The day the picker offers: today when it is in the period (so switching
    from a month to a week lands on this week), else the period's first day."""
    today = local_today()
    return today if period.start <= today <= period.end else period.start


@bp.get("/")
@login_required
def index():
    args = _known_args()
    if lands_on_own_sheet(current_user):
        return redirect(url_for("kpi.agent", user_id=current_user.id, **args))
    return redirect(url_for("kpi.team", **args))


KNOWN_ARGS = ("period", "ref", "start", "end", "team", "sort", "dir", "page", "targeted")
# A page of the team table: 1,000 agents are 10 pages, each as quick as a team's.
TEAM_PAGE_SIZE = 100


def _known_args() -> dict:
    """The query-string keys the KPI pages understand (others never reach url_for)."""
    return {k: v[:40] for k, v in request.args.items() if k in KNOWN_ARGS}


def _agent_body(person: User, period, with_targeted: bool) -> str:
    """The figures of the sheet (a cached fragment: nothing per viewer in it)."""
    today = local_today()
    (row,) = sheets.table([person], period, today, with_targeted=with_targeted)
    periods, series = sheets.trend([person.id], period, today)
    return render_template(
        "kpi/_agent_body.html",
        person=person,
        row=row,
        period=period,
        kinds=KINDS,
        groups=_groups(),
        trend_labels=[p.label for p in periods],
        trend=series[person.id],
        weakest=sheets.weakest(person.id, period),
        sections=sheets.section_lines(person.id, period),
        targeted=targets.TARGETED,
        ref_day=_ref_day(period),
        with_targeted=with_targeted,
    )


@bp.get("/agents/<int:user_id>")
@login_required
def agent(user_id: int):
    person = db.get_or_404(User, user_id)
    require("kpi.sheet", person, hide=True)
    counters = versions.counters(db.session, [person.id, current_user.id])
    data = caching.data_version(f"{counters[versions.SHARED]}.{counters[person.id]}")
    tag = caching.etag_for(data, counters[current_user.id])
    if (unchanged := etags.not_modified(tag)) is not None:
        return unchanged
    period = _period()
    body = fragments.cached(
        fragments.key_of("kpi-agent", data),
        lambda: _agent_body(person, period, request.args.get("targeted") == "1"),
    )
    page = render("kpi/agent.html", person=person, period=period, body=body)
    return etags.validated(page, tag)


def _groups():
    names = {
        "quality": _l("Quality reviews"),
        "autoqa": _l("Automatic QA, every analysed call"),
        "customer": _l("Customer outcomes"),
        "training": _l("Training"),
    }
    return [(names[g], [m for m in measures.MEASURES if m.group == g]) for g in names]


TABLE_COLUMNS = (
    "review_count",
    "review_score",
    "pass_rate",
    "critical_fails",
    "auto_qa_calls",
    "auto_qa_score",
    "nps",
    "csat",
    "frt_median",
    "atht_median",
    "complaint_rate",
    "onboarding_done",
    "quizzes_passed",
)


def _scoped_agents():
    team_id = int_arg("team")
    return sheets.agents_in(visible_users(current_user), team_id)


def _team_table(period, scope) -> str:
    """One page of the team table (a cached fragment: nothing per viewer in it)."""
    rows = sheets.table(_scoped_agents(), period, local_today(), scope)
    column = request.args.get("sort", "name")
    descending = request.args.get("dir") == "desc"
    ordered = sheets.sort_rows(rows, column, descending)
    return render_template(
        "kpi/_team_table.html",
        found=paginate_list(ordered, int_arg("page"), TEAM_PAGE_SIZE),
        period=period,
        columns=[measures.BY_CODE[c] for c in TABLE_COLUMNS],
        sort=column,
        descending=descending,
        args={k: v for k, v in _known_args().items() if k != "page"},  # a new sort: page 1
    )


@bp.get("/team")
@permission_required(KPI_TEAM)
def team():
    scope = sheets.agent_versions_in(visible_users(current_user), int_arg("team"), current_user.id)
    data = caching.data_version(scope.digest)
    tag = caching.etag_for(data, scope.viewer)
    if (unchanged := etags.not_modified(tag)) is not None:
        return unchanged
    period = _period()
    table = fragments.cached(fragments.key_of("kpi-team", data), lambda: _team_table(period, scope))
    page = render(
        "kpi/team.html",
        table=table,
        period=period,
        kinds=KINDS,
        teams=list(db.session.scalars(visible_teams(current_user))),
        ref_day=_ref_day(period),
    )
    return etags.validated(page, tag)


@bp.get("/team.csv")
@permission_required(KPI_TEAM)
def team_csv():
    period = _period()
    rows = sheets.table(_scoped_agents(), period, local_today())
    name = f"kpi-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        export.summary_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/export")
@permission_required(KPI_TEAM)
def start_export():
    period, problem = from_args(request.form, local_today())
    if problem:
        flash(problem, "error")
        return redirect_to(url_for("kpi.team"))
    team_id = whole_number(request.form.get("team")) or None
    agents = sheets.agents_in(visible_users(current_user), team_id)
    try:
        job = jobs.start(current_user, [a.id for a in agents], period, local_today())
    except JobLimit as busy:
        flash(str(busy), "warning")
        return redirect_to(url_for("kpi.team"))
    return redirect_to(url_for("kpi.export_job", token=job.token))


@bp.get("/exports/<token>")
@permission_required(KPI_TEAM)
def export_job(token: str):
    job = own_or_404(token, jobs.KIND, current_user.id)
    return render("kpi/export_job.html", "kpi/_job.html", job=job)


@bp.get("/exports/<token>/download")
@permission_required(KPI_TEAM)
def export_download(token: str):
    job = own_or_404(token, jobs.KIND, current_user.id)
    if job.state != "done" or not job.result.get("file"):
        abort(404)
    name = f"bang-diem-{job.params['start']}-{job.params['end']}.xlsx"
    try:
        return storage().serve(job.result["file"], jobs.WORKBOOK_TYPE, download_name=name)
    except StorageError:
        abort(404)


@bp.route("/outcomes/import", methods=["GET", "POST"])
@permission_required(OUTCOMES_IMPORT)
def outcomes_import():
    form = OutcomesForm()
    if not form.validate_on_submit():
        return render("kpi/outcomes_import.html", form=form, status=form_status())
    try:
        job = outcome_jobs.start(current_user, form.file.data)
    except WorkbookError as error:
        form.file.errors = [str(error)]
        return render("kpi/outcomes_import.html", form=form, status=422)
    except JobLimit as busy:
        flash(str(busy), "warning")
        return render("kpi/outcomes_import.html", form=form, status=429)
    return redirect_to(url_for("kpi.outcomes_job", token=job.token))


@bp.get("/outcomes/import/<token>")
@permission_required(OUTCOMES_IMPORT)
def outcomes_job(token: str):
    """An import's progress, then what it added or why it wrote nothing (polled)."""
    job = own_or_404(token, outcome_jobs.KIND, current_user.id)
    status = outcome_jobs.page_status(job)
    return render("kpi/outcomes_job.html", "kpi/_outcomes_job.html", job=job, status=status)


def _target_scope(teams: list[Team]) -> int | None:
    """The team whose targets the page edits (`?team=`); none: the company's own."""
    asked = request.values.get("team")
    scope = bounded_int(asked)
    if asked and scope not in {t.id for t in teams}:
        abort(404)
    return scope


@bp.route("/targets", methods=["GET", "POST"])
@permission_required(KPI_TEAM)
def targets_page():
    """Company targets and team overrides; HR and admins change them."""
    teams = all_teams()
    scope = _target_scope(teams)
    if request.method == "POST":
        require(KPI_TARGETS_EDIT)
    goals = targets.targets_for([t.id for t in teams])
    own = targets.own_targets(scope) if scope else goals[None]
    form = TargetsForm(data=own)
    if form.validate_on_submit():
        targets.save_targets(form.values(), scope, by=current_user)
        flash(_("Targets saved."), "success")
        return redirect_to(url_for("kpi.targets_page", team=scope))
    return render(
        "kpi/targets.html",
        status=422 if form.errors else 200,
        form=form,
        teams=teams,
        scope=scope,
        goals=goals,
        measures=measures.BY_CODE,
        targeted=targets.TARGETED,
        scope_name=next((t.name for t in teams if t.id == scope), None)
        or _("The company (every team without its own)"),
    )
