"""Deliver what waits in the outbox: to .eml files in development and tests, by SMTP in
production. A failed delivery is recorded and retried later; it never touches the change that
queued the mail."""

import logging
import smtplib
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g
from sqlalchemy import or_, select, update

from portal.core import transaction
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import OutboxMail, utcnow

logger = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 10


def mail_domain() -> str:
    """The portal's own mail domain: the sender address's, else the public address's host."""
    address = parseaddr(current_app.config["MAIL_SENDER"])[1]
    domain = address.rpartition("@")[2].strip() if "@" in address else ""
    if not domain:
        domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or ""
    return domain or "localhost"


def build_message(mail: OutboxMail) -> EmailMessage:
    """The mail as receiving servers expect it (RFC 5322 and RFC 3834): dated when it was
    queued, identified on the portal's own domain, marked as sent by a machine so that no
    server answers it automatically, and answered to the helpdesk where one is set."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = mail.recipient
    if cfg.get("MAIL_REPLY_TO"):
        msg["Reply-To"] = cfg["MAIL_REPLY_TO"]
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime((mail.created_at or utcnow()).astimezone(UTC))
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain=mail_domain())
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body)
    return msg


def send_via_file(msg: EmailMessage, mail: OutboxMail) -> None:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = mail.created_at.strftime("%Y%m%dT%H%M%S")
    (folder / f"{stamp}-{mail.id:06d}.eml").write_bytes(bytes(msg))


def send_via_smtp(msg: EmailMessage, mail: OutboxMail) -> None:
    cfg = current_app.config
    with smtplib.SMTP(cfg["MAIL_SMTP_HOST"], cfg["MAIL_SMTP_PORT"], timeout=20) as smtp:
        if cfg["MAIL_SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["MAIL_SMTP_USER"]:
            smtp.login(cfg["MAIL_SMTP_USER"], cfg["MAIL_SMTP_PASSWORD"] or "")
        smtp.send_message(msg)


TRANSPORTS = {"file": send_via_file, "smtp": send_via_smtp}


@atomic
def _claim(mail_id: int) -> bool:
    """Mark a mail as being delivered; False if another worker has it or it went already."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.sent_at.is_(None),
            or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now)
    )
    return result.rowcount == 1


def _waiting_ids(after_id: int, limit: int) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMail.id)
            .where(
                OutboxMail.sent_at.is_(None),
                OutboxMail.attempts < MAX_ATTEMPTS,
                OutboxMail.id > after_id,
            )
            .order_by(OutboxMail.id)
            .limit(limit)
        )
    )


def _deliver(ids: list[int]) -> tuple[int, int]:
    if transaction.active():
        # A claim must be committed before its mail goes out, and a mail is sent only once the
        # change that queued it has committed: never from inside a unit of work.
        raise RuntimeError("mail is delivered outside any transaction of a change")
    send = TRANSPORTS[current_app.config["MAIL_TRANSPORT"]]
    sent = failed = 0
    for mail_id in ids:
        if not _claim(mail_id):
            continue
        mail = db.session.get(OutboxMail, mail_id)
        try:
            send(build_message(mail), mail)
        except Exception as exc:  # any transport failure: keep the mail for a later attempt
            logger.warning(
                "mail %s to %s not delivered, to be retried: %s", mail.id, mail.recipient, exc
            )
            _record_attempt(mail, exc)
            failed += 1
        else:
            logger.info("mail %s delivered to %s", mail.id, mail.recipient)
            _record_attempt(mail, None)
            sent += 1
    return sent, failed


@atomic
def _record_attempt(mail: OutboxMail, error: Exception | None) -> None:
    mail.attempts += 1
    if error is None:
        mail.sent_at = utcnow()
        mail.last_error = ""
    else:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        mail.claimed_at = None


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Try the oldest `limit` waiting mails once; returns (sent, failed)."""
    return _deliver(_waiting_ids(0, limit))


def deliver_all(batch: int = 100) -> tuple[int, int]:
    """Try every waiting mail once, oldest first, a batch at a time; returns (sent, failed).

    Failing mails do not hold up the ones behind them: each pass moves past them by id.
    """
    sent = failed = 0
    after_id = 0
    while ids := _waiting_ids(after_id, batch):
        batch_sent, batch_failed = _deliver(ids)
        sent += batch_sent
        failed += batch_failed
        after_id = ids[-1]
    return sent, failed


def register(app: Flask) -> None:
    @app.teardown_request
    def deliver_after_request(exc):
        # Only after a request that queued mail and did not fail; what the request rolled back
        # was never committed, so it is not in the outbox to be sent.
        if exc is not None or not g.pop("mail_queued", False):
            return
        if not app.config["MAIL_DELIVER_AFTER_REQUEST"]:
            return
        try:
            transaction.release()  # the request's reads; delivery starts on fresh data
            deliver_pending()
        except Exception:
            logger.exception("delivering mail after the request failed; it stays in the outbox")
            transaction.release()
