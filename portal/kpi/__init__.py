"""KPI sheets and HR scorecards: the read model on top of every feature."""

from flask import Blueprint

bp = Blueprint("kpi", __name__, template_folder="templates")

from portal.kpi import rollups, routes, signals, versions  # noqa: E402,F401  (session hooks)
