"""`flask portal ...` commands."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.core.extensions import db

portal_cli = AppGroup("portal", help="Portal setup and content commands.")


@portal_cli.command("setup-demo")
def setup_demo_command():
    """Load the built-in content and a demo team on first start; print the demo logins."""
    from portal.demo import setup_demo

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
    from portal.playbooks.services import load_content_pack
    from quizzes.services import load_question_bank
    from reviews.rubrics import load_rubric_pack
    from scripts_library.services import load_scripts_pack

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
    from portal.accounts.services import UserData, email_taken, save_user
    from portal.core.roles import Role

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
