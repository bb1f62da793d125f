"""Drawing interactions to review: N per agent per period, shared among
reviewers, at random or by a signal (the lowest auto-QA scores, the most dead air
or overtalk, detractors and complaints, long calls). Interactions already reviewed
(or queued) are not drawn again, and each review says why it was drawn.

Reviews drawn by a signal are targeted: an agent's QA average counts the random
sample (and reviews a person started) by default, so targeting the worst calls
cannot lower someone's score; targeted reviews are counted in only when the viewer
asks (portal/kpi).

A signal ranks candidate calls; the ones that need data of a feature above reviews
(the automatic QA's measures, the CRM's outcomes) are registered by that feature,
so reviews imports neither.
"""

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from portal.core.extensions import db
from reviews.models import REGULAR, Interaction, Review, RubricVersion
from reviews.reviewing import assign

RANDOM = "random"
LONG_MINUTES = 10  # a call this long or longer counts as long for the signal


@dataclass(frozen=True)
class Signal:
    name: str
    label: object  # a lazy string
    # Given select(Interaction.id, Interaction.agent_id) of the candidates, the same
    # with only the calls showing the signal, most telling first.
    rank: Callable[[Select], Select]


def _long_calls(candidates: Select) -> Select:
    return candidates.where(Interaction.duration_seconds >= LONG_MINUTES * 60).order_by(
        Interaction.duration_seconds.desc(), Interaction.id
    )


BUILT_IN = (Signal("long_handling", _l("Long handling time"), _long_calls),)


def register_signal(app: Flask, signal: Signal) -> None:
    app.extensions.setdefault("sampling_signals", {})[signal.name] = signal


def signals() -> dict[str, Signal]:
    """Every signal a draw may use, by name (random is not one: it is the default)."""
    return {**{s.name: s for s in BUILT_IN}, **current_app.extensions.get("sampling_signals", {})}


def signal_label(name: str | None) -> str:
    if name == RANDOM:
        return str(_l("at random"))
    found = signals().get(name)
    return str(found.label) if found else ""


def counted_by_default():
    """The reviews an agent's QA figures count unless the viewer asks for all:
    the random sample and the reviews a person chose, not the targeted ones."""
    return or_(Review.chosen_for.is_(None), Review.chosen_for == RANDOM)


@dataclass
class SampleResult:
    assigned: list[Review] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)  # agent id -> how many were missing


def draw(
    *,
    agent_ids: list[int],
    per_agent: int,
    start: datetime,
    end: datetime,
    reviewer_ids: list[int],
    version: RubricVersion,
    by,
    channel: str | None = None,
    step_id: int | None = None,
    signal: str = RANDOM,
    rng: random.Random | None = None,
) -> SampleResult:
    """Assign up to `per_agent` unreviewed interactions of each agent in [start, end),
    at random or the ones a signal ranks first.

    Reviewers take turns so the work is shared evenly; nobody reviews
    themselves. An agent with fewer interactions than asked (with a signal: fewer
    showing it) is reported short.
    """
    rng = rng or random.SystemRandom()
    reviewed = select(Review.interaction_id).where(Review.kind == REGULAR)
    query = select(Interaction.id, Interaction.agent_id).where(
        Interaction.agent_id.in_(agent_ids),
        Interaction.occurred_at >= start,
        Interaction.occurred_at < end,
        Interaction.id.not_in(reviewed),
    )
    if channel:
        query = query.where(Interaction.channel == channel)
    if step_id:
        query = query.where(Interaction.step_id == step_id)
    ranked = signal != RANDOM
    query = signals()[signal].rank(query) if ranked else query.order_by(Interaction.id)
    pools: dict[int, list[int]] = defaultdict(list)
    for interaction_id, agent_id in db.session.execute(query):
        pools[agent_id].append(interaction_id)
    result = SampleResult()
    turn = 0
    for agent_id in agent_ids:
        pool = pools.get(agent_id, [])
        chosen = pool[:per_agent] if ranked else rng.sample(pool, min(per_agent, len(pool)))
        if len(chosen) < per_agent:
            result.short[agent_id] = per_agent - len(chosen)
        for interaction_id in chosen:
            eligible = [r for r in reviewer_ids if r != agent_id]
            if not eligible:
                result.short[agent_id] = result.short.get(agent_id, 0) + 1
                continue
            reviewer = eligible[turn % len(eligible)]
            turn += 1
            interaction = db.session.get(Interaction, interaction_id)
            review = assign(interaction, version, reviewer, by=by)
            review.chosen_for = signal
            result.assigned.append(review)
    db.session.commit()
    return result
