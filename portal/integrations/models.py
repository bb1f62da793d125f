"""Integration tokens and the log of the API calls made with them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, utcnow

INTERACTIONS_WRITE, OUTCOMES_WRITE, REVIEWS_READ = (
    "interactions:write",
    "outcomes:write",
    "reviews:read",
)
SCOPES = (INTERACTIONS_WRITE, OUTCOMES_WRITE, REVIEWS_READ)


class IntegrationToken(db.Model):
    """A named credential for one system (a phone system, a CRM, a BI tool)."""

    __tablename__ = "integration_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    # SHA-256 of the token, hex. A fast hash is right here, unlike for passwords
    # (scrypt): the token is 32 random bytes, so there is nothing to guess from a
    # dictionary and brute force over 2^256 is hopeless however fast each try is;
    # a slow hash would only slow every API call. Passwords are chosen by people,
    # have little entropy, and need a deliberately slow hash to resist guessing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown, so a person can tell tokens apart
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The key webhooks from this system are signed with (HMAC-SHA256). Kept as it
    # is, unlike the token: checking a signature needs the key itself.
    signing_secret: Mapped[str | None] = mapped_column(String(64))
    # Hosts a webhook may name for fetching a recording ("pbx.example.vn",
    # "10.0.0.5:8443"); empty: the portal fetches nothing for this system.
    allowed_hosts: Mapped[list] = mapped_column(JSON, default=list)

    created_by = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiCall(db.Model):
    """One call to the API: which token (its name kept, in case it is renamed or
    removed), what was asked, the answer's status and how long it took."""

    __tablename__ = "api_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("integration_tokens.id"), index=True)
    token_name: Mapped[str] = mapped_column(String(120), default="")
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class WebhookEvent(db.Model):
    """A webhook received: its sender's event id, so a delivery sent again (senders
    retry until they see a 2xx) is answered without fetching twice."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("token_id", "event_id", name="uq_webhook_events_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("integration_tokens.id"))
    event_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))


class DropBatch(db.Model):
    """One folder picked up from the drop folder, and what became of it."""

    __tablename__ = "drop_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))  # done / failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
