from flask import Blueprint

bp = Blueprint("onboarding", __name__)

from portal.onboarding import routes  # noqa: E402,F401
