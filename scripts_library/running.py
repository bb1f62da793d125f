"""Running a script block by block: where the agent is after the choices taken so far."""

from dataclasses import dataclass

from scripts_library.models import CallScript

MAX_PATH = 100


@dataclass
class RunState:
    trail: list[dict]  # blocks visited, in order (a loop visits a block again)
    current: dict
    next_key: str | None  # the following block when there is no choice to make

    @property
    def path(self) -> list[str]:
        return [b["key"] for b in self.trail] + [self.current["key"]]

    @property
    def back_path(self) -> list[str]:
        return [b["key"] for b in self.trail]


def walk(script: CallScript, keys: list[str]) -> RunState:
    """Where an agent is after taking `keys` through the script.

    The path lives in the URL, not the database, so Back (ours or the
    browser's) always works; an unknown key restarts from the first block.
    """
    blocks = {b["key"]: b for b in script.blocks}
    order = [b["key"] for b in script.blocks]
    keys = [k for k in keys[:MAX_PATH] if k]
    # The conversation moves through what is said; tips and "don't say"
    # lines are shown beside it, never as a step of their own.
    spoken = [k for k in order if blocks[k]["kind"] in ("agent", "customer")] or order
    if not keys or any(k not in blocks for k in keys):
        keys = [spoken[0]]
    current = blocks[keys[-1]]
    later = [k for k in spoken if order.index(k) > order.index(current["key"])]
    following = later[0] if later else None
    return RunState(
        [blocks[k] for k in keys[:-1]], current, None if current["choices"] else following
    )
