"""`flask portal ...` commands.

The CLI sits on top of every feature (the import contract's top layer), so it
imports them at module top; the app factory imports this module last.
"""

import json
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from autoqa import rescoring
from autoqa.analysis import analyse
from autoqa.audio import AudioError
from autoqa.transcript_checks import check as check_transcript
from autoqa.transcript_checks import load_rules
from autoqa.transcripts import turns_from_file
from portal.accounts.services import UserData, email_taken, save_user
from portal.backup import BackupError, RestoreRefused, restore_backup, write_backup
from portal.core import jobs
from portal.core.extensions import db
from portal.core.policy import permissions
from portal.core.queue import run_worker
from portal.core.roles import Role
from portal.demo import setup_demo
from portal.integrations import drop_folder
from portal.integrations import tokens as integration_tokens
from portal.integrations.models import SCOPES
from portal.kpi import rollups
from portal.playbooks.services import load_content_pack
from quizzes.services import load_question_bank
from reviews import retention, scheduled_retention, scheduled_sampling
from reviews.rubrics import load_rubric_pack
from scripts_library.pack import load_scripts_pack

portal_cli = AppGroup("portal", help="Portal setup and content commands.")


@portal_cli.command("setup-demo")
def setup_demo_command():
    """Load the built-in content and a demo team on first start; print the demo logins."""
    logins = setup_demo(current_app.instance_path)
    if not logins:
        click.echo("The database already has users; no demo team was created.")
        return
    click.echo(
        "\nDemo accounts (passwords are generated once, kept in instance/demo_accounts.json):"
    )
    for login in logins:
        click.echo(
            f"  {login['role']:<11} {login['email']:<24} {login['password']}   {login['name']}"
        )
    click.echo("\nOpen http://127.0.0.1:5000\n")


@portal_cli.command("load-content")
@click.option("--force", is_flag=True, help="Also replace steps that admins edited in the portal.")
def load_content_command(force):
    """Load the content pack; steps whose text changed get a new version."""
    counts = load_content_pack(force=force)
    rubric_counts = load_rubric_pack()
    scripts = load_scripts_pack()
    questions = load_question_bank()
    click.echo(
        f"playbooks created: {counts['playbooks']}, steps created: {counts['created']}, "
        f"updated: {counts['updated']}, kept because edited in the portal: {counts['kept']}"
    )
    click.echo(f"call scripts created: {scripts['created']}, updated: {scripts['updated']}")
    click.echo(f"quiz questions created: {questions['created']}, updated: {questions['updated']}")
    click.echo(f"rubrics created: {rubric_counts['created']}, updated: {rubric_counts['updated']}")


@portal_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin_command(email, name, password):
    """Create an admin account (for a fresh production database)."""
    if email_taken(email):
        raise click.ClickException("someone already has this email")
    save_user(
        None,
        UserData(
            name=name, email=email, role=Role.ADMIN, team_id=None, hire_date=None, led_team_ids=[]
        ),
        password,
    )
    db.session.remove()
    click.echo(f"admin {email} created")


@portal_cli.command("sample-reviews")
@click.option("--per-agent", default=3, show_default=True, help="Interactions to draw per agent.")
@click.option("--days", default=7, show_default=True, help="The period: the last N days.")
@click.option("--rubric", "rubric_slug", default="goi-dien", show_default=True)
@click.option(
    "--channel", default=None, help="Only this channel (phone, email, live_chat, social)."
)
def sample_reviews_command(per_agent, days, rubric_slug, channel):
    """Draw interactions to review for every team, into its supervisors' queues.

    The worker does this on its schedule (PORTAL_SAMPLING_CRON, Monday 06:00 in
    Vietnam by default); this command is for cron users. Teams without a supervisor
    are skipped and said so; interactions already reviewed are never drawn again,
    so running it twice draws nothing new.
    """
    try:
        draws = scheduled_sampling.draw_for_every_team(
            per_agent=per_agent, days=days, rubric_slug=rubric_slug, channel=channel
        )
    except scheduled_sampling.NoRubric as missing:
        raise click.ClickException(f"no published rubric {missing}") from missing
    for draw in draws:
        if draw.skipped:
            click.echo(f"{draw.team}: no supervisor, skipped")
        else:
            short = f", {draw.short} short" if draw.short else ""
            click.echo(f"{draw.team}: {draw.assigned} assigned{short}")
    click.echo(f"{sum(d.assigned for d in draws)} reviews assigned")


