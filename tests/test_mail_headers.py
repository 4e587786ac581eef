"""Every mail is well-formed for real mail servers (RFC 5322, RFC 3834): a Date, a Message-ID
on the portal's own domain, Auto-Submitted, and a Reply-To where a helpdesk address is set."""

import email
import email.policy
import smtplib
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from portal.core.mail import delivery
from portal.extensions import db
from portal.models import OutboxMail


def _queued(**fields) -> OutboxMail:
    mail = OutboxMail(recipient="mayor@stadt.example.de", subject="Hello", body="Text", **fields)
    db.session.add(mail)
    db.session.commit()
    return mail


def test_a_delivered_mail_has_every_header_receiving_servers_check(app, mailbox):
    mail = _queued()
    assert delivery.deliver_pending() == (1, 0)

    (message,) = mailbox.to("mayor@stadt.example.de")
    raw = email.message_from_bytes(bytes(message), policy=email.policy.strict)
    assert raw["From"] == app.config["MAIL_SENDER"]
    assert raw["Auto-Submitted"] == "auto-generated"
    sent = parsedate_to_datetime(raw["Date"])
    assert sent.tzinfo is not None
    assert abs(sent - mail.created_at) < timedelta(seconds=1)
    message_id = raw["Message-ID"].strip()  # a long header may be folded onto its next line
    assert message_id.startswith("<") and message_id.endswith(">")
    domain = app.config["MAIL_SENDER"].rpartition("@")[2].rstrip(">")
    assert message_id.endswith(f"@{domain}>")
    assert f"outbox-{mail.id}" in message_id
    assert "Reply-To" not in raw


def test_message_ids_are_unique_and_on_the_senders_domain(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SENDER", "Covenant portal <no-reply@covenant.example.eu>")
    first, second = _queued(), _queued()
    ids = {delivery.build_message(m)["Message-ID"] for m in (first, second, first)}
    assert len(ids) == 3  # each building is its own message
    assert all(i.endswith("@covenant.example.eu>") for i in ids)


def test_the_public_address_names_the_domain_when_the_sender_has_none(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SENDER", "Covenant portal")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://covenant.example.eu")
    assert delivery.mail_domain() == "covenant.example.eu"


def test_replies_go_to_the_helpdesk_where_one_is_set(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_REPLY_TO", "Helpdesk <helpdesk@covenant.example.eu>")
    _queued()
    assert delivery.deliver_pending() == (1, 0)
    (message,) = mailbox.to("mayor@stadt.example.de")
    assert message["Reply-To"] == "Helpdesk <helpdesk@covenant.example.eu>"


def test_the_date_is_when_the_mail_was_queued_even_if_sent_later(app):
    queued_at = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
    mail = _queued(created_at=queued_at)
    message = delivery.build_message(mail)
    assert parsedate_to_datetime(message["Date"]) == queued_at
    assert message["Date"].endswith("+0000")


def test_mails_sent_by_smtp_carry_the_same_headers(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, user, password):
            pass

        def send_message(self, msg):
            sent.append(msg)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_TRANSPORT", "smtp")
    _queued()
    assert delivery.deliver_pending() == (1, 0)
    (message,) = sent
    for header in ("Date", "Message-ID", "Auto-Submitted", "From", "To", "Subject"):
        assert message[header], header


@pytest.mark.parametrize("sender", ["no-reply@portal.example.eu", "Name <x@portal.example.eu>"])
def test_the_domain_comes_from_the_sender_address(app, sender, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SENDER", sender)
    assert delivery.mail_domain() == "portal.example.eu"
