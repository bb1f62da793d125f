"""Scheduled retention: every day the worker deletes the recordings older than
their channel's rule (reviews/retention.py), or `flask portal purge-recordings`
does it from cron; an admin's "Delete now" runs the same job.

Unlike most jobs, this one commits as it goes (one transaction per batch of
recordings, see reviews/retention.py): what a batch deleted is recorded and stays
deleted even if a later batch fails, and running it again from the start, after a
dead worker or twice in a row, deletes only what is still due.
"""

import os
from datetime import timedelta

from flask import current_app

from portal.core import jobs
from portal.core.queue import periodic
from reviews import retention

KIND = "recording_retention"
# Crontab fields in UTC, from the environment like the sampling's: 02:30 in
# Vietnam is 19:30 UTC, a quiet hour. "off" turns the schedule off (cron users).
SCHEDULE = os.environ.get("PORTAL_RETENTION_CRON", "30 19 * * *")


@jobs.kind(KIND, per_person=1, keep_for=timedelta(days=31))
def run_retention(job: jobs.Job, beat) -> dict:
    runs = retention.purge(job.requested_by_id, beat=beat)
    return {
        "channels": [vars(r) for r in runs],
        "recordings": sum(r.recordings for r in runs),
        "bytes": sum(r.bytes for r in runs),
    }


def start_purge(by_id: int | None = None) -> jobs.Job:
    """A purge as a background job, for a person (by_id) or the schedule (None);
    JobLimit when one of theirs is still running."""
    return jobs.start(KIND, by_id=by_id, params={})


if SCHEDULE != "off":
    minute, hour, day, month, day_of_week = SCHEDULE.split()

    @periodic(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)
    def scheduled_retention() -> None:
        """The daily purge, recorded as a job like any other; skipped while one runs."""
        try:
            start_purge()
        except jobs.JobLimit:
            current_app.logger.info("retention already running; this run skipped")
