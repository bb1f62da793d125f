"""Home, language switch, health check and error pages."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.policy import may
from portal.core.redirects import safe_next
from portal.core.uploads import limit_mb
from portal.onboarding.path import path_for
from portal.onboarding.policy import ONBOARDING_TRACK, lands_on_onboarding
from portal.onboarding.summary import onboarding_summary

bp = Blueprint("pages", __name__)


@bp.get("/")
@login_required
def home():
    if lands_on_onboarding(current_user):
        return redirect(url_for("onboarding.mine"))
    summary = None
    if may(current_user, ONBOARDING_TRACK):
        summary = onboarding_summary(visible_users(current_user).where(User.active))
    return render_template("home.html", path=path_for(current_user), summary=summary)


@bp.post("/language")
def language():
    code = request.form.get("locale", "vi")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next") or url_for("pages.home")

    return redirect(safe_next(target) or url_for("pages.home"), code=303)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def _error(status: int, template: str = "errors/error.html", **context):
    return render_template(template, status=status, **context), status


@bp.app_errorhandler(403)
def forbidden(error):
    return _error(403)


@bp.app_errorhandler(404)
def not_found(error):
    return _error(404)


@bp.app_errorhandler(413)
def too_large(error):
    return _error(413, limit=limit_mb())  # the limit of this view, not always the app's


@bp.app_errorhandler(CSRFError)
def csrf_failed(error):
    return _error(400, csrf=True)
