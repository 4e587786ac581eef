"""The coordinators' review pages through HTTP: the queue, decisions, who may see and decide."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Member, OutboxMail, StatusChange, utcnow
from portal.models.members import APPROVED, CHANGES_REQUESTED, DRAFT, REJECTED, SUBMITTED
from tests.conftest import complete_second_factor, sign_in
from tests.factories import make_coordinator, make_member, make_user


def _submitted(country="DE", days=3, **fields):
    """A submitted application of `country`, waiting for `days`, with one representative."""
    rep = fields.pop("representative", None) or make_user()
    member = make_member(country=country, status=SUBMITTED, representatives=[rep], **fields)
    member.submitted_at = utcnow() - timedelta(days=days, minutes=1)
    db.session.commit()
    return member


def _decide(client, member, decision, comment="", version=None):
    return client.post(
        f"/review/{member.id}/decide",
        data={
            "decision": decision,
            "comment": comment,
            "version": member.version if version is None else version,
        },
    )


def _history(db, member):
    return db.session.scalars(
        select(StatusChange).where(StatusChange.member_id == member.id).order_by(StatusChange.id)
    ).all()


def _status(db, member_id):
    db.session.expire_all()
    return db.session.get(Member, member_id).status


# --- the queue ---------------------------------------------------------------------------------


def test_queue_lists_own_countries_submitted_oldest_first_with_age(client, login):
    coordinator = login(make_coordinator("DE", "AT"))
    newer = _submitted("DE", days=2, name="Neustadt", region="Hessen", population=12345)
    older = _submitted("AT", days=5, name="Altdorf", region="Tirol")
    _submitted("FR", days=9, name="Lointaine")
    make_member(country="DE", status=DRAFT, name="Entwurfingen")
    make_member(country="DE", status=APPROVED, name="Mitgliedstadt")

    page = client.get("/review").get_data(as_text=True)

    assert coordinator.is_coordinator
    assert "2 applications wait for your decision." in page
    assert page.index("Altdorf") < page.index("Neustadt")
    assert "waiting 5 days" in page and "waiting 2 days" in page
    assert "Lointaine" not in page and "Entwurfingen" not in page and "Mitgliedstadt" not in page
    assert "Austria" in page and "Germany" in page and "Tirol" in page and "Hessen" in page
    assert "12,345" in page
    assert f'href="/applications/{older.id}"' in page
    assert f'href="/applications/{newer.id}"' in page


def test_queue_says_less_than_a_day_and_one_day(client, login):
    login(make_coordinator("DE"))
    _submitted(days=0, name="Heutestadt")
    _submitted(days=1, name="Gesternstadt")
    page = client.get("/review").get_data(as_text=True)
    assert "waiting less than a day" in page
    assert "waiting 1 day<" in page


def test_queue_filters_by_one_of_the_coordinators_countries(client, login):
    login(make_coordinator("DE", "AT"))
    _submitted("DE", name="Neustadt")
    _submitted("AT", name="Altdorf")

    page = client.get("/review?country=AT").get_data(as_text=True)

    assert "Altdorf" in page and "Neustadt" not in page
    assert "1 application waits for your decision." in page
    assert re.search(r'<option selected value="AT">|<option value="AT" selected>', page)


def test_queue_filter_on_a_country_not_coordinated_says_so_and_shows_own(client, login):
    login(make_coordinator("DE", "AT"))
    _submitted("DE", name="Neustadt")
    _submitted("FR", name="Lointaine")

    page = client.get("/review?country=FR").get_data(as_text=True)

    assert "Not a valid choice" in page
    assert 'id="country-error"' in page
    assert "Neustadt" in page and "Lointaine" not in page


def test_queue_empty(client, login):
    login(make_coordinator("DE"))
    page = client.get("/review").get_data(as_text=True)
    assert "0 applications wait for your decision." in page
    assert "there is no submitted application from your countries" in page


@pytest.mark.parametrize("role", ["representative", "admin"])
def test_queue_refused_to_non_coordinators(client, login, role):
    login(make_user(role=role))
    assert client.get("/review").status_code == 403
    assert client.get("/review/members").status_code == 403


def test_queue_asks_the_public_to_sign_in(client):
    response = client.get("/review")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_queue_pages_through_many(client, login):
    login(make_coordinator("DE"))
    for n in range(52):
        _submitted(days=60 - n, name=f"Stadt {n:02d}")
    first = client.get("/review").get_data(as_text=True)
    second = client.get("/review?page=2").get_data(as_text=True)
    assert "52 applications wait" in first
    assert "Stadt 00" in first and "Stadt 51" not in first
    assert "Stadt 51" in second and 'rel="prev"' in second


# --- decisions ---------------------------------------------------------------------------------


def test_approve_records_history_mails_representatives_and_redirects(db, client, login, mailbox):
    coordinator = login(make_coordinator("DE"))
    rep1 = make_user(locale="en")
    rep2 = make_user()
    member = make_member(status=SUBMITTED, representatives=[rep1, rep2], name="Bonnstadt")
    version = member.version

    response = _decide(client, member, "approve", "Welcome aboard")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{member.id}")
    assert _status(db, member.id) == APPROVED
    (change,) = _history(db, member)
    assert (change.actor_id, change.from_status, change.to_status, change.comment) == (
        coordinator.id,
        SUBMITTED,
        APPROVED,
        "Welcome aboard",
    )
    assert db.session.get(Member, member.id).version == version + 1
    for rep in (rep1, rep2):
        (mail,) = mailbox.to(rep.email)
        assert mail["Subject"] == "Bonnstadt is now a member of the covenant"
        body = mailbox.body(mail)
        assert "approved the application of Bonnstadt" in body
        assert "Welcome aboard" in body
        assert f"/applications/{member.id}" in body


def test_the_success_message_is_shown_after_the_redirect(client, login):
    login(make_coordinator("DE"))
    member = _submitted(name="Kassel")
    response = _decide(client, member, "approve")
    with client.session_transaction() as session:
        category, message = session["_flashes"][-1]
    assert response.status_code == 302
    assert category == "success"
    assert message == (
        "Kassel is approved and now listed as a member. 1 representative was informed by e-mail."
    )


@pytest.mark.parametrize(
    "decision, status, phrase",
    [
        ("reject", REJECTED, "has not accepted the application"),
        ("request_changes", CHANGES_REQUESTED, "asks for changes to the application"),
    ],
)
def test_reject_and_request_changes_with_comment(
    db, client, login, mailbox, decision, status, phrase
):
    coordinator = login(make_coordinator("DE"))
    rep = make_user()
    member = _submitted(representative=rep)

    response = _decide(client, member, decision, "The council decision is not signed.")

    assert response.status_code == 302
    assert _status(db, member.id) == status
    (change,) = _history(db, member)
    assert change.actor_id == coordinator.id and change.to_status == status
    assert change.comment == "The council decision is not signed."
    assert db.session.get(Member, member.id).status_comment == "The council decision is not signed."
    (mail,) = mailbox.to(rep.email)
    assert phrase in mailbox.body(mail)
    assert "The council decision is not signed." in mailbox.body(mail)


@pytest.mark.parametrize(
    "decision, message",
    [
        ("reject", "Give the reason for the rejection."),
        ("request_changes", "Say what should change."),
    ],
)
def test_comment_required_shown_next_to_the_field(db, client, login, mailbox, decision, message):
    login(make_coordinator("DE"))
    member = _submitted()

    response = _decide(client, member, decision, "   ")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="decision-comment-error"' in page
    assert message in page
    assert 'aria-describedby="decision-comment-hint decision-comment-error"' in page
    assert 'aria-invalid="true"' in page
    assert f'name="version" type="hidden" value="{member.version}"' in page
    assert _status(db, member.id) == SUBMITTED
    assert _history(db, member) == []
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0
    assert mailbox.messages == []


def test_missing_decision_is_an_error_next_to_the_choice(db, client, login):
    login(make_coordinator("DE"))
    member = _submitted()
    response = client.post(f"/review/{member.id}/decide", data={"version": member.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="decision-choice-error"' in page and "Choose a decision." in page
    assert _status(db, member.id) == SUBMITTED


def test_missing_version_is_refused(db, client, login):
    login(make_coordinator("DE"))
    member = _submitted()
    response = client.post(f"/review/{member.id}/decide", data={"decision": "approve"})
    assert response.status_code == 422
    assert "The form is incomplete" in response.get_data(as_text=True)
    assert _status(db, member.id) == SUBMITTED


def test_unknown_decision_is_refused(db, client, login):
    login(make_coordinator("DE"))
    member = _submitted()
    response = _decide(client, member, "delete")
    assert response.status_code == 422
    assert _status(db, member.id) == SUBMITTED


def test_decide_page_shows_the_panel(client, login):
    login(make_coordinator("DE"))
    member = _submitted(name="Panelstadt")
    page = client.get(f"/review/{member.id}/decide").get_data(as_text=True)
    assert "Decide on this application" in page
    assert "<fieldset" in page and "<legend>Your decision" in page
    assert 'name="csrf_token"' in page
    assert f'name="version" type="hidden" value="{member.version}"' in page
    assert f'action="/review/{member.id}/decide"' in page
    for value in ("approve", "reject", "request_changes"):
        assert f'value="{value}"' in page
    assert '<label for="decision-comment">' in page


def test_decide_page_of_a_decided_application_says_so(db, client, login):
    login(make_coordinator("DE"))
    member = make_member(status=APPROVED)
    page = client.get(f"/review/{member.id}/decide").get_data(as_text=True)
    assert "This application is not waiting for a decision" in page
    assert "Decide on this application" not in page


# --- a decision that no longer applies ----------------------------------------------------------


def test_two_coordinators_same_stale_version_exactly_one_counts(db, app, client, login, mailbox):
    first = make_coordinator("DE")
    second = make_coordinator("DE")
    rep = make_user()
    member = _submitted(representative=rep)
    seen = member.version

    login(first)
    assert _decide(client, member, "approve", version=seen).status_code == 302
    client.post("/account/logout")

    other = app.test_client()
    response = sign_in(other, second)
    assert response.status_code == 302
    response = other.post(
        f"/review/{member.id}/decide",
        data={"decision": "reject", "comment": "Not eligible", "version": seen},
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{member.id}")
    with other.session_transaction() as session:
        category, message = session["_flashes"][-1]
    assert category == "error"
    assert "changed while you were looking at it" in message and "Active member" in message
    assert _status(db, member.id) == APPROVED
    assert [(c.actor_id, c.to_status) for c in _history(db, member)] == [(first.id, APPROVED)]
    assert len(mailbox.to(rep.email)) == 1


def test_stale_version_refused_even_without_a_comment(db, client, login):
    login(make_coordinator("DE"))
    member = _submitted()
    response = _decide(client, member, "reject", "", version=member.version - 1 or 99)
    assert response.status_code == 302
    with client.session_transaction() as session:
        category, message = session["_flashes"][-1]
    assert category == "error" and "changed while you were looking at it" in message
    assert _status(db, member.id) == SUBMITTED


def test_decision_on_an_approved_member_is_refused_not_a_reinstatement(db, client, login):
    login(make_coordinator("DE"))
    member = make_member(status="suspended")
    response = _decide(client, member, "approve")
    assert response.status_code == 302
    with client.session_transaction() as session:
        category, message = session["_flashes"][-1]
    assert category == "error" and "not possible while it is “Suspended”" in message
    assert _status(db, member.id) == "suspended"
    assert _history(db, member) == []


# --- who may decide -----------------------------------------------------------------------------


def test_coordinator_of_another_country_can_neither_see_nor_decide(db, client, login):
    login(make_coordinator("FR"))
    member = _submitted("DE", name="Geheimstadt")

    assert "Geheimstadt" not in client.get("/review").get_data(as_text=True)
    assert client.get(f"/review/{member.id}/decide").status_code == 404
    assert _decide(client, member, "approve").status_code == 404
    assert client.post(f"/review/{member.id}/status", data={}).status_code == 404
    assert _status(db, member.id) == SUBMITTED
    assert _history(db, member) == []


def test_representative_of_the_application_cannot_decide(db, client, login):
    rep = login(make_user())
    member = _submitted(representative=rep)
    assert _decide(client, member, "approve").status_code == 403
    assert client.get(f"/review/{member.id}/decide").status_code == 403
    assert _status(db, member.id) == SUBMITTED


def test_other_representative_gets_not_found(db, client, login):
    login(make_user())
    member = _submitted()
    assert _decide(client, member, "approve").status_code == 404
    assert _status(db, member.id) == SUBMITTED


def test_admin_cannot_decide(db, client, login):
    login(make_user(role="admin"))
    member = _submitted()
    assert _decide(client, member, "approve").status_code == 404
    assert _status(db, member.id) == SUBMITTED


def test_the_public_cannot_decide(db, client):
    member = _submitted()
    response = _decide(client, member, "approve")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _status(db, member.id) == SUBMITTED


def test_deactivated_coordinator_cannot_decide(db, client, login):
    coordinator = login(make_coordinator("DE"))
    member = _submitted()
    coordinator.active = False
    db.session.commit()
    response = _decide(client, member, "approve")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _status(db, member.id) == SUBMITTED


def test_unknown_application_is_not_found(client, login):
    login(make_coordinator("DE"))
    assert client.post("/review/999999/decide", data={"decision": "approve"}).status_code == 404


# --- the history of a resubmitted application ---------------------------------------------------


def test_changes_requested_then_resubmitted_then_approved_keeps_whole_history(db, client, login):
    from portal.membership.transitions import transition

    coordinator = login(make_coordinator("DE"))
    rep = make_user()
    member = _submitted(representative=rep)
    assert _decide(client, member, "request_changes", "Add the signature page").status_code == 302
    member = db.session.get(Member, member.id)
    transition(rep, member, SUBMITTED)
    db.session.commit()
    assert _decide(client, member, "approve", "Thank you").status_code == 302

    history = [(c.actor_id, c.from_status, c.to_status, c.comment) for c in _history(db, member)]
    assert history == [
        (coordinator.id, SUBMITTED, CHANGES_REQUESTED, "Add the signature page"),
        (rep.id, CHANGES_REQUESTED, SUBMITTED, ""),
        (coordinator.id, SUBMITTED, APPROVED, "Thank you"),
    ]


def test_the_decision_form_carries_a_working_csrf_token(app, db, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    coordinator = make_coordinator("DE")
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/account/login",
        data={"email": coordinator.email, "password": "correct horse battery", "csrf_token": token},
    )
    complete_second_factor(client, coordinator)
    member = _submitted()

    assert _decide(client, member, "approve").status_code == 400
    assert _status(db, member.id) == SUBMITTED

    panel = client.get(f"/review/{member.id}/decide").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', panel).group(1)
    response = client.post(
        f"/review/{member.id}/decide",
        data={"decision": "approve", "version": member.version, "csrf_token": token},
    )
    assert response.status_code == 302
    assert _status(db, member.id) == APPROVED
