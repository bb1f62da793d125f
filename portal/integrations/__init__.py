"""Integrations: tokens for phone systems and CRMs, and the versioned JSON API they call.

The admin pages (``bp``) live under /admin/integrations; the API (``init_api``)
under /api/v1 with its OpenAPI document at /api/v1/openapi.json.
"""

from flask import Blueprint

bp = Blueprint("integrations", __name__, template_folder="templates")

from portal.integrations import routes  # noqa: E402,F401


def init_api(app) -> None:
    from portal.integrations import outcomes_api  # noqa: F401  (its routes join api_bp first)
    from portal.integrations.api import init_api as init
    from portal.integrations.webhooks_api import webhooks_bp

    init(app, webhooks_bp)
