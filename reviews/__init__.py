"""Quality reviews: rubrics, recorded interactions, scoring, disputes, calibration, coaching."""

from flask import Blueprint

bp = Blueprint("reviews", __name__, template_folder="templates")

from reviews import (  # noqa: E402,F401
    access_routes,
    calibration_routes,
    interaction_routes,
    retention_routes,
    routes,
    rubric_routes,
)
