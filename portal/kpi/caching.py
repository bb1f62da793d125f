"""What the KPI pages and the review inbox are made of, as versions: the data's
counters (portal/kpi/versions.py) and everything else the page depends on (the
language, the exact address, today's date: overdue items move at midnight). The
same string keys the cached fragments (shared by every viewer) and, with the
person looking, the pages' ETags (portal/core/etags.py), so a reload with nothing
changed answers 304 after one small statement (and the viewer's own row).
"""

from flask import request
from flask_babel import get_locale

from portal.accounts.policy import visible_users
from portal.core import etags
from portal.core.etags import RELEASE
from portal.core.extensions import db
from portal.core.models import local_today
from portal.kpi import versions
from portal.kpi.scopes import frontline


def data_version(fingerprint: str) -> str:
    """What the figures of a page are made of, as one string: the same for every
    viewer of the same page (the key of its cached fragments). `fingerprint`: the
    counters of the people it shows (versions.fingerprint for one person, whom the
    address names; versions.of_scope for a scope, whose digest names them all)."""
    parts = [
        fingerprint,
        str(get_locale()),
        request.path,
        "&".join(f"{k}={v}" for k, v in sorted(request.args.items())),
        local_today().isoformat(),
        RELEASE,
    ]
    return "|".join(parts)


def etag_for(data: str, own: int) -> str:
    """The page's validator: its data version, the viewer's own counter `own` (the
    unread badge in the page's header, read in the same statement as the data's) and
    the person looking (portal/core/etags.py)."""
    return etags.tag_for(f"{data}|viewer {own}")


def inbox_version(user) -> str:
    """What a person's review inbox is made of: the counters of the people they see
    and their own (bumped by reviews they score or receive, disputes on those, and
    their notifications), in one statement."""
    scope = versions.of_scope(db.session, frontline(visible_users(user)), viewer=user.id)
    parts = [
        scope.digest,
        str(scope.viewer),
        str(get_locale()),
        request.full_path,
        local_today().isoformat(),
    ]
    return "|".join(parts)


etags.provide("review_inbox", inbox_version)
