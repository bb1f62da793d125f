"""Login, logout and the person's own password."""

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from portal.accounts import bp
from portal.accounts.forms import LoginForm, PasswordChangeForm
from portal.accounts.services import authenticate, set_password
from portal.core.extensions import db, limiter
from portal.core.htmx import form_status
from portal.core.redirects import safe_next


def _too_many_from_address(limit) -> Response:
    """The login page again, saying why nothing was checked (status 429)."""
    form = LoginForm()
    form.form_errors.append(
        _("Too many failed logins from this computer. Wait a few minutes, then try again.")
    )
    return make_response(render_template("accounts/login.html", form=form), 429)


# Per client address, on top of the per-account lock in authenticate(): one
# address cannot spray guesses across many accounts. Only posts that fail
# count, so a room sharing one address still logs in at the start of a shift.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 303,
    on_breach=_too_many_from_address,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data)
        if result.user is not None:
            login_user(result.user)
            if result.user.locale:
                session["locale"] = result.user.locale
            return redirect(safe_next(request.args.get("next")) or url_for("pages.home"), code=303)
        if result.locked:
            form.form_errors.append(_("Too many failed attempts. Try again in a few minutes."))
            status = 429
        else:
            form.form_errors.append(_("Wrong email or password."))
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            set_password(current_user, form.new_password.data)
            db.session.commit()
            login_user(current_user)  # keep this session; every other one ends
            flash(_("Password changed. Other sessions have been logged out."), "success")
            return redirect(url_for("pages.home"), code=303)
    status = form_status()
    return render_template("accounts/password.html", form=form), status
