"""What the public sees: no personal data anywhere public, a fixed number of queries per page
whatever the number of members, and cached answers that never outlive a change."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, update

from portal.core.folding import fold
from portal.membership.transitions import transition
from portal.models import ActionComment, Member
from portal.models.publicdata import bump_public_data, public_data_version, public_tokens
from tests import factories

PERSONAL = {
    "contact_name": "Zebedee Quixotic-Contact",
    "contact_email": "zebedee.private@contact.example.eu",
    "contact_phone": "+49 170 99887766",
    "mayor_name": "Mayor Ottoline Wunderbar",
}
USER = {"name": "Representative Hieronymus Secret", "email": "hieronymus.secret@rep.example.eu"}
COMMENT = "Coordinator remark Xylophone-Confidential"


@pytest.fixture
def member_with_personal_data(db):
    representative = factories.make_user(**USER)
    coordinator = factories.make_coordinator(
        "AT", name="Coordinator Philomena Hidden", email="philomena.hidden@coord.example.eu"
    )
    member = factories.make_member(
        "Innsbruck", country="AT", region="Tirol", representatives=[representative], **PERSONAL
    )
    action = factories.make_action(member, category="crisis_management")
    factories.make_update(action, text="Exercise held.", author_id=representative.id)
    db.session.add(ActionComment(action=action, author_id=coordinator.id, body=COMMENT))
    db.session.commit()
    return member


def public_answers(client, member) -> dict[str, str]:
    paths = [
        "/members",
        "/members?q=innsbruck",
        "/members?category=crisis_management&country=AT",
        "/api/v1/members",
        "/api/v1/members?q=tirol",
        f"/api/v1/members/{member.slug}",
        "/api/v1/members.geojson",
        "/api/v1/members.csv",
        "/api/v1/actions",
        f"/api/v1/actions?member={member.slug}",
        "/api/v1/openapi.json",
        "/api/v1/stats",
    ]
    answers = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        answers[path] = response.get_data(as_text=True)
    return answers


def test_no_personal_data_in_any_public_page_api_or_export(client, member_with_personal_data):
    answers = public_answers(client, member_with_personal_data)
    listings = [text for path, text in answers.items() if not path.endswith(("json", "stats"))]
    assert all("Innsbruck" in text for text in listings)
    secrets = [
        *PERSONAL.values(),
        *USER.values(),
        "Coordinator Philomena Hidden",
        "philomena.hidden@coord.example.eu",
        COMMENT,
        "Quixotic",
        "Wunderbar",
        "@contact.example.eu",
        "99887766",
    ]
    for path, text in answers.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} appears in {path}"


@contextmanager
def counting_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_members(count: int, start: int) -> None:
    for n in range(start, start + count):
        member = factories.make_member(f"Stadt {n:03d}", country="DE")
        factories.make_action(member, category="crisis_management")
        factories.make_action(member, category="eu_funding")


@pytest.mark.parametrize(
    "path",
    [
        "/members?per_page={n}",
        "/members?per_page={n}&category=crisis_management&sort=-population",
        "/api/v1/members?per_page={n}",
        "/api/v1/members?per_page={n}&q=stadt&country=DE",
        "/api/v1/actions?per_page={n}",
    ],
)
def test_queries_per_page_do_not_grow_with_the_number_of_members(
    app, client, db, path, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)  # count the real work
    add_members(5, 0)
    with counting_statements(db.engine) as five:
        assert client.get(path.format(n=5)).status_code == 200
    add_members(45, 5)
    with counting_statements(db.engine) as fifty:
        response = client.get(path.format(n=50))
        assert response.status_code == 200
    assert "Stadt 049" in response.get_data(as_text=True) or "actions" in path
    assert len(five) == len(fifty), (five, fifty)
    assert len(fifty) <= 6


@pytest.mark.parametrize("search", ["", "&q=ort"])
def test_a_page_of_members_is_one_query_with_its_total_and_action_counts(
    app, client, db, monkeypatch, search
):
    """Every page carries the right total and each member's number of published actions,
    whether the counts come inline (first pages, late rows) or in a query of their own."""
    from portal.directory import query, service

    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)
    monkeypatch.setattr(service, "INLINE_COUNTS_UP_TO", 2)
    monkeypatch.setattr(service, "LATE_ROWS_FROM", 6)
    monkeypatch.setattr(query, "LATE_ROWS_FROM", 6)
    expected = {}
    for n in range(9):
        member = factories.make_member(f"Ort {n}", country="AT")
        for _ in range(n % 4):
            factories.make_action(member)
        factories.make_action(member, published=False)
        expected[member.slug] = n % 4
    seen = {}
    for page in range(1, 6):
        with counting_statements(db.engine) as statements:
            body = client.get(f"/api/v1/members?per_page=2&page={page}&sort=name{search}")
        data = body.get_json()
        assert data["total"] == 9
        seen.update({item["slug"]: item["actions"] for item in data["items"]})
        skipped = (page - 1) * 2
        inline = skipped <= 2 or (not search and skipped >= 6)
        assert len(statements) == (1 if inline else 2), (page, statements)
    assert seen == expected
    # Past the last page: no rows, and the total is still given.
    past = client.get(f"/api/v1/members?per_page=2&page=9&sort=name{search}").get_json()
    assert past["items"] == [] and past["total"] == 9
    # Nothing matches: one query, and none matching is said.
    with counting_statements(db.engine) as statements:
        html = client.get("/members?q=zzzz" if search else "/members?country=MT")
    assert len(statements) == 1
    assert "No member matches these filters." in html.get_data(as_text=True)


def test_exports_use_a_fixed_number_of_queries(app, client, db, monkeypatch):
    add_members(3, 0)
    with counting_statements(db.engine) as few:
        client.get("/api/v1/members.csv").get_data()
    add_members(30, 3)
    with counting_statements(db.engine) as many:
        body = client.get("/api/v1/members.csv").get_data(as_text=True)
    assert body.count("Stadt") == 33
    assert len(few) == len(many)


def test_cached_directory_page_changes_at_once_after_a_write(client, db):
    member = factories.make_member("Before", country="SI")
    assert "Before" in client.get("/members").get_data(as_text=True)
    assert "Before" in client.get("/members").get_data(as_text=True)  # served from the cache
    member.name = "After"
    member.name_key = fold("After")
    db.session.commit()
    html = client.get("/members").get_data(as_text=True)
    assert "After" in html and "Before" not in html


def test_status_transitions_show_at_once(client, db):
    coordinator = factories.make_coordinator("SI")
    member = factories.make_member("Piran", country="SI")
    assert client.get("/api/v1/members?status=on_hold").get_json()["total"] == 0
    transition(coordinator, member, "on_hold", comment="Action plan is late.")
    db.session.commit()
    assert client.get("/api/v1/members?status=on_hold").get_json()["total"] == 1
    transition(coordinator, member, "suspended", comment="Still late.")
    db.session.commit()
    assert client.get("/api/v1/members").get_json()["total"] == 0
    assert client.get(f"/api/v1/members/{member.slug}").status_code == 404


def test_bulk_writes_bump_the_public_data_version(db):
    before = public_data_version(db.session)
    db.session.execute(
        insert(Member),
        [
            {
                "slug": "bulk-town",
                "name": "Bulk Town",
                "name_key": "bulk town",
                "country": "MT",
                "status": "approved",
            }
        ],
    )
    db.session.commit()
    after_insert = public_data_version(db.session)
    assert after_insert != before
    # A bulk update reads which members it reaches: their parts are renewed, not everything.
    scopes = ["member:bulk-town", "members:MT", "members:*", "actions:MT", "members:FR"]
    before_update = dict(public_tokens(db.session, scopes))
    db.session.execute(update(Member).where(Member.slug == "bulk-town").values(population=5))
    db.session.commit()
    after_update = dict(public_tokens(db.session, scopes))
    assert public_data_version(db.session) == after_insert
    changed = {name for name in scopes if after_update[name] != before_update[name]}
    assert changed == {"member:bulk-town", "members:MT", "members:*", "actions:MT"}


def test_a_rolled_back_write_keeps_the_version_and_a_plain_sql_write_can_bump_it(db):
    factories.make_member("Stable")
    version = public_data_version(db.session)
    factories.make_user()  # users are not public data
    assert public_data_version(db.session) == version
    member = db.session.query(Member).one()
    member.population = 1
    db.session.flush()
    db.session.rollback()
    assert public_data_version(db.session) == version
    with db.engine.begin() as connection:
        bump_public_data(connection)
    assert public_data_version(db.session) != version


def test_the_cache_can_be_turned_off(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)
    factories.make_member("Uncached")
    with counting_statements(db.engine) as first:
        client.get("/api/v1/members")
    with counting_statements(db.engine) as second:
        client.get("/api/v1/members")
    assert len(first) == len(second) >= 1
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 100)
    client.get("/api/v1/members")
    with counting_statements(db.engine) as cached:
        client.get("/api/v1/members")
    assert len(cached) == 1  # the data version only
