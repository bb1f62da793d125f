"""The app frame's navigation, grouped by job: Learn, Work, Review, Report, Admin.

Each item names the permissions that show it (any one of them; none: every
signed-in person), so the menu follows the permission policy (portal/core/policy.py)
and a template never tests a role. Endpoints are named, not imported: the frame
sits above every feature without depending on one.
"""

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.core.policy import may


@dataclass(frozen=True)
class Item:
    label: object  # a lazy string
    endpoint: str
    permissions: tuple[str, ...] = ()
    badge: str = ""  # "unread": the person's unread reviews


GROUPS = (
    (
        "learn",
        _l("Learn"),
        (
            Item(_l("My onboarding"), "onboarding.mine"),
            Item(_l("Playbooks"), "playbooks.index"),
            Item(_l("Quizzes"), "quizzes.index"),
        ),
    ),
    (
        "work",
        _l("Work"),
        (
            Item(_l("Call scripts"), "scripts_library.library"),
            Item(
                _l("My reviews"),
                "reviews.index",
                ("reviews.receive",),
                badge="unread",
            ),
        ),
    ),
    (
        "review",
        _l("Reviewing"),
        (
            Item(_l("Review queue"), "reviews.index", ("reviews.review", "reviews.oversee")),
            Item(_l("Interactions"), "reviews.interactions", ("reviews.review",)),
            Item(_l("Draw a sample"), "reviews.sample", ("reviews.review",)),
            Item(_l("Calibration"), "reviews.calibration_list", ("reviews.review",)),
            Item(_l("Essays to mark"), "quizzes.grading", ("quizzes.grade",)),
            Item(_l("Scoring rubrics"), "reviews.rubric_list", ("rubrics.read",)),
        ),
    ),
    (
        "report",
        _l("Report"),
        (
            Item(_l("KPI"), "kpi.index"),
            Item(_l("Onboarding progress"), "onboarding.matrix", ("onboarding.track",)),
        ),
    ),
    (
        "admin",
        _l("Administration"),
        (
            Item(_l("People"), "admin.users", ("people.read",)),
            Item(_l("Modules"), "onboarding.modules", ("onboarding.modules",)),
            Item(_l("Integrations"), "integrations.token_list", ("integrations.manage",)),
            Item(_l("Recording access"), "reviews.recording_accesses", ("recordings.audit",)),
            Item(_l("Retention"), "reviews.retention_page", ("retention.manage",)),
        ),
    ),
)


@dataclass
class Link:
    label: str
    url: str
    badge: str
    current: bool = False


@dataclass
class Group:
    key: str
    label: str
    links: list[Link]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


# What a role's menu holds depends on the role, the language and where the app is
# mounted only (these permissions have no object rule): worked out once per
# process for each, not on every page.
_built: dict[tuple, tuple] = {}


def _menu_of(user) -> tuple:
    key = (user.role, str(get_locale()), request.script_root)
    if key not in _built:
        _built[key] = tuple(
            (group, str(label), links)
            for group, label, items in GROUPS
            if (
                links := tuple(
                    (str(item.label), url_for(item.endpoint), item.badge)
                    for item in items
                    if not item.permissions or any(may(user, p) for p in item.permissions)
                )
            )
        )
    return _built[key]


def menu_for(user) -> list[Group]:
    """The groups with something for this person, each link marked current when the
    page is under its address (the longest match wins: /reviews/sample is "Draw a
    sample", not the queue at /reviews/)."""
    groups = [
        Group(key, label, [Link(*link) for link in links]) for key, label, links in _menu_of(user)
    ]
    path = request.path
    under = [
        link
        for group in groups
        for link in group.links
        if path == link.url or path.startswith(link.url.rstrip("/") + "/")
    ]
    if under:
        max(under, key=lambda link: len(link.url)).current = True
    return groups
