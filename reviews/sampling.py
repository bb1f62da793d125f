"""Drawing interactions to review: N per agent per period, at random, shared
among reviewers. Interactions already reviewed (or queued) are not drawn again."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.core.extensions import db
from reviews.models import REGULAR, Interaction, Review, RubricVersion
from reviews.reviewing import assign


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
    rng: random.Random | None = None,
) -> SampleResult:
    """Assign up to `per_agent` unreviewed interactions of each agent in [start, end).

    Reviewers take turns so the work is shared evenly; nobody reviews
    themselves. An agent with fewer interactions than asked is reported short.
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
    pools: dict[int, list[int]] = defaultdict(list)
    for interaction_id, agent_id in db.session.execute(query.order_by(Interaction.id)):
        pools[agent_id].append(interaction_id)
    result = SampleResult()
    turn = 0
    for agent_id in agent_ids:
        pool = pools.get(agent_id, [])
        chosen = rng.sample(pool, min(per_agent, len(pool)))
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
            result.assigned.append(assign(interaction, version, reviewer, by=by))
    db.session.commit()
    return result
