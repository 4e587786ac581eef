"""Deliver what waits in the outbox: to .eml files in development and tests, by SMTP in
production. A failed delivery is recorded and retried later, each time after twice as long; after
MAIL_MAX_ATTEMPTS the mail is given up (failed_at) and waits for an administrator. It never
touches the change that queued the mail.

Who delivers: in development, the request that queued a mail, once it has committed
(MAIL_DELIVER_AFTER_REQUEST); in production, `flask worker`, woken through Redis when REDIS_URL
is set and polling otherwise. Any number of workers may run: each mail is claimed by one."""

import logging
import smtplib
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g
from sqlalchemy import and_, or_, select, update

from portal.core import transaction
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import OutboxMail, utcnow

logger = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
CLAIM_BATCH = 10  # claimed together; sent well within CLAIM_TIMEOUT even at SMTP's timeout


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


def retry_delay(attempts: int) -> timedelta:
    """How long a mail waits after its `attempts`-th failed attempt: doubling from
    MAIL_RETRY_SECONDS, at most MAIL_RETRY_MAX_SECONDS."""
    cfg = current_app.config
    seconds = cfg["MAIL_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, cfg["MAIL_RETRY_MAX_SECONDS"]))


def _claimable(now, due_only: bool):
    conditions = [
        OutboxMail.sent_at.is_(None),
        OutboxMail.failed_at.is_(None),
        or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < now - CLAIM_TIMEOUT),
    ]
    if due_only:
        conditions.append(
            or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now)
        )
    return and_(*conditions)


@atomic
def _claim_batch(after_id: int, limit: int, due_only: bool) -> list[int]:
    """Claim the next `limit` waiting mails after `after_id` for this worker, in one statement.

    On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`: workers on several hosts each
    take mails the others have not locked, without waiting for one another. SQLite runs one
    writing statement at a time, so the claim is single there too. A claim older than
    CLAIM_TIMEOUT belongs to a worker that died, and its mails are taken over.
    """
    now = utcnow()
    picked = (
        select(OutboxMail.id)
        .where(_claimable(now, due_only), OutboxMail.id > after_id)
        .order_by(OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(picked.scalar_subquery()))
        .values(claimed_at=now)
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def _deliver_claimed(ids: list[int]) -> tuple[int, int]:
    send = TRANSPORTS[current_app.config["MAIL_TRANSPORT"]]
    sent = failed = 0
    for mail_id in ids:
        mail = db.session.get(OutboxMail, mail_id)
        try:
            send(build_message(mail), mail)
        except Exception as exc:  # any transport failure: keep the mail for a later attempt
            given_up = _record_attempt(mail, exc)
            logger.warning(
                "mail %s not delivered (attempt %s%s): %s",
                mail.id,
                mail.attempts,
                ", given up" if given_up else ", to be retried",
                exc,
            )
            failed += 1
        else:
            _record_attempt(mail, None)
            logger.info("mail %s delivered", mail.id)
            sent += 1
    return sent, failed


@atomic
def _record_attempt(mail: OutboxMail, error: Exception | None) -> bool:
    """Note the attempt; True when the mail is now given up."""
    now = utcnow()
    mail.attempts += 1
    mail.claimed_at = None
    if error is None:
        mail.sent_at = now
        mail.last_error = ""
        mail.next_attempt_at = None
        return False
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        mail.failed_at = now
        mail.next_attempt_at = None
        return True
    mail.next_attempt_at = now + retry_delay(mail.attempts)
    return False


def _deliver(limit: int | None, batch: int, due_only: bool) -> tuple[int, int]:
    if transaction.active():
        # A claim must be committed before its mail goes out, and a mail is sent only once the
        # change that queued it has committed: never from inside a unit of work.
        raise RuntimeError("mail is delivered outside any transaction of a change")
    sent = failed = 0
    after_id = 0
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        ids = _claim_batch(after_id, size, due_only)
        if not ids:
            break
        batch_sent, batch_failed = _deliver_claimed(ids)
        sent += batch_sent
        failed += batch_failed
        after_id = ids[-1]
        if left is not None:
            left -= len(ids)
    return sent, failed


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Try the oldest `limit` mails that are due once; returns (sent, failed)."""
    return _deliver(limit, CLAIM_BATCH, due_only=True)


def deliver_all(*, due_only: bool = True) -> tuple[int, int]:
    """Try every waiting mail once, oldest first, a batch at a time; returns (sent, failed).

    With `due_only` False the mails still waiting out their back-off are tried too (an
    operator's `flask mail send`). Failing mails do not hold up the ones behind them: each
    pass moves past them by id. Given-up mails are left to an administrator.
    """
    return _deliver(None, CLAIM_BATCH, due_only=due_only)


WAKE_KEY = "portal:outbox:wake"


def _redis(app: Flask):
    client = app.extensions.get("portal.outbox_redis")
    if client is None and app.config.get("REDIS_URL"):
        from redis import Redis

        client = app.extensions["portal.outbox_redis"] = Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=5
        )
    return client


def wake_worker(app: Flask) -> None:
    """Tell the workers that mail waits (through Redis, where set), so that one delivers it
    now rather than at its next poll. The outbox stays the record: a lost signal delays a mail
    by one poll, never loses it."""
    client = _redis(app)
    if client is None:
        return
    from redis.exceptions import RedisError

    try:
        pipe = client.pipeline()
        pipe.lpush(WAKE_KEY, 1)
        pipe.ltrim(WAKE_KEY, 0, 0)
        pipe.execute()
    except RedisError as error:
        logger.warning("the worker could not be woken (%s); it polls", type(error).__name__)


def wait_for_mail(app: Flask, seconds: float, stop) -> None:
    """Wait up to `seconds` for a wake-up (Redis), or until `stop` (a threading.Event) is set."""
    client = _redis(app)
    if client is not None:
        from redis.exceptions import RedisError

        try:
            # Short waits, so that a stop is seen within a second.
            deadline = seconds
            while deadline > 0 and not stop.is_set():
                step = min(1.0, deadline)
                if client.blpop([WAKE_KEY], timeout=step) is not None:
                    return
                deadline -= step
            return
        except RedisError as error:
            logger.warning("worker: Redis left out while waiting (%s)", type(error).__name__)
    stop.wait(seconds)


def register(app: Flask) -> None:
    @app.teardown_request
    def deliver_after_request(exc):
        # Only after a request that queued mail and did not fail; what the request rolled back
        # was never committed, so it is not in the outbox to be sent.
        if exc is not None or not g.pop("mail_queued", False):
            return
        if not app.config["MAIL_DELIVER_AFTER_REQUEST"]:
            wake_worker(app)  # the worker (flask worker) delivers it
            return
        try:
            transaction.release()  # the request's reads; delivery starts on fresh data
            deliver_pending()
        except Exception:
            logger.exception("delivering mail after the request failed; it stays in the outbox")
            transaction.release()
