"""Creating, finding and revoking integration tokens."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.models import utcnow
from portal.integrations.models import SCOPES, IntegrationToken

PREFIX_LENGTH = 8


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: IntegrationToken
    secret: str  # shown once, never stored


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def issue(name: str, scopes, *, by=None) -> Issued:
    """A new token (added and committed); its secret is only in the answer."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    secret = secrets.token_urlsafe(32)
    token = IntegrationToken(
        name=name.strip()[:120],
        scopes=[s for s in SCOPES if s in set(scopes)],
        token_hash=digest(secret),
        prefix=secret[:PREFIX_LENGTH],
        created_by_id=by.id if by else None,
        signing_secret=new_signing_secret(),
    )
    db.session.add(token)
    db.session.commit()
    return Issued(token, secret)


def find(secret: str) -> IntegrationToken | None:
    """The token this secret belongs to, revoked or not."""
    if not secret:
        return None
    return db.session.scalar(
        select(IntegrationToken).where(IntegrationToken.token_hash == digest(secret))
    )


def revoke(token: IntegrationToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


def all_tokens() -> list[IntegrationToken]:
    return list(
        db.session.scalars(select(IntegrationToken).order_by(IntegrationToken.created_at.desc()))
    )


def rotate_signing_secret(token: IntegrationToken) -> str:
    """A new webhook key in place of the old one (which stops working at once)."""
    token.signing_secret = new_signing_secret()
    db.session.commit()
    return token.signing_secret


def set_allowed_hosts(token: IntegrationToken, hosts: list[str]) -> None:
    token.allowed_hosts = sorted(set(hosts))
    db.session.commit()
