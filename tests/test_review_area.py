"""The review area as a coordinator meets it: its tabs, the application page in reading order
with the way back, and the members list's name search."""

import re

import pytest

from portal.models.members import APPROVED, CHANGES_REQUESTED, ON_HOLD, SUBMITTED, SUSPENDED
from tests.conftest import queries_of
from tests.factories import make_coordinator, make_member, make_user

# --- the tabs ------------------------------------------------------------------------------------


def _tabs(page: str) -> tuple[list[str], list[str]]:
    nav = re.search(r'<nav class="review-nav" aria-label="Review area">(.*?)</nav>', page, re.S)
    assert nav, "no review area navigation"
    links = re.findall(r'<a href="([^"]+)"', nav.group(1))
    current = re.findall(r'<a href="([^"]+)" aria-current="page"', nav.group(1))
    return links, current


@pytest.mark.parametrize(
    "url",
    [
        "/review",
        "/review/members",
        "/coordination/late",
        "/coordination/extensions",
        "/review/helpdesk",
        "/admin/audit",
    ],
)
def test_every_page_of_the_review_area_shows_the_same_tabs_and_marks_its_own(client, login, url):
    login(make_coordinator("DE"))
    links, current = _tabs(client.get(url).get_data(as_text=True))
    assert links == [
        "/review",
        "/review/members",
        "/coordination/late",
        "/coordination/extensions",
        "/review/helpdesk",
        "/admin/audit",
    ]
    assert current == [url]


def test_the_queue_tab_counts_the_applications_waiting(client, login):
    login(make_coordinator("DE"))
    make_member(status=SUBMITTED)
    make_member(status=SUBMITTED)
    make_member(status=SUBMITTED, country="FR")
    page = client.get("/review/members").get_data(as_text=True)
    assert re.search(r"Applications waiting <span class=\"tab-count\">\(2\)</span>", page)


def test_an_administrator_sees_only_the_tabs_open_to_them(client, login):
    login(make_user(role="admin"))
    links, current = _tabs(client.get("/review/helpdesk").get_data(as_text=True))
    assert links == ["/review/helpdesk", "/admin/audit"] and current == ["/review/helpdesk"]


# --- the application page in reading order -------------------------------------------------------


def test_a_coordinator_reads_the_application_then_decides_then_goes_back(client, login):
    login(make_coordinator("DE", "AT"))
    member = make_member(status=SUBMITTED)
    page = client.get(f"/applications/{member.id}?country=DE").get_data(as_text=True)

    order = [
        'id="review-note-title"',
        "<h2>The municipality</h2>",
        "<h2>The council decision</h2>",
        "<h2>History</h2>",
        'id="decision-panel-title"',
        "Back to the applications waiting",
    ]
    assert all(marker in page for marker in order), [m for m in order if m not in page]
    assert [page.index(m) for m in order] == sorted(page.index(m) for m in order)
    assert "What happens next" not in page
    # What the decision does: who is told, what becomes public, what does not.
    note = page[page.index('id="review-note-title"') : page.index("<h2>The municipality</h2>")]
    assert "listed publicly" in note and "stay private" in note and "by e-mail" in note
    # The way back keeps the queue's country filter, and so does the decision form.
    assert 'href="/review?country=DE">Back to the applications waiting' in page
    assert f'action="/review/{member.id}/decide?country=DE"' in page


def test_the_queue_links_to_applications_with_its_country_filter(client, login):
    login(make_coordinator("DE", "AT"))
    member = make_member(status=SUBMITTED)
    page = client.get("/review?country=DE").get_data(as_text=True)
    assert f'href="/applications/{member.id}?country=DE"' in page
    page = client.get("/review").get_data(as_text=True)
    assert f'href="/applications/{member.id}"' in page


def test_a_country_not_the_coordinators_is_not_kept_in_the_way_back(client, login):
    login(make_coordinator("DE"))
    member = make_member(status=SUBMITTED)
    page = client.get(f"/applications/{member.id}?country=FR").get_data(as_text=True)
    assert 'href="/review">Back to the applications waiting' in page


