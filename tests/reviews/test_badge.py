"""The unread-reviews badge in every page's header: read with the person's row (no
statement of its own), right after a review arrives and after one is opened."""

import re

from portal.core.roles import Role

BADGE = re.compile(
    r'href="/reviews/"[^>]*>[^<]*<span class="badge[^"]*" aria-label="[^"]*">(\d+)</span>'
)


def _badge(answer) -> int:
    found = BADGE.search(answer.get_data(as_text=True))
    return int(found.group(1)) if found else 0


def test_the_badge_counts_new_reviews_and_falls_when_one_is_opened(
    login_as, make, db, count_queries
):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    lead = make.user(Role.SUPERVISOR, leads=[team])
    me = login_as(agent)
    assert _badge(me.get("/")) == 0
    first = make.review(make.interaction(agent, recording=None), lead)
    make.review(make.interaction(agent, recording=None), lead)
    with count_queries() as statements:
        home = me.get("/")
    assert _badge(home) == 2
    # One statement brings the person and their badge; none counts it again.
    assert "FROM users" in statements[0] and "review_notifications" in statements[0]
    assert not any("review_notifications" in s for s in statements[1:])
    # The page of the review marks it read, and its own header already says so.
    assert _badge(me.get(f"/reviews/{first.id}")) == 1
    assert _badge(me.get(f"/kpi/agents/{agent.id}")) == 1
    assert _badge(login_as(lead).get("/")) == 0  # the reviewer was not notified
