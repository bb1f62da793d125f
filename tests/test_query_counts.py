"""Pages issue a bounded number of SQL statements whatever the amount of data."""

from portal.core.roles import Role
from portal.onboarding import assignment as onboarding
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.playbooks import services as playbooks


def _statements(count_queries, session, url):
    with count_queries() as statements:
        assert session.get(url).status_code == 200
    return len(statements)


def test_people_page(login_as, make, count_queries):
    admin = login_as("admin")
    teams = [make.team() for _ in range(3)]
    for i in range(5):
        make.user(Role.AGENT, team=teams[i % 3])
    make.user(Role.SUPERVISOR, leads=teams[:2])
    few = _statements(count_queries, admin, "/admin/users")
    for i in range(60):
        make.user(Role.AGENT, team=teams[i % 3])
    for _ in range(5):
        make.user(Role.SUPERVISOR, leads=teams)
    assert _statements(count_queries, admin, "/admin/users") == few


def test_my_onboarding_and_playbooks(content, login_as, make, db, count_queries):
    hire = make.user(Role.NEW_HIRE, team=make.team())
    books = playbooks.playbooks()

    def module_from(book, position):
        module = OnboardingModule(title=book.title, due_days=7, position=position)
        for index, step in enumerate(book.steps, start=1):
            module.items.append(
                ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.id, position=index)
            )
        db.session.add(module)
        db.session.commit()
        onboarding.assign([hire], [module], by=None)

    module_from(books[0], 1)
    session = login_as(hire)
    few_path = _statements(count_queries, session, "/onboarding/")
    few_books = _statements(count_queries, session, "/playbooks/")
    module_from(books[1], 2)
    module_from(books[2], 3)
    for item in db.session.query(ModuleItem).order_by(ModuleItem.id).limit(3):
        assert "onboarding_item" in session.get(f"/onboarding/items/{item.id}/open").location
    assert _statements(count_queries, session, "/onboarding/") == few_path
    assert _statements(count_queries, session, "/playbooks/") == few_books
