"""The audit page: who may read it, its filters, its paging, its cost; and that no route changes
the trail."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from portal.extensions import db as _db
from portal.models import AuditEntry
from tests import factories
from tests.conftest import queries_of
from tests.factories import make_coordinator, make_member, make_user

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def add_entries(
    n: int, start: datetime = START, step=timedelta(minutes=1), first_target=1000, **fields
):
    """n entries, one a `step` apart from `start` on; fields as given, or a member's approval."""
    made = []
    for i in range(n):
        values = {
            "action": "application.approved",
            "target_type": "member",
            "target_id": first_target + i,
            "target_label": f"Town {i}",
            "country": "DE",
            "details": {"from_status": "submitted", "to_status": "approved"},
        }
        values.update(fields)
        made.append(AuditEntry(at=start + i * step, **values))
    _db.session.add_all(made)
    _db.session.commit()
    return made


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)"', page)]


def link(page: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    assert match, f"no {rel} link"
    return unescape(match.group(1))


def quietly_signed_in(client, user):
    """Signed in without the sign-in page, so that no sign-in entry joins the trail."""
    record = factories.make_sign_in(user)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_sign_in"] = record.key
    # The first page after signing in keeps its form token in the server-side session.
    assert client.get("/account").status_code == 200
    return user


@pytest.fixture
def admin(client):
    return quietly_signed_in(client, make_user(role="admin", name="Ada Admin"))


def test_who_may_read_it(client, login):
    assert client.get("/admin/audit").status_code == 302  # to the sign-in page
    login(make_user())
    assert client.get("/admin/audit").status_code == 403
    client.post("/account/logout")
    login(make_coordinator("DE"))
    assert client.get("/admin/audit").status_code == 200
    client.post("/account/logout")
    login(make_user(role="admin"))
    assert client.get("/admin/audit").status_code == 200


def test_no_route_changes_the_trail(app, client, admin):
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule or "audit" in r.endpoint]
    assert rules
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    for method in (client.post, client.put, client.delete, client.patch):
        assert method("/admin/audit").status_code == 405


def test_administrators_read_everything_coordinators_their_countries(client, admin):
    de = add_entries(2, country="DE")
    at = add_entries(2, country="AT")
    nowhere = add_entries(
        1,
        country=None,
        action="auth.sign_in_failed",
        target_type=None,
        target_id=None,
        target_label="",
        details={"reason": "unknown_account"},
    )
    page = client.get("/admin/audit").get_data(as_text=True)
    assert sorted(shown(page)) == sorted(e.id for e in de + at + nowhere)
    assert "5 entries" in page and "no account has this address" in page
    assert "Nobody signed in" in page

    quietly_signed_in(client, make_coordinator("DE", "PL"))
    response = client.get("/admin/audit")
    page = response.get_data(as_text=True)
    assert sorted(shown(page)) == sorted(e.id for e in de)
    assert "2 entries" in page and "You see the entries of your countries." in page
    # Their countries only to choose from; another one is refused next to the field.
    assert '<option value="PL">Poland</option>' in page
    assert '<option value="AT">' not in page
    response = client.get("/admin/audit?country=AT")
    assert response.status_code == 400
    assert 'id="country-error"' in response.get_data(as_text=True)
    assert shown(response.get_data(as_text=True)) == []
    # The country filter within their own.
    assert shown(client.get("/admin/audit?country=PL").get_data(as_text=True)) == []


