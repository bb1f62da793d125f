"""Who received which recording, and when: one row per listening or download,
read by admins as a page and as CSV (Decree 13/2023 treats voice as personal data).

The player asks for a recording in many Range requests (the first bytes, then one
per seek or buffer refill), so a request is a new *listening* only when it starts
at byte 0 (or asks for the whole file) and the same person has not received the
same recording in the last `SAME_LISTENING`. The first rule alone would count a
browser that restarts from byte 0 after a seek back or a dropped connection; the
second alone would log every Range request's query; together they cost one
indexed lookup for the few requests that start a file.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import local_zone, utcnow
from portal.core.pagination import Page, paginate
from portal.core.text import spreadsheet_safe
from reviews.models import DOWNLOAD, PLAY, Interaction, RecordingAccess

SAME_LISTENING = timedelta(minutes=10)
PER_PAGE = 50
# The export is built in memory: bounded whatever the log has grown to.
CSV_MAX_ROWS = 100_000
_FIRST_BYTE = re.compile(r"^\s*bytes\s*=\s*0*0\s*-")


def starts_a_listening(range_header: str | None) -> bool:
    """No Range (the whole file) or a range from byte 0: the start of a file, not a seek."""
    return not range_header or bool(_FIRST_BYTE.match(range_header))


def how_of(range_header: str | None) -> str:
    """Audio players always send Range; a request for the whole file without one is a
    download (a saved link, curl, a download manager)."""
    return PLAY if range_header else DOWNLOAD


def record(user: User, interaction: Interaction, *, range_header: str | None, address: str):
    """Log `user` receiving the recording when this request starts a new listening,
    and commit it. A failure is logged, never raised: a log that cannot be written
    must not stop a supervisor hearing the call."""
    if not starts_a_listening(range_header):
        return
    try:
        recent = db.session.scalar(
            select(RecordingAccess.id)
            .where(
                RecordingAccess.interaction_id == interaction.id,
                RecordingAccess.user_id == user.id,
                RecordingAccess.at > utcnow() - SAME_LISTENING,
            )
            .limit(1)
        )
        if recent is None:
            db.session.add(
                RecordingAccess(
                    user_id=user.id,
                    interaction_id=interaction.id,
                    how=how_of(range_header),
                    address=(address or "")[:45],
                )
            )
            db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception(
            "recording access of interaction %s by user %s not logged", interaction.id, user.id
        )


@dataclass(frozen=True)
class Filters:
    user_id: int | None = None
    interaction_id: int | None = None


def accesses(filters: Filters) -> Select:
    """The log, newest first, with each row's person loaded in the same statement."""
    query = (
        select(RecordingAccess)
        .options(joinedload(RecordingAccess.user))
        .order_by(RecordingAccess.at.desc(), RecordingAccess.id.desc())
    )
    if filters.user_id:
        query = query.where(RecordingAccess.user_id == filters.user_id)
    if filters.interaction_id:
        query = query.where(RecordingAccess.interaction_id == filters.interaction_id)
    return query


def page(filters: Filters, number: int | None) -> Page:
    return paginate(accesses(filters), number, PER_PAGE)


def people_in_log() -> list[User]:
    """The people the log names, for the filter (one statement)."""
    ids = select(RecordingAccess.user_id).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))


def as_csv(filters: Filters, headers: list[str], hows: dict[str, str]) -> str:
    """The log as CSV (UTF-8 with BOM so Excel shows Vietnamese right); times in the
    portal's time zone; text that looks like a formula is kept as text."""
    zone = local_zone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(h) for h in headers])
    for access in db.session.scalars(accesses(filters).limit(CSV_MAX_ROWS)):
        writer.writerow(
            [
                access.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                spreadsheet_safe(access.user.name),
                spreadsheet_safe(access.user.email),
                access.interaction_id,
                spreadsheet_safe(str(hows.get(access.how, access.how))),
                spreadsheet_safe(access.address),
            ]
        )
    return "\ufeff" + buffer.getvalue()
