"""Admin pages for people, teams and the roster import."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

from portal.admin import routes  # noqa: E402,F401
