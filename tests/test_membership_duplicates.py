"""The same municipality (same country, same folded name) is never a member or open application
twice: a clear message from the service, and the database's unique index when two race."""

import threading

import pytest
from sqlalchemy import select

from portal.extensions import db as _db
from portal.membership import service
from portal.models import Member
from portal.models.members import APPROVED, DRAFT, REJECTED, SUBMITTED
from tests import factories
from tests.factories import make_council_decision, make_member, make_user
from tests.test_membership import count, field_error, post_application

DUPLICATE = "already a member of the covenant or has an open application"


def statuses() -> list[tuple[str, str]]:
    _db.session.expire_all()
    return list(_db.session.execute(select(Member.name, Member.status).order_by(Member.id)))


@pytest.mark.parametrize("existing_status", [APPROVED, SUBMITTED])
@pytest.mark.parametrize("action", ["save", "submit"])
def test_same_municipality_folded_is_refused_with_a_message(client, login, existing_status, action):
    make_member("Köln", country="DE", status=existing_status)
    login(make_user())
    response = post_application(client, name=" KOLN ", action=action)
    assert response.status_code == 422
    assert DUPLICATE in field_error(response.get_data(as_text=True), "name")
    assert count(Member) == 1


def test_same_name_in_another_country_is_another_municipality(client, login):
    make_member("Valencia", country="ES")
    login(make_user())
    assert post_application(client, name="Valencia", country="IT").status_code == 302


def test_a_rejected_application_does_not_block_a_new_one(client, login):
    make_member("Köln", status=REJECTED, slug="koln-de")
    login(make_user())
    assert post_application(client, name="Köln").status_code == 302
    assert statuses() == [("Köln", REJECTED), ("Köln", SUBMITTED)]
    assert _db.session.scalars(select(Member.slug).order_by(Member.id)).all() == [
        "koln-de",
        "koln-de-2",
    ]


def test_same_place_by_geonames_id_is_refused(client, login):
    from portal.places.service import search

    cologne = search("koln", "DE")[0].place
    make_member("Cologne", geonames_id=cologne.geonames_id)
    login(make_user())
    response = post_application(client, name="Stadt Köln", geonames_id=str(cologne.geonames_id))
    assert DUPLICATE in field_error(response.get_data(as_text=True), "name")


def test_unknown_or_foreign_geonames_id_is_dropped(client, login):
    login(make_user())
    response = post_application(client, name="Bonn", geonames_id="2886242", country="AT")
    assert response.status_code == 302
    member = _db.session.scalars(select(Member)).one()
    assert member.geonames_id is None  # Köln's id, but not in Austria


def test_two_drafts_may_exist_but_only_the_first_submission_counts(client, login):
    first, second = make_user(), make_user()
    login(first)
    post_application(client, name="Köln", action="save")
    client.post("/account/logout")
    login(second)
    post_application(client, name="Koln", action="save")
    assert statuses() == [("Köln", DRAFT), ("Koln", DRAFT)]
    client.post("/account/logout")

    login(first)
    first_member = _db.session.scalars(select(Member).order_by(Member.id)).first()
    response = client.post(f"/applications/{first_member.id}/submit", data={"version": 1})
    assert response.status_code == 302
    client.post("/account/logout")
    login(second)
    second_member = _db.session.scalars(select(Member).order_by(Member.id.desc())).first()
    response = client.post(
        f"/applications/{second_member.id}/submit", data={"version": 1}, follow_redirects=True
    )
    assert DUPLICATE in response.get_data(as_text=True)
    assert statuses() == [("Köln", SUBMITTED), ("Koln", DRAFT)]


def test_the_same_applicant_does_not_start_a_second_draft(client, login):
    login(make_user())
    post_application(client, name="Bonn", action="save")
    response = post_application(client, name="BONN", action="save")
    assert "You have an application for this municipality already" in field_error(
        response.get_data(as_text=True), "name"
    )
    assert count(Member) == 1


def test_database_index_holds_when_the_service_check_is_bypassed(client, login, monkeypatch):
    make_member("Köln", status=APPROVED)
    user = login(make_user())
    draft = make_member("Köln", status=DRAFT, representatives=[user])
    make_council_decision(draft)
    monkeypatch.setattr(service, "_check_duplicates", lambda *args: None)
    response = client.post(
        f"/applications/{draft.id}/submit", data={"version": draft.version}, follow_redirects=True
    )
    assert DUPLICATE in response.get_data(as_text=True)
    assert [s for _, s in statuses()] == [APPROVED, DRAFT]


def test_renaming_an_open_application_into_a_duplicate_is_refused(client, login, monkeypatch):
    from portal.membership.transitions import transition

    make_member("Bonn", status=APPROVED)
    user = login(make_user())
    post_application(client, name="Köln")
    member = _db.session.scalars(select(Member).where(Member.name == "Köln")).one()
    transition(None, member, "changes_requested", "Please check the name.")
    _db.session.commit()
    monkeypatch.setattr(service, "_check_duplicates", lambda *args: None)
    response = post_application(
        client,
        url=f"/applications/{member.id}/edit",
        name="Bonn",
        action="save",
        pdf=False,
        version=member.version,
    )
    assert DUPLICATE in field_error(response.get_data(as_text=True), "name")
    assert ("Köln", "changes_requested") in statuses()
    assert user.id


# --- the race --------------------------------------------------------------------------------


def test_two_simultaneous_submissions_only_one_gets_through(app, monkeypatch):
    """Two representatives submit the same municipality at once. Both pass the service's check
    (a barrier holds each until the other has checked too), so only the database can stop the
    second: exactly one is submitted, the other gets the duplicate message."""
    users = [make_user(), make_user()]
    drafts = [
        make_member("Köln", status=DRAFT, representatives=[users[0]]),
        make_member(" KOLN ", status=DRAFT, representatives=[users[1]]),
    ]
    for draft in drafts:
        make_council_decision(draft)
    ids = [m.id for m in drafts]
    emails = [u.email for u in users]
    barrier = threading.Barrier(2, timeout=30)
    real_check = service._check_duplicates

    def check_then_wait(*args):
        real_check(*args)
        barrier.wait()

    monkeypatch.setattr(service, "_check_duplicates", check_then_wait)
    answers: dict[int, str] = {}
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        # Each thread has its own client, and so its own app context, session and connection.
        client = app.test_client()
        try:
            signed_in = client.post(
                "/account/login",
                data={"email": emails[index], "password": factories.PASSWORD},
            )
            assert signed_in.status_code == 302
            response = client.post(
                f"/applications/{ids[index]}/submit", data={"version": 1}, follow_redirects=True
            )
            answers[index] = response.get_data(as_text=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(s for _, s in statuses()) == [DRAFT, SUBMITTED]
    refused = [i for i, html in answers.items() if DUPLICATE in html]
    accepted = [i for i, html in answers.items() if "is submitted for review" in html]
    assert len(refused) == 1 and len(accepted) == 1 and refused != accepted
