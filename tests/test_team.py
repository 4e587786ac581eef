"""A member's team: invitations by e-mail (hashed tokens, expiry, matching confirmed account)
and leaving, through HTTP and at the service level."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.core.errors import NotAllowed
from portal.extensions import db as _db
from portal.models import Invitation, Representation, utcnow
from portal.team import service
from tests.factories import form_token, make_coordinator, make_member, make_user


@pytest.fixture
def rep():
    return make_user(name="Anna Officer")


@pytest.fixture
def member(rep):
    return make_member(name="Musterstadt", representatives=[rep])


def invite_by_http(client, login, rep, member, email):
    login(rep)
    response = client.post(
        f"/team/{member.id}/invite", data={"form_token": form_token(), "email": email}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/account/logout")


def team_of(member):
    return set(
        _db.session.scalars(
            select(Representation.user_id).where(Representation.member_id == member.id)
        )
    )


def test_invitation_mail_and_hashed_token(client, login, rep, member, mailbox):
    invite_by_http(client, login, rep, member, "  Colleague@Musterstadt.example.eu ")
    link = mailbox.last_link("colleague@musterstadt.example.eu", "/team/join/")
    token = link.rsplit("/", 1)[1]
    invitation = _db.session.scalar(select(Invitation))
    assert invitation.email == "colleague@musterstadt.example.eu"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert invitation.invited_by_id == rep.id
    (mail,) = mailbox.to("colleague@musterstadt.example.eu")
    assert "Musterstadt" in mailbox.body(mail) and "Anna Officer" in mailbox.body(mail)


def test_colleague_with_matching_confirmed_account_joins(client, login, rep, member, mailbox):
    colleague = make_user(email="colleague@musterstadt.example.eu", name="Ben Colleague")
    invite_by_http(client, login, rep, member, colleague.email)
    link = mailbox.last_link(colleague.email, "/team/join/")
    anonymous = client.get(link)
    assert anonymous.status_code == 200
    html = anonymous.get_data(as_text=True)
    assert "Musterstadt" in html and "Sign in" in html and "Create an account" in html
    login(colleague)
    page = client.get(link)
    assert "Join Musterstadt" in page.get_data(as_text=True)
    response = client.post(link)
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{member.id}"
    assert team_of(member) == {rep.id, colleague.id}
    invitation = _db.session.scalar(select(Invitation))
    assert invitation.accepted_at is not None and invitation.accepted_by_id == colleague.id
    (joined,) = [m for m in mailbox.to(rep.email) if "joined" in m["Subject"]]
    assert "Ben Colleague" in mailbox.body(joined)
    # The link works once.
    again = client.get(link)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)


def test_sign_in_link_comes_back_to_the_invitation(client, rep, member, mailbox, login):
    invite_by_http(client, login, rep, member, "new@musterstadt.example.eu")
    link = mailbox.last_link("new@musterstadt.example.eu", "/team/join/")
    html = client.get(link).get_data(as_text=True)
    assert f'href="/account/login?next={link}"' in html


def test_wrong_account_is_told_clearly_and_nothing_changes(client, login, rep, member, mailbox):
    invite_by_http(client, login, rep, member, "colleague@musterstadt.example.eu")
    link = mailbox.last_link("colleague@musterstadt.example.eu", "/team/join/")
    stranger = make_user(email="someone.else@elsewhere.example.eu")
    login(stranger)
    page = client.get(link)
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "sent to colleague@musterstadt.example.eu" in html
    assert "signed in as someone.else@elsewhere.example.eu" in html
    assert client.post(link).status_code == 403
    assert team_of(member) == {rep.id}
    assert _db.session.scalar(select(Invitation)).accepted_at is None


def test_unconfirmed_account_must_confirm_first(client, login, rep, member, mailbox):
    invite_by_http(client, login, rep, member, "fresh@musterstadt.example.eu")
    link = mailbox.last_link("fresh@musterstadt.example.eu", "/team/join/")
    fresh = make_user(email="fresh@musterstadt.example.eu", confirmed=False)
    login(fresh)
    response = client.post(link)
    assert response.status_code == 403
    assert "Confirm your e-mail address" in response.get_data(as_text=True)
    assert team_of(member) == {rep.id}


def test_coordinator_account_cannot_join(client, login, rep, member, mailbox):
    coordinator = make_coordinator("DE", email="coord@musterstadt.example.eu")
    invite_by_http(client, login, rep, member, coordinator.email)
    link = mailbox.last_link(coordinator.email, "/team/join/")
    login(coordinator)
    response = client.post(link)
    assert response.status_code == 403 and "coordinator" in response.get_data(as_text=True)
    assert team_of(member) == {rep.id}


def test_expired_invitation(client, login, rep, member, mailbox):
    colleague = make_user(email="late@musterstadt.example.eu")
    invite_by_http(client, login, rep, member, colleague.email)
    link = mailbox.last_link(colleague.email, "/team/join/")
    invitation = _db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()
    login(colleague)
    response = client.post(link)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert team_of(member) == {rep.id}


def test_revoked_invitation(client, login, rep, member, mailbox):
    colleague = make_user(email="gone@musterstadt.example.eu")
    invite_by_http(client, login, rep, member, colleague.email)
    link = mailbox.last_link(colleague.email, "/team/join/")
    invitation = _db.session.scalar(select(Invitation))
    login(rep)
    page = client.get(f"/team/{member.id}").get_data(as_text=True)
    assert "Withdraw the invitation to gone@musterstadt.example.eu" in page
    client.post(f"/team/{member.id}/invitations/{invitation.id}/revoke")
    page = client.get(f"/team/{member.id}").get_data(as_text=True)
    assert "Withdraw the invitation to gone@musterstadt.example.eu" not in page
    client.post("/account/logout")
    login(colleague)
    response = client.post(link)
    assert response.status_code == 410 and "withdrawn" in response.get_data(as_text=True)
    assert team_of(member) == {rep.id}


def test_unknown_token(client, login):
    login(make_user())
    response = client.get("/team/join/not-a-real-token")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


def test_new_invitation_replaces_the_pending_one(client, login, rep, member, mailbox):
    invite_by_http(client, login, rep, member, "twice@musterstadt.example.eu")
    first = mailbox.last_link("twice@musterstadt.example.eu", "/team/join/")
    invite_by_http(client, login, rep, member, "twice@musterstadt.example.eu")
    second = mailbox.last_link("twice@musterstadt.example.eu", "/team/join/")
    assert first != second
    colleague = make_user(email="twice@musterstadt.example.eu")
    login(colleague)
    assert client.post(first).status_code == 410
    assert client.post(second).status_code == 302
    assert colleague.id in team_of(member)


def test_accept_from_the_dashboard_after_creating_an_account(client, login, rep, member):
    invite_by_http(client, login, rep, member, "later@musterstadt.example.eu")
    colleague = make_user(email="later@musterstadt.example.eu")
    login(colleague)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "You are invited to represent Musterstadt." in html
    invitation = _db.session.scalar(select(Invitation))
    response = client.post(f"/team/invitations/{invitation.id}/accept")
    assert response.status_code == 302
    assert colleague.id in team_of(member)
    assert "You are invited" not in client.get("/dashboard").get_data(as_text=True)


def test_dashboard_accept_is_only_for_the_invited_address(client, login, rep, member):
    invite_by_http(client, login, rep, member, "right@musterstadt.example.eu")
    invitation = _db.session.scalar(select(Invitation))
    login(make_user(email="wrong@musterstadt.example.eu"))
    assert client.post(f"/team/invitations/{invitation.id}/accept").status_code == 404
    assert team_of(member) == {rep.id}


def test_invite_rules(client, login, rep, member):
    login(rep)
    own = client.post(
        f"/team/{member.id}/invite", data={"form_token": form_token(), "email": rep.email.upper()}
    )
    assert own.status_code == 422
    assert "represents the member already" in own.get_data(as_text=True)
    bad = client.post(
        f"/team/{member.id}/invite", data={"form_token": form_token(), "email": "not an address"}
    )
    assert bad.status_code == 422 and 'id="email-error"' in bad.get_data(as_text=True)
    assert _db.session.scalar(select(Invitation)) is None


def test_outsiders_cannot_see_or_change_a_team(client, login, rep, member):
    other_rep = make_user()
    make_member(representatives=[other_rep])
    for outsider in (other_rep, make_coordinator("DE"), make_user(role="admin")):
        login(outsider)
        assert client.get(f"/team/{member.id}").status_code == 404
        assert (
            client.post(
                f"/team/{member.id}/invite", data={"form_token": form_token(), "email": "x@y.eu"}
            ).status_code
            == 404
        )
        assert client.post(f"/team/{member.id}/leave").status_code == 404
        client.post("/account/logout")
    assert _db.session.scalar(select(Invitation)) is None
    assert team_of(member) == {rep.id}


def test_team_page_lists_representatives(client, login, rep, member):
    colleague = make_user(name="Ben Colleague")
    _db.session.add(Representation(member_id=member.id, user_id=colleague.id))
    _db.session.commit()
    login(rep)
    html = client.get(f"/team/{member.id}").get_data(as_text=True)
    assert "Anna Officer" in html and "Ben Colleague" in html and colleague.email in html


def test_the_last_representative_cannot_leave(client, login, rep, member):
    login(rep)
    response = client.post(f"/team/{member.id}/leave", follow_redirects=True)
    assert "last representative" in response.get_data(as_text=True)
    assert team_of(member) == {rep.id}
    with pytest.raises(service.TeamError):
        service.leave(rep, member)
    assert team_of(member) == {rep.id}


def test_a_representative_with_colleagues_can_leave(client, login, rep, member):
    colleague = make_user()
    _db.session.add(Representation(member_id=member.id, user_id=colleague.id))
    _db.session.commit()
    login(rep)
    response = client.post(f"/team/{member.id}/leave")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert team_of(member) == {colleague.id}
    assert client.get(f"/plans/{member.id}").status_code == 404
    # The colleague is now the last one.
    with pytest.raises(service.TeamError, match="last representative"):
        service.leave(colleague, _db.session.get(type(member), member.id))


def test_invitation_to_a_member_no_longer_active(client, login, rep, mailbox):
    member = make_member(representatives=[rep])
    invite_by_http(client, login, rep, member, "x@musterstadt.example.eu")
    link = mailbox.last_link("x@musterstadt.example.eu", "/team/join/")
    member.status = "rejected"
    _db.session.commit()
    login(make_user(email="x@musterstadt.example.eu"))
    response = client.post(link)
    assert response.status_code == 410
    assert rep.id in team_of(member) and len(team_of(member)) == 1


def test_service_refuses_a_used_invitation_even_when_raced(db, rep, member):
    colleague = make_user(email="race@musterstadt.example.eu")
    invitation = service.invite(rep, member, colleague.email)
    assert invitation.accepted_at is None  # loaded: this request saw it unused
    # Another request accepts it between our read and our write.
    with db.engine.begin() as conn:
        conn.execute(
            update(Invitation).where(Invitation.id == invitation.id).values(accepted_at=utcnow())
        )
    with pytest.raises(service.TeamError, match="used already"):
        service.accept(colleague, invitation)
    assert team_of(member) == {rep.id}


def test_service_invite_needs_a_representative(db, rep, member):
    for user in (make_user(), make_coordinator("DE")):
        with pytest.raises(NotAllowed):
            service.invite(user, member, "a@b.eu")


@pytest.mark.postgres
def test_two_colleagues_leaving_at_once_leave_one_behind(app, monkeypatch):
    """The member row is locked while counting, so the second leaver waits, then sees that it
    is the last one."""
    import threading
    import time

    from tests import factories

    first, second = make_user(), make_user()
    member = make_member(representatives=[first, second])
    counted = threading.Event()
    real_count = service._count_representatives

    def count_then_linger(member_id):
        number = real_count(member_id)
        if threading.current_thread().name == "first":
            counted.set()
            time.sleep(0.5)  # the second leaver arrives while we still hold the lock
        return number

    monkeypatch.setattr(service, "_count_representatives", count_then_linger)
    answers: dict[str, str] = {}
    errors: list[BaseException] = []

    member_id, emails = member.id, {"first": first.email, "second": second.email}

    def leave(name: str, wait: bool) -> None:
        client = app.test_client()
        try:
            client.post(
                "/account/login", data={"email": emails[name], "password": factories.PASSWORD}
            )
            if wait:
                assert counted.wait(30)
            answers[threading.current_thread().name] = client.post(
                f"/team/{member_id}/leave"
            ).headers["Location"]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=leave, args=("first", False), name="first"),
        threading.Thread(target=leave, args=("second", True), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert answers == {"first": "/dashboard", "second": f"/team/{member_id}"}
    assert team_of(member) == {second.id}