def test_the_decision_goes_back_to_the_application_with_the_queues_filter(client, login):
    login(make_coordinator("DE", "AT"))
    member = make_member(status=SUBMITTED)
    response = client.post(
        f"/review/{member.id}/decide?country=DE",
        data={"decision": "approve", "comment": "", "version": member.version},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/applications/{member.id}?country=DE"


def test_for_a_member_the_coordinator_goes_back_to_the_members(client, login):
    login(make_coordinator("DE"))
    member = make_member(status=ON_HOLD, status_comment="Late with its plan.")
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert "Late with its plan." in page
    assert page.index("<h2>History</h2>") < page.index('id="status-panel-title"')
    assert page.index('id="status-panel-title"') < page.index("Back to the members")
    assert "What happens next" not in page
    status_page = client.get(f"/review/{member.id}/status").get_data(as_text=True)
    assert 'href="/review/members">Back to the members' in status_page


def test_the_decide_page_has_the_way_back_to_the_queue(client, login):
    login(make_coordinator("DE"))
    member = make_member(status=SUBMITTED)
    page = client.get(f"/review/{member.id}/decide").get_data(as_text=True)
    assert 'href="/review">Back to the applications waiting' in page


@pytest.mark.parametrize("status", [SUBMITTED, CHANGES_REQUESTED, APPROVED])
def test_the_applicant_still_reads_what_happens_next_first(client, login, status):
    owner = login(make_user())
    member = make_member(status=status, representatives=[owner], status_comment="Add the PDF.")
    page = client.get(f"/applications/{member.id}").get_data(as_text=True)
    assert page.index("What happens next") < page.index("<h2>The municipality</h2>")
    assert "Your review" not in page and "Back to the" not in page and "/review" not in page


# --- the members' name search --------------------------------------------------------------------


def _names(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/applications/\d+[^"]*">([^<]+)</a>', page)


def test_the_members_list_finds_by_a_folded_part_of_the_name(client, login):
    login(make_coordinator("DE", "PL"))
    make_member(name="Łódź", country="PL")
    make_member(name="Frankfurt am Main")
    make_member(name="Bad Frankenhausen", status=SUSPENDED)
    make_member(name="Offenbach")
    make_member(name="Frankfurt (Oder)", country="FR")

    assert _names(client.get("/review/members?q=LODZ").get_data(as_text=True)) == ["Łódź"]
    page = client.get("/review/members?q=Fránk").get_data(as_text=True)
    assert _names(page) == ["Bad Frankenhausen", "Frankfurt am Main"]
    assert "2 members" in page
    assert 'value="Fránk"' in page  # the search stays in its field
    # Every word counts; a word is found at the start of a word of the name only.
    assert _names(client.get("/review/members?q=frank+main").get_data(as_text=True)) == [
        "Frankfurt am Main"
    ]
    assert _names(client.get("/review/members?q=furt").get_data(as_text=True)) == []
    # With the other filters.
    page = client.get("/review/members?q=frank&status=suspended").get_data(as_text=True)
    assert _names(page) == ["Bad Frankenhausen"]


@pytest.mark.parametrize(
    "q, message",
    [("!!!", "with a letter or a digit"), ("x" * 101, "at most 100 characters")],
)
def test_a_bad_name_search_is_said_next_to_the_field(client, login, q, message):
    login(make_coordinator("DE"))
    make_member(name="Aachen")
    response = client.get(f"/review/members?q={q}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="q-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in page
    assert _names(page) == [] and "0 members" in page


def test_the_name_search_pages_by_cursor_through_every_match_once(client, login):
    login(make_coordinator("DE", "AT"))
    for n in range(60):
        make_member(name=f"Neustadt {n:02d}", country="AT" if n % 2 else "DE")
        make_member(name=f"Altdorf {n:02d}")
    seen, url = [], "/review/members?q=neu"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += _names(page)
        assert "60 members" in page
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = following.group(1).replace("&amp;", "&") if following else None
        if url:
            assert "q=neu" in url
    assert seen == [f"Neustadt {n:02d}" for n in range(60)]
    # A search costs no more queries than the plain list.
    assert queries_of(client, "/review/members?q=neu") <= queries_of(client, "/review/members")
