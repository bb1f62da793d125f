"""Playbooks: the two care processes and the handbook, versioned, searchable."""

from flask import Blueprint

bp = Blueprint("playbooks", __name__, template_folder="templates")

from portal.playbooks import routes  # noqa: E402,F401