@portal_cli.command("purge-recordings")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge_recordings_command(dry_run):
    """Delete the recordings older than their channel's retention rule; transcripts,
    reviews and scores stay. The worker does this every day
    (PORTAL_RETENTION_CRON, 02:30 in Vietnam by default); this command is for cron
    users. Running it twice deletes nothing new."""
    if dry_run:
        click.echo(f"the worker's schedule (UTC crontab): {scheduled_retention.SCHEDULE}")
        for plan in retention.preview():
            if plan.days is None:
                click.echo(f"{plan.channel}: no rule, kept for ever")
            else:
                click.echo(
                    f"{plan.channel}: {plan.recordings} recordings ({plan.bytes / 1e6:.1f} MB) "
                    f"older than {plan.days} days would be deleted"
                )
        return
    runs = retention.purge(None)
    for run in runs:
        click.echo(
            f"{run.channel}: {run.recordings} recordings ({run.bytes / 1e6:.1f} MB) "
            f"older than {run.days} days deleted"
        )
    click.echo(f"{sum(r.recordings for r in runs)} recordings deleted")


@portal_cli.command("permissions")
def permissions_command():
    """Print the permission policy: each permission, the roles holding it, its rule,
    and the routes that declare it (the route sweep's table is checked against it)."""
    routes: dict[str, list[str]] = {}
    for endpoint, view in sorted(current_app.view_functions.items()):
        declared = getattr(view, "permission", None)
        if declared is not None:
            routes.setdefault(declared.name, []).append(endpoint)
    for declared in permissions():
        roles = ", ".join(sorted(r.value for r in declared.roles))
        kind = "rule" if declared.rule else "role"
        click.echo(f"{declared.name}  [{kind}: {roles}]")
        click.echo(f"    {' '.join(declared.doc.split())}")
        if routes.get(declared.name):
            click.echo(f"    routes: {', '.join(routes[declared.name])}")


@portal_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once.")
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Also run the periodic jobs (sampling, sweeps); one worker per broker is enough.",
)
def worker_command(workers, scheduler):
    """Run queued jobs (HR workbooks and, as they move to the queue, other long work)
    until stopped. `make run` starts one; production runs one or more per broker."""
    run_worker(workers, periodic=scheduler)


@portal_cli.command("rebuild-rollups")
@click.option("--queue", is_flag=True, help="Run it on the job worker instead of here.")
def rebuild_rollups_command(queue):
    """Make every KPI rollup again from the reviews and outcomes (they are kept as
    the data changes; this is for data loaded around the portal, or to check)."""
    if queue:
        job = rollups.start_rebuild()
        click.echo(f"queued as job {job.id} ({job.state})")
        return
    started = time.perf_counter()
    counts = rollups.rebuild()
    db.session.commit()
    rows = ", ".join(f"{table} {n}" for table, n in counts.items() if table != "days")
    click.echo(f"{counts['days']} days of reviews; {rows} ({time.perf_counter() - started:.1f} s)")


