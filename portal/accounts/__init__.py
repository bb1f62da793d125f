"""Accounts: people, teams, login, password changes, the roster import."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

from portal.accounts import routes  # noqa: E402,F401
