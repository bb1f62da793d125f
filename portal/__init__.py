"""Care-training and call-quality portal: the app factory."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, flash, g, has_request_context, redirect, request, session, url_for
from flask_babel import LazyString
from flask_login import current_user
from htmx_flask import make_response as htmx_response
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import PROJECT_ROOT, load_config
from portal.core import connection_checks, fragments, jobs, queue, security, storage, uploads
from portal.core.extensions import babel, csrf, db, htmx, login_manager, migrate
from portal.core.htmx import is_htmx
from portal.core.params import BoundedIntConverter
from portal.core.redirects import safe_next


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        # Each app node may keep its own instance folder (PORTAL_INSTANCE_DIR); what
        # nodes share lives in the database, the queue and the storage.
        instance_path=os.environ.get("PORTAL_INSTANCE_DIR") or None,
        instance_relative_config=True,
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)

    connection_checks.configure(app)
    db.init_app(app)
    connection_checks.watch(app, db)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    uploads.init_app(app)  # after htmx-flask, which sets a request class of its own
    security.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    queue.init_app(app)
    storage.init_app(app)
    fragments.init_app(app)
    assert jobs.Job  # the jobs table and its sweep belong to every app
    _init_login(app)
    _register_features(app)
    _register_pages(app)
    _register_template_helpers(app)

    from portal.cli import portal_cli

    app.cli.add_command(portal_cli)
    return app


def _select_locale() -> str:
    # The session holds the choice (copied from the user's profile at login);
    # touching current_user here would load the user while Flask-Login may
    # itself be translating a message.
    if not has_request_context():  # CLI commands speak the default language
        return "vi"
    return session.get("locale") if session.get("locale") in ("vi", "en") else "vi"


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from portal.accounts.services import load_user

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.unauthorized_handler(_unauthorized)


def _unauthorized():
    """Send people whose session ended to the login page, then back.

    For an htmx request a redirect would be followed inside the page and a
    login form would land in a table row; HX-Redirect makes the browser go.
    """
    if request.method == "GET" and request.path == "/" and not is_htmx():
        # A first visit: the login page, without "please log in" before anyone did anything.
        return redirect(url_for("accounts.login"))
    flash(login_manager.login_message, login_manager.login_message_category)
    if is_htmx():  # a targeted request: the page the person is on comes back
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = safe_next(current.path + (f"?{current.query}" if current.query else "")) or "/"
        return htmx_response("", 401, redirect=url_for("accounts.login", next=back))
    target = (
        request.full_path.removesuffix("?")  # Flask writes "/kpi/?" for "/kpi/"
        if request.method == "GET"
        else request.referrer and urlsplit(request.referrer).path
    )
    return redirect(url_for("accounts.login", next=safe_next(target) or None))


def _register_features(app: Flask) -> None:
    import autoqa
    from portal.accounts import bp as accounts_bp
    from portal.admin import bp as admin_bp
    from portal.core.content import ItemKind, register_item_kind
    from portal.core.signals import content_changed, content_completed, person_joined
    from portal.integrations import bp as integrations_bp
    from portal.integrations import init_api
    from portal.kpi import bp as kpi_bp
    from portal.onboarding import bp as onboarding_bp
    from portal.onboarding.assignment import assign_to_new_hire
    from portal.onboarding.completion import flag_changed_content, record_completion
    from portal.playbooks import bp as playbooks_bp
    from portal.playbooks import services as playbook_services
    from quizzes import bp as quizzes_bp
    from quizzes import services as quiz_services
    from reviews import bp as reviews_bp
    from scripts_library import bp as scripts_bp
    from scripts_library import onboarding_items as script_items

    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(playbooks_bp, url_prefix="/playbooks")
    app.register_blueprint(onboarding_bp, url_prefix="/onboarding")
    app.register_blueprint(scripts_bp, url_prefix="/scripts")
    app.register_blueprint(quizzes_bp, url_prefix="/quizzes")
    app.register_blueprint(reviews_bp, url_prefix="/reviews")
    autoqa.init_app(app)
    app.register_blueprint(kpi_bp, url_prefix="/kpi")
    app.register_blueprint(integrations_bp, url_prefix="/admin/integrations")
    init_api(app)  # /api/v1 and its OpenAPI document

    register_item_kind(
        app,
        ItemKind(
            code=playbook_services.ITEM_KIND,
            label="playbook",
            describe=playbook_services.onboarding_items,
            diff_url=playbook_services.diff_url,
            choices=playbook_services.step_choices,
        ),
    )
    register_item_kind(
        app,
        ItemKind(
            code=script_items.ITEM_KIND,
            label="call script",
            describe=script_items.onboarding_items,
            diff_url=script_items.version_diff_url,
            choices=script_items.script_choices,
        ),
    )
    register_item_kind(
        app,
        ItemKind(
            code=quiz_services.ITEM_KIND,
            label="quiz",
            describe=quiz_services.onboarding_items,
            diff_url=lambda ref_id, version: None,  # passing is what counts, not reading
            choices=quiz_services.quiz_choices,
            completes_itself=True,
        ),
    )
    content_changed.connect(flag_changed_content, sender=app)
    person_joined.connect(assign_to_new_hire, sender=app)
    content_completed.connect(record_completion, sender=app)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import format_date, format_decimal, format_percent, format_time, get_locale
    from flask_babel import lazy_gettext as _l

    from portal import navigation
    from portal.core import translations
    from portal.core.dates import short_datetime
    from portal.core.markdown import render_markdown
    from portal.core.policy import template_helpers
    from portal.core.roles import ROLE_LABELS, Role

    # Change notes the system writes itself, shown in the reader's language.
    system_notes = {
        "content pack": _l("Built-in content"),
        "Excel import": _l("Excel import"),
        "created": _l("Created"),
        "edited": _l("Edited"),
    }

    status_labels = {
        "not_assigned": _l("Not assigned"),
        "not_started": _l("Not started"),
        "in_progress": _l("In progress"),
        "done": _l("Done"),
        "overdue": _l("Overdue"),
        "reack": _l("Changed: read again"),
        "draft": _l("Draft"),
        "published": _l("Published"),
        "retired": _l("Retired"),
    }

    # Big tables (the completion matrix) ask for the same few labels and dates
    # thousands of times; translating and formatting each once per request
    # keeps rendering time proportional to the rows, not to Babel's lookups.
    def per_request(name: str, key, make):
        cache = g.setdefault(name, {})
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def role_label(code: str) -> str:
        if code not in Role._value2member_map_:
            return code
        return per_request("_role_labels", code, lambda: str(ROLE_LABELS[Role(code)]))

    def status_label(code: str) -> str:
        return per_request("_status_labels", code, lambda: str(status_labels.get(code, code)))

    def date_filter(value) -> str:
        return per_request("_dates", value, lambda: format_date(value, "medium")) if value else ""

    # flask_babel's lazy strings declare themselves HTML (LazyString.__html__), so a
    # lazy message quoting what a person typed (a form error naming a bad entry)
    # would print unescaped. Finalize runs before escaping: as plain strings they
    # are escaped like any other value.
    app.jinja_env.finalize = lambda value: str(value) if isinstance(value, LazyString) else value
    translations.init_app(app)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["format_date"] = date_filter
    app.jinja_env.filters["format_datetime"] = short_datetime
    app.jinja_env.filters["format_time"] = lambda d: format_time(d, "medium") if d else ""
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        status_label=status_label,
        note_label=lambda note: str(system_notes.get(note, note)),
        role_label=role_label,
        # Measures in the language's own way (Vietnamese: a decimal comma).
        number=lambda value, digits=1: (
            "" if value is None else format_decimal(round(value, digits))
        ),
        percent=lambda share: "" if share is None else format_percent(share),
        site_menu=lambda: navigation.menu_for(current_user),
        **template_helpers(),
    )


def _register_pages(app: Flask) -> None:
    from portal import pages

    app.register_blueprint(pages.bp)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers work while a writer writes; the busy timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
