"""Integration tokens and the log of the API calls made with them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
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
