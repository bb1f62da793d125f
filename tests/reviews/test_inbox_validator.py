"""The review inbox answers 304 to a reload when nothing in it changed, and the
new page at once when something did: a review scored for the agent, a call put
in the reviewer's queue, a dispute raised, a notification read."""

from portal.core.roles import Role


def _reload(session, first):
    return session.get("/reviews/", headers={"If-None-Match": first.headers["ETag"]})


def test_an_unchanged_inbox_answers_304_after_two_statements(login_as, make, db, count_queries):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    lead = make.user(Role.SUPERVISOR, leads=[team])
    make.review(make.interaction(agent, recording=None), lead)
    for person in (agent, lead):
        me = login_as(person)
        first = me.get("/reviews/")
        assert first.status_code == 200 and first.headers["ETag"]
        with count_queries() as statements:
            again = _reload(me, first)
        assert again.status_code == 304 and again.get_data() == b""
        # The person's row (with their badge), then their scope's counters and their
        # own: not the page.
        assert len(statements) == 2 and "kpi_versions" in statements[1]


def test_every_change_a_person_would_see_gives_the_new_inbox(login_as, make, db):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    lead = make.user(Role.SUPERVISOR, leads=[team])
    me, boss = login_as(agent), login_as(lead)
    mine, queue = me.get("/reviews/"), boss.get("/reviews/")
    # Scored and submitted for the agent: their inbox and their badge change.
    review = make.review(make.interaction(agent, recording=None), lead)
    after = _reload(me, mine)
    assert after.status_code == 200 and f"/reviews/{review.id}" in after.get_data(as_text=True)
    # A call put in the supervisor's queue.
    queued = make.review(make.interaction(agent, recording=None), lead, state="assigned")
    fresh = _reload(boss, queue)
    assert fresh.status_code == 200 and f"/reviews/{queued.id}" in fresh.get_data(as_text=True)
    # Reading the review (its notification marked read) changes the agent's inbox.
    after = me.get("/reviews/")
    assert _reload(me, after).status_code == 304
    assert me.get(f"/reviews/{review.id}").status_code == 200
    assert _reload(me, after).status_code == 200
    # A dispute raised by the agent reaches the supervisor's inbox at once.
    settled = boss.get("/reviews/")
    assert _reload(boss, settled).status_code == 304
    make.review(make.interaction(agent, recording=None), lead, state="disputed")
    assert _reload(boss, settled).status_code == 200


def test_another_persons_tag_is_not_theirs(login_as, make, db):
    team = make.team()
    first, second = (make.user(Role.AGENT, team=team) for _ in range(2))
    one, two = login_as(first), login_as(second)
    page = one.get("/reviews/")
    assert _reload(two, page).status_code == 200


def test_a_reload_without_validator_gets_the_kept_lists(login_as, make, db, count_queries):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    lead = make.user(Role.SUPERVISOR, leads=[team])
    queued = make.review(make.interaction(agent, recording=None), lead, state="assigned")
    boss = login_as(lead)
    first = boss.get("/reviews/").get_data(as_text=True)
    with count_queries() as statements:
        again = boss.get("/reviews/").get_data(as_text=True)
    assert f"/reviews/{queued.id}" in again
    # The version, the news and the badge: none of the lists' own statements.
    assert len(statements) == 3
    assert _lists(again) == _lists(first)


def _lists(page: str) -> str:
    return page[page.index("</h1>") : page.index("</main>")]


def test_two_leads_of_one_team_keep_their_own_queues(login_as, make, db):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    one, two = (make.user(Role.SUPERVISOR, leads=[team]) for _ in range(2))
    mine = make.review(make.interaction(agent, recording=None), one, state="assigned")
    theirs = make.review(make.interaction(agent, recording=None), two, state="assigned")
    first, second = login_as(one), login_as(two)
    for session, own, other in ((first, mine, theirs), (second, theirs, mine)):
        for _ in range(2):  # computed, then kept
            queue = session.get("/reviews/").get_data(as_text=True).split("</table>")[0]
            assert f"/reviews/{own.id}" in queue and f"/reviews/{other.id}" not in queue


def test_the_computed_inbox_costs_the_same_statements_whatever_it_holds(
    login_as, make, db, count_queries
):
    team = make.team()
    lead = make.user(Role.SUPERVISOR, leads=[team])
    boss = login_as(lead)

    def computed() -> int:  # each call follows a change: the lists are not kept
        with count_queries() as statements:
            assert boss.get("/reviews/").status_code == 200
        return len(statements)

    agent = make.user(Role.AGENT, team=team)
    make.review(make.interaction(agent, recording=None), lead)
    few = computed()
    for _ in range(3):
        other = make.user(Role.AGENT, team=team)
        make.review(make.interaction(other, recording=None), lead)
        make.review(make.interaction(other, recording=None), lead, state="assigned")
        make.review(make.interaction(other, recording=None), lead, state="disputed")
    assert computed() == few > 3
