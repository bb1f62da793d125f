"""Onboarding: modules on a path, assignments, progress and the completion matrix."""

from flask import Blueprint

bp = Blueprint("onboarding", __name__, template_folder="templates")

from portal.onboarding import routes  # noqa: E402,F401