@portal_cli.command("analyze-recording")
@click.argument("recording", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--transcript",
    type=click.Path(exists=True, dir_okay=False),
    help="Its words (WebVTT, JSON turns or plain 'Nhân viên: …' lines): the checks too.",
)
@click.option("--json", "as_json", is_flag=True, help="Every figure as JSON.")
def analyze_recording_command(recording, transcript, as_json):
    """Measure one recording as the automatic QA does (talk, overtalk, silences,
    holds) and check its transcript, so anyone can check the analysis from outside."""
    try:
        found = analyse(recording)
        turns = turns_from_file(transcript) if transcript else []
    except AudioError as error:
        raise click.ClickException(f"not a recording the decoder can read: {error}") from error
    except (ValueError, KeyError, UnicodeDecodeError) as error:
        raise click.ClickException(f"the transcript cannot be read: {error}") from error
    figures = found.as_dict()
    if turns:
        rules = load_rules(current_app.config["CONTENT_DIR"])
        figures["checks"] = check_transcript(turns, rules, holds=found.holds)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    for name, value in figures.items():
        if name != "segments":
            click.echo(f"{name}: {value}")


@portal_cli.command("rescore-auto-qa")
@click.option("--rubric", "rubric_slug", default="goi-dien", show_default=True)
def rescore_auto_qa_command(rubric_slug):
    """Map every analysed call's kept figures to the rubric's current rules again
    (suggestions and auto-QA scores; publishing a rubric does this on the queue)."""
    started = time.perf_counter()
    done = rescoring.rescore(rubric_slug)
    click.echo(f"{done} calls scored again ({time.perf_counter() - started:.1f} s)")


@portal_cli.command("sweep-jobs")
def sweep_jobs_command():
    """Retry or fail stalled background jobs and delete old results (the worker's
    scheduler does this every minute; for cron users without one)."""
    click.echo(f"{jobs.settle_stalled()} stalled, {jobs.expire()} expired")


@portal_cli.command("scan-drop-folder")
def scan_drop_folder_command():
    """Import the settled batches of the drop folder (PORTAL_DROP_FOLDER) and move
    each to done/ or failed/ with its report (the worker does this every minute)."""
    if drop_folder.root_folder() is None:
        raise click.ClickException("PORTAL_DROP_FOLDER is not set")
    batches = drop_folder.scan()
    for batch in batches:
        click.echo(
            f"{batch.name}: {batch.state}, {batch.created} created, {batch.updated} updated, "
            f"{batch.refused} refused"
        )
    click.echo(f"{len(batches)} batches taken")


@portal_cli.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive to write (default: portal-backup-<UTC time>.zip here).",
)
def backup_command(output):
    """Write one archive of the database and every stored file, while the portal runs."""
    try:
        summary = write_backup(output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    for key in summary.gone:
        click.echo(f"  {key} was deleted while the backup ran; not in the archive")
    click.echo(
        f"{summary.path}: {summary.tables} tables, {summary.rows} rows, {summary.files} files "
        f"({summary.file_bytes / 1e6:.1f} MB); archive {summary.archive_bytes / 1e6:.1f} MB "
        f"in {summary.seconds:.1f} s"
    )


@portal_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data this database already holds.")
def restore_command(archive, force):
    """Rebuild this instance (an empty database) from an archive written by `backup`."""
    try:
        summary = restore_backup(archive, force=force, progress=click.echo)
    except RestoreRefused as error:
        raise click.ClickException(f"{error}.") from error
    if summary.replaced_rows:
        click.echo(f"{summary.replaced_rows} rows that were in the database were replaced")
    click.echo(
        f"restored at schema revision {summary.revision}: {summary.tables} tables, "
        f"{summary.rows} rows, {summary.files} files ({summary.file_bytes / 1e6:.1f} MB) "
        f"in {summary.seconds:.1f} s"
    )


@portal_cli.command("create-token")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(SCOPES),
    help="What the token may do; repeat for several.",
)
def create_token_command(name, scopes):
    """Create an integration token for another system; print it once."""
    issued = integration_tokens.issue(name, scopes)
    click.echo(f"Token for {issued.token.name} ({', '.join(issued.token.scopes)}):")
    click.echo(issued.secret)
    click.echo("It is shown only now; the portal keeps only its SHA-256.")
