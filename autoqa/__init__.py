"""Automatic QA: every recorded call measured (who spoke when, overtalk, dead air,
holds), checked against the playbook and the scripts, and scores suggested with
their evidence for a person to decide. Analysis runs on the portal's own server."""

from flask import Blueprint

bp = Blueprint("autoqa", __name__, template_folder="templates")

from autoqa import routes  # noqa: E402,F401
