"""The foundation: schema from migrations, secret key, CLI setup."""

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.accounts.models import User
from portal.accounts.services import UserData, save_user
from portal.core.extensions import db
from portal.core.roles import Role
from portal.demo import setup_demo
from portal.onboarding.models import OnboardingAssignment
from portal.playbooks.models import Playbook, PlaybookStep


def test_migrations_build_the_schema_the_models_describe(app):
    # The session fixture built the schema with `flask db upgrade` from an
    # empty database; nothing in the models may be missing from it.
    def include_object(obj, name, type_, reflected, compare_to):
        # Hand-written PostgreSQL trigram indexes (see the call-scripts revision).
        return not (type_ == "index" and name and name.endswith("_trgm"))

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    from portal.config import load_config

    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-the-environment")
    assert load_config(tmp_path)["SECRET_KEY"] == "from-the-environment"


def test_setup_demo_loads_content_and_team_once(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = runner.invoke(args=["portal", "setup-demo"])
    assert result.exit_code == 0, result.output
    assert "moi@demo.local" in result.output
    logins = json.loads((tmp_path / "demo_accounts.json").read_text())
    assert {entry["role"] for entry in logins} == {"admin", "hr", "supervisor", "agent", "new_hire"}
    assert db.session.query(Playbook).count() == 3
    users = db.session.query(User).count()
    # A second start changes nothing and prints the same accounts.
    again = runner.invoke(args=["portal", "setup-demo"])
    assert again.exit_code == 0 and logins[0]["password"] in again.output
    assert db.session.query(User).count() == users
    assert (
        db.session.query(PlaybookStep).join(Playbook).filter(Playbook.kind == "process").count()
        == 9
    )


def test_a_new_hire_added_after_the_demo_gets_its_path(app, tmp_path):
    setup_demo(str(tmp_path))
    data = UserData("Người Mới Vào", "vao-sau@demo.local", Role.NEW_HIRE, None, None, [])
    hire = save_user(None, data)
    given = db.session.query(OnboardingAssignment).filter_by(user_id=hire.id).count()
    assert (
        given
        == db.session.query(OnboardingAssignment)
        .filter_by(user_id=db.session.query(User).filter_by(email="moi@demo.local").one().id)
        .count()
        > 0
    )


def test_the_portal_serves_under_gunicorn_as_the_readme_says(app):
    """`gunicorn 'portal:create_app()'` with two workers answers pages."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_SECRET_KEY": "gunicorn-test",
    }
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "portal:create_app()"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as reply:
            page = reply.read().decode()
        assert "Đăng nhập" in page and "/static/vendor/htmx-2.0.11.min.js" in page
    finally:
        server.terminate()
        server.wait(10)
