"""Automatic QA: every recorded call measured (who spoke when, overtalk, dead air,
holds), checked against the playbook and the scripts, and scores suggested with
their evidence for a person to decide. Analysis runs on the portal's own server.

Importing the package imports nothing of the web app: the analysis (autoqa.analysis)
runs alone from the command line and the benchmark. The app factory calls
`init_app`, which brings in the pages and the queueing on arrival."""


def init_app(app) -> None:
    from autoqa import rescoring  # noqa: F401  (its session hooks)
    from autoqa.routes import bp  # the views, the review aid and the session hooks

    app.register_blueprint(bp, url_prefix="/autoqa")
