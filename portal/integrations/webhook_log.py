"""The webhooks a system sent, with what became of each fetch, for its admin page."""

from dataclasses import dataclass

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.jobs import Job
from portal.integrations.models import WebhookEvent

RECENT = 50


@dataclass(frozen=True)
class Received:
    event: WebhookEvent
    job: Job | None


def recent(token_id: int) -> list[Received]:
    """The latest events with their fetch jobs, in one query."""
    rows = db.session.execute(
        select(WebhookEvent, Job)
        .outerjoin(Job, Job.id == WebhookEvent.job_id)
        .where(WebhookEvent.token_id == token_id)
        .order_by(WebhookEvent.received_at.desc(), WebhookEvent.id.desc())
        .limit(RECENT)
    )
    return [Received(event, job) for event, job in rows]
