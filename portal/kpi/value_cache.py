"""Each agent's measures for a period, kept in the fragment cache under that agent's
version counter (portal/kpi/versions.py): when one agent's review or outcome changes,
the next team table recomputes that agent alone and takes the others as they were.

The key holds everything an agent's values depend on: the agent and their counter,
the shared counter (rubrics, quizzes, modules, teams), the period, today (overdue
onboarding moves at midnight) and the release. Values are numbers, not text, so one
entry serves every language.
"""

from collections.abc import Callable
from datetime import date

from portal.core import fragments
from portal.kpi.caching import RELEASE
from portal.kpi.periods import Period
from portal.kpi.versions import ScopeVersions

Compute = Callable[[list[int], Period, date], dict[int, dict]]


def _key(agent_id: int, counter: int, shared: int, period: Period, today: date, release: str):
    return "kpi-values:" + fragments.key_of(
        agent_id, counter, shared, period.start, period.end, today, release
    )


def values_for(
    scope: ScopeVersions, agent_ids: list[int], period: Period, today: date, compute: Compute
) -> dict[int, dict]:
    """{agent: {code: value}} for `agent_ids`, computing only those not kept."""
    keys = {
        a: _key(a, scope.counters.get(a, 0), scope.shared, period, today, RELEASE)
        for a in agent_ids
    }
    kept = fragments.get_many(list(keys.values()))
    values = {a: kept[k] for a, k in keys.items() if kept.get(k) is not None}
    missing = [a for a in agent_ids if a not in values]
    if missing:
        fresh = compute(missing, period, today)
        fragments.set_many({keys[a]: fresh[a] for a in missing})
        values.update(fresh)
    return values