def test_filters(client, admin, db):
    coordinator = make_coordinator("DE", email="dora@ministry.example.de", name="Dora")
    other = make_coordinator("AT")
    mine = add_entries(3, actor_id=coordinator.id, actor_label=f"coordinator #{coordinator.id}")
    theirs = add_entries(
        2,
        actor_id=other.id,
        actor_label=f"coordinator #{other.id}",
        action="member.suspended",
        start=START + timedelta(days=3),
        first_target=2000,
    )
    about = add_entries(
        1,
        target_type="action",
        target_id=77,
        target_label="Planters",
        action="action.commented",
        details={"comment_id": 5},
        start=START + timedelta(days=10),
    )

    def ids(query: str) -> list[int]:
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200, query
        return sorted(shown(response.get_data(as_text=True)))

    assert ids("actor=dora@ministry.example.de") == [e.id for e in mine]
    assert ids("actor=DORA@ministry.example.de") == [e.id for e in mine]
    assert ids(f"actor=%23{other.id}") == [e.id for e in theirs]
    assert ids(f"actor={other.id}") == [e.id for e in theirs]
    assert ids("action=member.suspended") == [e.id for e in theirs]
    assert ids("target_type=action") == [e.id for e in about]
    assert ids("target_type=action&target_id=77") == [e.id for e in about]
    assert ids("target_type=member&target_id=77") == []
    assert ids(f"target_type=member&target_id={mine[1].target_id}") == [mine[1].id]
    # Whole days, both included.
    assert ids("since=2026-03-04") == [e.id for e in theirs + about]
    assert ids("until=2026-03-04") == [e.id for e in mine + theirs]
    assert ids("since=2026-03-04&until=2026-03-04") == [e.id for e in theirs]
    assert ids("since=2026-03-11") == [e.id for e in about]
    assert ids("action=member.suspended&since=2026-03-05") == []

    page = client.get("/admin/audit?target_type=action").get_data(as_text=True)
    assert "Comment #5" in page and "Planters" in page and "Action commented on" in page
    page = client.get("/admin/audit?actor=dora@ministry.example.de").get_data(as_text=True)
    assert "Dora" in page and "(Coordinator #" in page
    assert "Submitted → Active member" in page and "Germany" in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=2026-02-30", "since", "Give a date as YYYY-MM-DD."),
        ("until=yesterday", "until", "Give a date as YYYY-MM-DD."),
        ("since=2026-03-05&until=2026-03-01", "until", "The last day cannot be before the first."),
        ("actor=nobody@example.eu", "actor", "No account has this e-mail address or number."),
        ("actor=somebody", "actor", "No account has this e-mail address or number."),
        ("target_id=12", "target_id", "Choose above what the number is of."),
        ("target_type=member&target_id=twelve", "target_id", "Give a number, such as 41."),
        ("action=member.renamed", "action", "Choose one from the list."),
        ("target_type=invoice", "target_type", "Choose one from the list."),
    ],
)
def test_bad_filters_are_refused_next_to_their_field(client, admin, query, field, message):
    add_entries(2)
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = page.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert message in unescape(error)
    assert re.search(rf'aria-describedby="({field}-hint )?{field}-error" aria-invalid="true"', page)
    assert "error-summary" in page and shown(page) == []


def test_paging_newest_first_by_key(client, admin):
    made = add_entries(120)
    newest_first = [e.id for e in reversed(made)]
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "120 entries" in first
    assert shown(first) == newest_first[:50]
    assert 'rel="prev"' not in first and "Newest" not in first

    second = client.get(link(first, "next")).get_data(as_text=True)
    assert shown(second) == newest_first[50:100] and "120 entries" in second
    third = client.get(link(second, "next")).get_data(as_text=True)
    assert shown(third) == newest_first[100:]
    assert 'rel="next"' not in third
    back = client.get(link(third, "prev")).get_data(as_text=True)
    assert shown(back) == newest_first[50:100]
    top = client.get(link(back, "prev")).get_data(as_text=True)
    assert shown(top) == newest_first[:50] and 'rel="prev"' not in top


def test_paging_keeps_the_filters_and_orders_equal_times_by_id(client, admin):
    same_time = add_entries(60, step=timedelta(0), country="FR")
    add_entries(10, country="DE")
    first = client.get("/admin/audit?country=FR").get_data(as_text=True)
    older = link(first, "next")
    assert "country=FR" in older
    second = client.get(older).get_data(as_text=True)
    ids = [e.id for e in sorted(same_time, key=lambda e: -e.id)]
    assert shown(first) + shown(second) == ids


