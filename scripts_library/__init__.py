"""Call-script library: what to say per process step, channel and segment."""

from flask import Blueprint

bp = Blueprint("scripts_library", __name__, template_folder="templates")

from scripts_library import routes  # noqa: E402,F401
