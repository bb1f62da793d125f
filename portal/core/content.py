"""What any content feature offers onboarding: items a module can list.

Each feature registers an `ItemKind` (playbook steps now; call scripts and
quizzes later). Onboarding only talks to this registry, never to the feature.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class ItemInfo:
    title: str
    subtitle: str
    url: str
    version: int


@dataclass(frozen=True)
class ItemKind:
    code: str
    label: str
    # ref ids -> what to show for each (one query for the whole list)
    describe: Callable[[list[int]], dict[int, ItemInfo]]
    # (ref id, version the person completed) -> a page showing what changed
    diff_url: Callable[[int, int], str | None]
    # [(ref id, label)] for the module editor
    choices: Callable[[], list[tuple[int, str]]]
    # True for content that reports its own completion (a quiz passed) through
    # the `content_completed` signal; False for reading, marked done by hand.
    completes_itself: bool = False


def register_item_kind(app: Flask, kind: ItemKind) -> None:
    app.extensions.setdefault("item_kinds", {})[kind.code] = kind


def item_kinds() -> dict[str, ItemKind]:
    return current_app.extensions.get("item_kinds", {})
