"""`flask purge`: remove what the portal no longer needs once its retention period is over.

Each period is a setting (config.py, the README's configuration table), and the privacy notice
reads the same settings, so what it promises is what happens. Running it again removes nothing
more until more time has passed.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from portal.core import clock, transaction
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership import documents
from portal.models import (
    CouncilDecision,
    Invitation,
    Member,
    OutboxMail,
    ServerSession,
    SignIn,
    UsedFormToken,
    User,
)
from portal.models.members import DRAFT
from portal.pledges.deadlines import add_months


@dataclass(frozen=True)
class RetentionPeriods:
    unconfirmed_account_days: int
    draft_months: int
    delivered_mail_days: int
    spent_link_days: int
    ended_session_days: int
    used_form_token_seconds: int

    @classmethod
    def from_config(cls, config=None) -> "RetentionPeriods":
        config = config if config is not None else current_app.config
        return cls(
            unconfirmed_account_days=config["PURGE_UNCONFIRMED_ACCOUNT_DAYS"],
            draft_months=config["PURGE_DRAFT_MONTHS"],
            delivered_mail_days=config["PURGE_DELIVERED_MAIL_DAYS"],
            spent_link_days=config["PURGE_SPENT_LINK_DAYS"],
            ended_session_days=config["PURGE_ENDED_SESSION_DAYS"],
            # A used form token is refused as out of date after this anyway.
            used_form_token_seconds=config["FORM_TOKEN_MAX_AGE"],
        )


@dataclass(frozen=True)
class Purged:
    unconfirmed_accounts: int
    drafts: int
    council_decision_files: int
    delivered_mails: int
    spent_invitations: int
    ended_sessions: int = 0
    used_form_tokens: int = 0

    def lines(self) -> list[str]:
        return [
            f"{self.unconfirmed_accounts} unconfirmed account(s)",
            f"{self.drafts} draft application(s) with {self.council_decision_files} council "
            "decision file(s)",
            f"{self.delivered_mails} delivered mail(s)",
            f"{self.spent_invitations} used, withdrawn or expired invitation(s)",
            f"{self.ended_sessions} ended session(s)",
            f"{self.used_form_tokens} used form token(s)",
        ]


@atomic
def purge(now: datetime | None = None) -> Purged:
    """Remove everything whose retention period has passed, in one transaction."""
    now = now or clock.now_utc()
    periods = RetentionPeriods.from_config()

    account_cutoff = now - timedelta(days=periods.unconfirmed_account_days)
    unconfirmed = select(User.id, User.email).where(
        User.email_confirmed_at.is_(None),
        User.erased_at.is_(None),
        User.created_at < account_cutoff,
        # A confirmation or set-password link sent again starts the period again.
        ~select(OutboxMail.id)
        .where(OutboxMail.recipient == User.email, OutboxMail.created_at >= account_cutoff)
        .exists(),
    )
    accounts = db.session.execute(unconfirmed).all()
    if accounts:
        # Their confirmation (or set-password) mails go with them.
        addresses = [row.email for row in accounts]
        db.session.execute(delete(OutboxMail).where(OutboxMail.recipient.in_(addresses)))
        db.session.execute(
            delete(User)
            .where(User.id.in_([row.id for row in accounts]))
            .execution_options(synchronize_session=False)
        )

    draft_cutoff = datetime.combine(
        add_months(now.date(), -periods.draft_months), time(), now.tzinfo
    )
    drafts = list(
        db.session.scalars(
            select(Member.id).where(Member.status == DRAFT, Member.updated_at < draft_cutoff)
        )
    )
    files: list[str] = []
    if drafts:
        files = list(
            db.session.scalars(
                select(CouncilDecision.id).where(CouncilDecision.member_id.in_(drafts))
            )
        )
        db.session.execute(
            delete(Member).where(Member.id.in_(drafts)).execution_options(synchronize_session=False)
        )

    mail_cutoff = now - timedelta(days=periods.delivered_mail_days)
    mails = db.session.execute(
        # Delivered, or given up after its last attempt (its address is personal data too).
        delete(OutboxMail).where(
            or_(OutboxMail.sent_at < mail_cutoff, OutboxMail.failed_at < mail_cutoff)
        )
    ).rowcount

    link_cutoff = now - timedelta(days=periods.spent_link_days)
    invitations = db.session.execute(
        delete(Invitation).where(
            or_(
                Invitation.accepted_at < link_cutoff,
                Invitation.revoked_at < link_cutoff,
                Invitation.expires_at < link_cutoff,
            )
        )
    ).rowcount

    # Sessions: a record of a sign-in that ended, or that nobody used for the whole period (no
    # session lasts that long unused: remember-me ends after 14 days), with any stored data
    # of sessions past their expiry.
    session_cutoff = now - timedelta(days=periods.ended_session_days)
    sessions = db.session.execute(
        delete(SignIn).where(
            or_(SignIn.ended_at < session_cutoff, SignIn.last_seen_at < session_cutoff)
        )
    ).rowcount
    db.session.execute(delete(ServerSession).where(ServerSession.expiry < now))

    token_cutoff = now - timedelta(seconds=periods.used_form_token_seconds)
    tokens = db.session.execute(
        delete(UsedFormToken).where(UsedFormToken.used_at < token_cutoff)
    ).rowcount

    for identifier in files:
        # The files go only once the rows pointing to them are gone for good.
        transaction.on_commit(lambda identifier=identifier: documents.delete(identifier))
    return Purged(
        unconfirmed_accounts=len(accounts),
        drafts=len(drafts),
        council_decision_files=len(files),
        delivered_mails=mails,
        spent_invitations=invitations,
        ended_sessions=sessions,
        used_form_tokens=tokens,
    )
