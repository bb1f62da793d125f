from flask import Blueprint

bp = Blueprint("playbooks", __name__)

from portal.playbooks import routes  # noqa: E402,F401
