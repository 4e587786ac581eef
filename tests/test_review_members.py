"""A coordinator's members through HTTP: the list, and on hold, suspend, withdraw, reinstate."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, StatusChange, utcnow
from portal.models.members import (
    APPROVED,
    DRAFT,
    ON_HOLD,
    REJECTED,
    SUBMITTED,
    SUSPENDED,
    WITHDRAWN,
)
from tests.factories import make_coordinator, make_member, make_user


def _change(client, member, action, reason="", version=None):
    return client.post(
        f"/review/{member.id}/status",
        data={
            "action": action,
            "reason": reason,
            "version": member.version if version is None else version,
        },
    )


def _reload(member_id):
    db.session.expire_all()
    return db.session.get(Member, member_id)


def _history(member_id):
    return db.session.scalars(
        select(StatusChange).where(StatusChange.member_id == member_id).order_by(StatusChange.id)
    ).all()


def _last_flash(client):
    with client.session_transaction() as session:
        return session["_flashes"][-1]


# --- the list ------------------------------------------------------------------------------------


def test_members_list_shows_own_countries_members_with_dates(client, login):
    login(make_coordinator("DE", "AT"))
    approved_at = utcnow() - timedelta(days=400)
    make_member(name="Aachen", joined_on=date(2024, 5, 6), approved_at=approved_at)
    make_member(name="Bregenz", country="AT", status=ON_HOLD)
    make_member(name="Cottbus", status=SUSPENDED)
    make_member(name="Dessau", status=WITHDRAWN)
    make_member(name="Erfurt", status=SUBMITTED)
    make_member(name="Fulda", status=DRAFT)
    make_member(name="Gera", status=REJECTED)
    make_member(name="Lyon", country="FR")

    page = client.get("/review/members").get_data(as_text=True)

    assert "4 members" in page
    names = ["Aachen", "Bregenz", "Cottbus", "Dessau"]
    assert [page.index(n) for n in names] == sorted(page.index(n) for n in names)
    for absent in ("Erfurt", "Fulda", "Gera", "Lyon"):
        assert absent not in page
    assert "6 May 2024" in page
    assert f"{approved_at.day} {approved_at.date():%b} {approved_at.year}" in page
    assert "On hold" in page and "Suspended" in page and "Withdrawn" in page
    assert "Austria" in page


def test_members_list_filters_by_status_and_country(client, login):
    login(make_coordinator("DE", "AT"))
    make_member(name="Aachen")
    make_member(name="Bregenz", country="AT", status=SUSPENDED)
    make_member(name="Cottbus", status=SUSPENDED)

    suspended = client.get("/review/members?status=suspended").get_data(as_text=True)
    assert "Bregenz" in suspended and "Cottbus" in suspended and "Aachen" not in suspended

    austrian = client.get("/review/members?status=suspended&country=AT").get_data(as_text=True)
    assert "Bregenz" in austrian and "Cottbus" not in austrian


def test_members_list_invalid_filter_says_so(client, login):
    login(make_coordinator("DE"))
    make_member(name="Aachen")
    page = client.get("/review/members?status=submitted").get_data(as_text=True)
    assert 'id="status-error"' in page
    assert "Aachen" in page


def test_members_list_links_to_the_application_page(client, login):
    login(make_coordinator("DE"))
    member = make_member(name="Aachen")
    page = client.get("/review/members").get_data(as_text=True)
    assert f'href="/applications/{member.id}"' in page


# --- status actions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, status, phrase",
    [
        ("hold", ON_HOLD, "has put the membership of Aachen on hold"),
        ("suspend", SUSPENDED, "has suspended the membership of Aachen"),
        ("withdraw", WITHDRAWN, "has withdrawn the membership of Aachen"),
    ],
)
def test_status_change_with_reason(client, login, mailbox, action, status, phrase):
    coordinator = login(make_coordinator("DE"))
    rep = make_user()
    member = make_member(name="Aachen", representatives=[rep])
    version = member.version

    response = _change(client, member, action, "No action plan after two years")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{member.id}")
    member = _reload(member.id)
    assert member.status == status and member.version == version + 1
    assert member.status_comment == "No action plan after two years"
    (change,) = _history(member.id)
    assert (change.actor_id, change.from_status, change.to_status, change.comment) == (
        coordinator.id,
        APPROVED,
        status,
        "No action plan after two years",
    )
    (mail,) = mailbox.to(rep.email)
    assert phrase in mailbox.body(mail)
    assert "No action plan after two years" in mailbox.body(mail)
    assert _last_flash(client)[0] == "success"


@pytest.mark.parametrize("action", ["hold", "suspend", "withdraw"])
def test_reason_required_next_to_the_field(client, login, mailbox, action):
    login(make_coordinator("DE"))
    member = make_member(representatives=[make_user()])

    response = _change(client, member, action, " ")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="status-reason-error"' in page and "Give the reason." in page
    assert 'aria-invalid="true"' in page
    assert _reload(member.id).status == APPROVED
    assert _history(member.id) == []
    assert mailbox.messages == []


def test_reinstate_needs_no_reason_and_keeps_the_first_approval_date(client, login, mailbox):
    login(make_coordinator("DE"))
    rep = make_user()
    first_approval = utcnow() - timedelta(days=700)
    member = make_member(
        name="Aachen", status=SUSPENDED, representatives=[rep], approved_at=first_approval
    )

    response = _change(client, member, "reinstate")

    assert response.status_code == 302
    member = _reload(member.id)
    assert member.status == APPROVED
    assert abs(member.approved_at - first_approval) < timedelta(seconds=1)
    (mail,) = mailbox.to(rep.email)
    assert mail["Subject"] == "The membership of Aachen is active again"
    assert "has reinstated the membership of Aachen" in mailbox.body(mail)
    assert _last_flash(client) == (
        "success",
        "Aachen is an active member again. 1 representative was informed by e-mail.",
    )


def test_reinstating_when_the_municipality_has_joined_again_is_refused(client, login):
    login(make_coordinator("DE"))
    make_member(name="Aachen")
    old = make_member(name="Aachen", status=WITHDRAWN)

    response = _change(client, old, "reinstate")

    assert response.status_code == 302
    category, message = _last_flash(client)
    assert category == "error" and "cannot be reinstated" in message
    assert _reload(old.id).status == WITHDRAWN
    assert _history(old.id) == []


def test_stale_status_change_is_refused(client, login):
    login(make_coordinator("DE"))
    member = make_member()
    seen = member.version
    assert _change(client, member, "suspend", "Late reports", version=seen).status_code == 302
    response = _change(client, member, "withdraw", "", version=seen)
    assert response.status_code == 302
    category, message = _last_flash(client)
    assert category == "error" and "changed while you were looking at it" in message
    assert "Suspended" in message
    assert _reload(member.id).status == SUSPENDED
    assert [c.to_status for c in _history(member.id)] == [SUSPENDED]


def test_action_not_possible_from_the_current_status_is_refused(client, login):
    login(make_coordinator("DE"))
    member = make_member()
    response = _change(client, member, "reinstate")
    assert response.status_code == 302
    category, message = _last_flash(client)
    assert category == "error"
    assert message == "This is not possible while it is “Active member”. Nothing was done."
    assert _reload(member.id).status == APPROVED
    assert _history(member.id) == []


def test_status_actions_do_not_decide_applications(client, login):
    login(make_coordinator("DE"))
    member = make_member(status=SUBMITTED)
    assert _change(client, member, "reinstate").status_code == 302
    assert _last_flash(client)[0] == "error"
    assert _reload(member.id).status == SUBMITTED
    page = client.get(f"/review/{member.id}/status").get_data(as_text=True)
    assert "This is not a member yet" in page


@pytest.mark.parametrize(
    "status, offered, not_offered",
    [
        (APPROVED, ["hold", "suspend", "withdraw"], ["reinstate"]),
        (ON_HOLD, ["suspend", "withdraw", "reinstate"], ["hold"]),
        (SUSPENDED, ["withdraw", "reinstate"], ["hold", "suspend"]),
        (WITHDRAWN, ["reinstate"], ["hold", "suspend", "withdraw"]),
    ],
)
def test_status_panel_offers_what_is_possible(client, login, status, offered, not_offered):
    login(make_coordinator("DE"))
    member = make_member(status=status)
    page = client.get(f"/review/{member.id}/status").get_data(as_text=True)
    assert "<legend>Change the member" in page
    assert f'name="version" type="hidden" value="{member.version}"' in page
    for action in offered:
        assert f'value="{action}"' in page
    for action in not_offered:
        assert f'value="{action}"' not in page


def test_status_changes_are_for_the_countrys_coordinators_only(client, login):
    rep = make_user()
    member = make_member(representatives=[rep])

    login(make_coordinator("FR"))
    assert _change(client, member, "suspend", "x").status_code == 404
    assert client.get(f"/review/{member.id}/status").status_code == 404
    client.post("/account/logout")

    login(rep)
    assert _change(client, member, "withdraw", "We leave").status_code == 403
    client.post("/account/logout")

    response = _change(client, member, "suspend", "x")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _reload(member.id).status == APPROVED
    assert _history(member.id) == []


def test_the_members_list_pages_by_cursor_through_every_member_once(client, login):
    """Next and Previous walk the list by name with no member missed or shown twice, across
    the coordinator's countries, and the queries of a page do not grow with the list."""
    import re

    from tests.conftest import queries_of

    names = [f"Ort {n:03d}" for n in range(125)]
    for n, name in enumerate(names):
        make_member(name=name, country="DE" if n % 3 else "AT", status=APPROVED)
    make_member(name="Ort 999 French", country="FR")  # not one of the coordinator's
    login(make_coordinator("DE", "AT"))

    seen, url, pages = [], "/review/members", []
    while url:
        html = client.get(url).get_data(as_text=True)
        assert "125 members" in html
        rows = re.findall(r'<th scope="row"><a href="/applications/\d+">([^<]+)</a>', html)
        pages.append(rows)
        seen += rows
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == sorted(names) and [len(p) for p in pages] == [50, 50, 25]

    back = re.search(r'href="([^"]+)" rel="prev"', html).group(1).replace("&amp;", "&")
    html = client.get(back).get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a href="/applications/\d+">([^<]+)</a>', html)
    assert rows == pages[1]
    assert 'rel="prev"' in html and 'rel="next"' in html

    # The deep page reads the cursor's own row besides.
    assert (
        queries_of(client, back) <= queries_of(client, "/review/members") + 1
    )  # the cursor's own row


def test_a_bad_members_cursor_is_a_400(client, login):
    login(make_coordinator("DE"))
    for value in ("x", "0", "٣", str(2**40)):
        response = client.get(f"/review/members?after={value}")
        assert response.status_code == 400, value
