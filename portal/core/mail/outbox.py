"""Queue a mail in the current transaction: it is sent only if that transaction commits."""

from flask import g, has_request_context, render_template
from flask_babel import force_locale

from portal.extensions import db
from portal.models import OutboxMail


def queue_mail(recipient: str, subject: str, template: str, locale: str | None = None, **context):
    """Add a mail to the session's outbox; the caller's commit makes it real.

    `template` is a plain-text template under templates/mail/.
    """
    with force_locale(locale or "en"):
        body = render_template(f"mail/{template}", **context)
        # One line: a header cannot hold a line break, and a subject made of user input (a
        # municipality's name) with one would make the mail undeliverable.
        subject_text = " ".join(str(subject).split())
    mail = OutboxMail(recipient=recipient, subject=subject_text[:200], body=body)
    db.session.add(mail)
    note_mail_waiting()
    return mail


def note_mail_waiting() -> None:
    """Tell the request's end that mail waits: once the request has committed, it is delivered
    (development) or the worker is woken (portal.core.mail.delivery)."""
    if has_request_context():
        g.mail_queued = True