def test_a_malformed_cursor_shows_the_newest_page(client, admin):
    made = add_entries(3)
    page = client.get("/admin/audit?before=not-a-cursor&after=12-x").get_data(as_text=True)
    assert shown(page) == [e.id for e in reversed(made)]


def test_labels_of_erased_accounts_and_of_accounts_the_entry_is_about(client, admin):
    gone = make_coordinator("DE")
    number = gone.id
    add_entries(1, actor_id=gone.id, actor_label=f"coordinator #{number}")
    _db.session.delete(gone)
    _db.session.commit()
    target = make_user(role="coordinator", countries=("AT",), name="Nadia", email="n@at.example")
    add_entries(
        1,
        action="coordinator.invited",
        target_type="user",
        target_id=target.id,
        target_label=f"coordinator #{target.id}",
        country=None,
        details={"countries": ["AT", "SI"]},
        actor_id=admin.id,
        actor_label=f"admin #{admin.id}",
    )
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"Erased account (Coordinator #{number})" in page
    assert "Nadia &lt;n@at.example&gt;" in page and "Austria, Slovenia" in page
    assert "Ada Admin" in page and f"(Administrator #{admin.id})" in page


def test_the_page_makes_as_many_queries_for_sixty_entries_as_for_three(client, admin, db):
    actors = [make_coordinator("DE") for _ in range(3)]

    def fill(n, start):
        for i in range(n):
            actor = actors[i % 3]
            add_entries(
                1,
                start=start + timedelta(minutes=i),
                actor_id=actor.id,
                actor_label=f"coordinator #{actor.id}",
                target_type="user",
                target_id=actors[(i + 1) % 3].id,
                country=None,
            )

    fill(3, START)
    few = queries_of(client, "/admin/audit")
    fill(57, START + timedelta(days=1))
    many = queries_of(client, "/admin/audit")
    assert len(shown(client.get("/admin/audit").get_data(as_text=True))) == 50
    assert many == few
    assert few <= 6


def test_the_navigation_links_to_it(client, login):
    admin = login(make_user(role="admin"))
    assert 'href="/admin/audit"' in client.get("/admin/coordinators").get_data(as_text=True)
    client.post("/account/logout")
    login(make_coordinator("DE"))
    queue = client.get("/review").get_data(as_text=True)
    assert queue.count('href="/admin/audit"') == 1  # in the review area, not the main menu
    page = client.get("/admin/audit").get_data(as_text=True)
    assert 'href="/admin/audit" aria-current="page"' in page
    client.post("/account/logout")
    login(make_user())
    assert 'href="/admin/audit"' not in client.get("/dashboard").get_data(as_text=True)
    assert admin


def test_the_table_scrolls_in_its_own_labelled_region(client, admin):
    add_entries(1)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert (
        '<div class="table-scroll" role="region" aria-labelledby="audit-caption" tabindex="0">'
        in page
    )
    assert '<caption id="audit-caption">' in page
    for label in ("Done by", "Event", "Done to", "Its number", "Country", "From", "To"):
        assert f">{label}" in page


def test_the_page_in_another_language(client, admin):
    member = make_member(country="DE")
    add_entries(1, target_id=member.id)
    client.get("/language/de")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Protokoll" in page and "Antrag angenommen" in page
    assert factories.PASSWORD not in page


def test_long_trails_are_counted_up_to_a_limit(client, admin, monkeypatch):
    from portal.audit import service

    monkeypatch.setattr(service, "COUNT_LIMIT", 5)
    add_entries(8)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "More than 5 entries" in page and len(shown(page)) == 8
    monkeypatch.setattr(service, "COUNT_LIMIT", 8)
    assert "8 entries" in client.get("/admin/audit").get_data(as_text=True)
