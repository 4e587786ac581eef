"""`flask purge`: what has passed its retention period goes, and nothing else, once."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.account.purge import purge
from portal.core import clock
from portal.extensions import db as _db
from portal.models import (
    Invitation,
    Member,
    OutboxMail,
    ServerSession,
    SignIn,
    UsedFormToken,
    User,
    utcnow,
)
from tests.factories import make_council_decision, make_member, make_user

DAY = timedelta(days=1)


@pytest.fixture
def later(monkeypatch):
    """later(days): the portal's clock that many days from now."""

    def _move(days: float):
        moment = utcnow() + timedelta(days=days)
        monkeypatch.setattr(clock, "now_utc", lambda: moment)
        return moment

    return _move


def invitation(member, **fields):
    now = utcnow()
    row = Invitation(
        member_id=member.id,
        email=fields.pop("email", "colleague@city.example.eu"),
        token_hash=fields.pop("token_hash"),
        created_at=now,
        expires_at=fields.pop("expires_at", now + 14 * DAY),
        **fields,
    )
    _db.session.add(row)
    _db.session.commit()
    return row


def test_unconfirmed_accounts_go_after_30_days(runner, later):
    unconfirmed = make_user(confirmed=False, email="late@city.example.eu")
    confirmed = make_user()
    _db.session.add(OutboxMail(recipient=unconfirmed.email, subject="Confirm", body="link"))
    _db.session.commit()
    later(29)
    assert purge().unconfirmed_accounts == 0
    later(31)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 unconfirmed account(s)" in result.output
    assert [u.id for u in _db.session.scalars(select(User))] == [confirmed.id]
    assert _db.session.scalars(select(OutboxMail)).all() == []


def test_a_link_sent_again_starts_the_period_again(later):
    user = make_user(confirmed=False)
    later(25)
    _db.session.add(
        OutboxMail(
            recipient=user.email, subject="Confirm", body="link", created_at=utcnow() + 25 * DAY
        )
    )
    _db.session.commit()
    later(40)
    assert purge().unconfirmed_accounts == 0
    later(56)
    assert purge().unconfirmed_accounts == 1


def test_erased_accounts_are_not_purged(client, login, later):
    user = make_user()
    login(user)
    client.post("/account/delete", data={"password": "correct horse battery", "understood": "y"})
    later(400)
    assert purge().unconfirmed_accounts == 0
    assert _db.session.get(User, user.id).is_erased


def test_untouched_drafts_go_after_12_months_with_their_files(app, later):
    rep = make_user()
    old = make_member(status="draft", representatives=[rep])
    submitted = make_member(status="submitted", representatives=[rep])
    decision = make_council_decision(old)
    path = Path(app.config["UPLOAD_DIR"]) / decision.id
    old_id, submitted_id, rep_id = old.id, submitted.id, rep.id
    later(360)
    assert purge().drafts == 0
    later(370)
    result = purge()
    assert (result.drafts, result.council_decision_files) == (1, 1)
    _db.session.expunge_all()
    assert _db.session.get(Member, old_id) is None
    assert not path.exists()
    assert _db.session.get(Member, submitted_id) is not None
    assert _db.session.get(User, rep_id) is not None


def test_delivered_mails_go_after_90_days(later):
    now = utcnow()
    _db.session.add_all(
        [
            OutboxMail(recipient="a@x.example.eu", subject="sent", body="", sent_at=now),
            OutboxMail(recipient="b@x.example.eu", subject="waiting", body=""),
        ]
    )
    _db.session.commit()
    later(89)
    assert purge().delivered_mails == 0
    later(91)
    assert purge().delivered_mails == 1
    assert [m.subject for m in _db.session.scalars(select(OutboxMail))] == ["waiting"]


def test_used_withdrawn_and_expired_invitations_go(later):
    member = make_member()
    now = utcnow()
    invitation(member, token_hash="1" * 64, accepted_at=now)
    invitation(member, token_hash="2" * 64, revoked_at=now)
    invitation(member, token_hash="3" * 64, expires_at=now + 2 * DAY)
    invitation(member, token_hash="4" * 64, expires_at=now + 30 * DAY)
    later(6)
    assert purge().spent_invitations == 0
    later(10)
    assert purge().spent_invitations == 3
    assert [i.token_hash for i in _db.session.scalars(select(Invitation))] == ["4" * 64]


def test_each_period_is_a_setting(app, later):
    make_user(confirmed=False)
    old = app.config["PURGE_UNCONFIRMED_ACCOUNT_DAYS"]
    app.config["PURGE_UNCONFIRMED_ACCOUNT_DAYS"] = 5
    try:
        later(6)
        assert purge().unconfirmed_accounts == 1
    finally:
        app.config["PURGE_UNCONFIRMED_ACCOUNT_DAYS"] = old


def test_purge_prints_what_it_removed_and_is_idempotent(runner, later):
    make_user(confirmed=False)
    _db.session.add(OutboxMail(recipient="a@x.example.eu", subject="s", body="", sent_at=utcnow()))
    _db.session.commit()
    later(100)
    first = runner.invoke(args=["purge"])
    assert "1 unconfirmed account(s)" in first.output
    assert "1 delivered mail(s)" in first.output
    second = runner.invoke(args=["purge"])
    assert second.exit_code == 0
    assert second.output.strip() == (
        "Removed 0 unconfirmed account(s); 0 draft application(s) with 0 council decision "
        "file(s); 0 delivered mail(s); 0 used, withdrawn or expired invitation(s); 0 ended "
        "session(s); 0 used form token(s)."
    )


def test_ended_and_abandoned_sessions_go_after_30_days(later):
    user = make_user()
    now = utcnow()
    ended = SignIn(key="e" * 64, user_id=user.id, started_at=now, last_seen_at=now, ended_at=now)
    live = SignIn(key="l" * 64, user_id=user.id, started_at=now, last_seen_at=now + 25 * DAY)
    abandoned = SignIn(key="a" * 64, user_id=user.id, started_at=now, last_seen_at=now)
    stored = ServerSession(session_id="session:old", data=b"x", expiry=now + DAY)
    _db.session.add_all([ended, live, abandoned, stored])
    _db.session.commit()
    later(29)
    assert purge().ended_sessions == 0
    assert _db.session.scalars(select(ServerSession)).all() == []  # past its expiry
    later(31)
    assert purge().ended_sessions == 2
    assert _db.session.scalars(select(SignIn.key)).all() == ["l" * 64]


def test_used_form_tokens_go_once_they_would_be_out_of_date_anyway(app, later):
    _db.session.add(UsedFormToken(nonce="n" * 24, purpose="action", used_at=utcnow()))
    _db.session.commit()
    later(6)
    assert purge().used_form_tokens == 0
    later(app.config["FORM_TOKEN_MAX_AGE"] / 86400 + 1)
    assert purge().used_form_tokens == 1
