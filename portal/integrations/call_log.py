"""The log of API calls as admins read it: newest first, by token, and as CSV."""

import csv
import io

from sqlalchemy import Select, select

from portal.core.models import local_zone
from portal.core.pagination import Page, paginate
from portal.core.text import spreadsheet_safe
from portal.integrations.models import ApiCall

PER_PAGE = 50
# The export is built in memory: the newest calls up to this many, which is more
# than a person reads in a spreadsheet and bounded whatever the log has grown to.
CSV_MAX_ROWS = 100_000


def calls(token_id: int | None = None) -> Select:
    query = select(ApiCall).order_by(ApiCall.at.desc(), ApiCall.id.desc())
    if token_id:
        query = query.where(ApiCall.token_id == token_id)
    return query


def page(token_id: int | None, number: int | None) -> Page:
    return paginate(calls(token_id), number, PER_PAGE)


def as_csv(rows, headers: list[str]) -> str:
    """The calls as CSV (UTF-8 with BOM so Excel shows Vietnamese right); times in the
    portal's time zone; text that looks like a formula is kept as text."""
    zone = local_zone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(h) for h in headers])
    for call in rows:
        writer.writerow(
            [
                call.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                spreadsheet_safe(call.token_name),
                call.method,
                spreadsheet_safe(call.path),
                call.status,
                call.duration_ms,
            ]
        )
    return "\ufeff" + buffer.getvalue()
