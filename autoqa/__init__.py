"""Automatic QA: every recorded call measured (who spoke when, overtalk, dead air,
holds), checked against the playbook and the scripts, and scores suggested with
their evidence for a person to decide. Analysis runs on the portal's own server."""
