"""Everything the portal holds about a person, as one JSON document (GDPR Art. 15 and 20).

The document is built from the explicit sections below: each names the model, the column that
ties a row to the person (their user id, or their e-mail address) and the fields exported. A
test checks that every column referring to a user is covered by a section, so a new kind of
personal data cannot be forgotten here.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from portal import permissions
from portal.core import clock
from portal.extensions import db
from portal.models import (
    Action,
    ActionComment,
    AuditEntry,
    CoordinatorCountry,
    CouncilDecision,
    CountryHelpdesk,
    DeadlineExtension,
    Invitation,
    Member,
    OutboxMail,
    ProgressUpdate,
    RecoveryCode,
    Representation,
    SignIn,
    StatusChange,
    User,
)

BY_ID = "id"
BY_EMAIL = "email"


@dataclass(frozen=True)
class Section:
    """One list in the export: the rows of `model` whose `owner` column is the person's."""

    name: str
    owner: InstrumentedAttribute
    fields: tuple[str, ...]
    by: str = BY_ID

    @property
    def model(self):
        return self.owner.class_


ACCOUNT_FIELDS = (
    "id",
    "email",
    "name",
    "role",
    "active",
    "locale",
    "created_at",
    "email_confirmed_at",
    "last_login_at",
    "totp_enrolled_at",
)

SECTIONS: tuple[Section, ...] = (
    Section("countries", CoordinatorCountry.user_id, ("country",)),
    Section(
        "sessions",
        SignIn.user_id,
        ("browser", "system", "remember", "started_at", "last_seen_at", "ended_at"),
    ),
    # Only whether each recovery code was used: the codes themselves are kept as hashes.
    Section("recovery_codes", RecoveryCode.user_id, ("used_at",)),
    Section("representations", Representation.user_id, ("member_id", "member.name", "created_at")),
    Section(
        "applications",
        Member.created_by_id,
        (
            "id",
            "name",
            "country",
            "region",
            "status",
            "website",
            "mayor_name",
            "contact_name",
            "contact_email",
            "contact_phone",
            "joined_on",
            "commitments_accepted_at",
            "created_at",
            "updated_at",
            "submitted_at",
            "approved_at",
        ),
    ),
    Section(
        "council_decisions_uploaded",
        CouncilDecision.uploaded_by_id,
        ("id", "member_id", "member.name", "size", "sha256", "uploaded_at"),
    ),
    Section(
        "history_entries",
        StatusChange.actor_id,
        ("member_id", "member.name", "from_status", "to_status", "comment", "created_at"),
    ),
    Section(
        "audit_entries",
        AuditEntry.actor_id,
        ("at", "action", "target_type", "target_id", "target_label", "country", "details"),
    ),
    Section(
        "actions_created",
        Action.created_by_id,
        ("id", "member_id", "member.name", "title", "created_at"),
    ),
    Section(
        "good_practice_marked",
        Action.good_practice_by_id,
        ("id", "member_id", "member.name", "title", "good_practice_at"),
    ),
    Section(
        "progress_updates",
        ProgressUpdate.author_id,
        ("id", "action_id", "reported_on", "text", "percent_complete", "status", "created_at"),
    ),
    Section("comments", ActionComment.author_id, ("id", "action_id", "body", "created_at")),
    Section(
        "invitations_sent",
        Invitation.invited_by_id,
        (
            "member_id",
            "member.name",
            "email",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ),
    ),
    Section(
        "invitations_received",
        Invitation.email,
        ("member_id", "member.name", "created_at", "expires_at", "accepted_at", "revoked_at"),
        by=BY_EMAIL,
    ),
    Section(
        "invitations_accepted",
        Invitation.accepted_by_id,
        ("member_id", "member.name", "email", "accepted_at"),
    ),
    Section(
        "extensions_requested",
        DeadlineExtension.requested_by_id,
        (
            "id",
            "member_id",
            "member.name",
            "kind",
            "due_on",
            "requested_until",
            "reason",
            "status",
            "requested_at",
        ),
    ),
    Section(
        "extensions_decided",
        DeadlineExtension.decided_by_id,
        (
            "id",
            "member_id",
            "member.name",
            "status",
            "new_due_on",
            "decision_comment",
            "decided_at",
        ),
    ),
    Section("helpdesk_addresses_set", CountryHelpdesk.updated_by_id, ("country", "updated_at")),
    Section(
        "helpdesk_addresses",
        CountryHelpdesk.email,
        ("country", "email", "website", "updated_at"),
        by=BY_EMAIL,
    ),
    Section(
        "mails",
        OutboxMail.recipient,
        ("subject", "body", "created_at", "sent_at"),
        by=BY_EMAIL,
    ),
)


def covered_columns() -> set[tuple[str, str]]:
    """(table, column) of every column the export looks the person up by."""
    columns = {("users", "id")}
    for section in SECTIONS:
        columns.add((section.model.__tablename__, section.owner.key))
    return columns


def _value(row, path: str):
    value = row
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _rows(section: Section, user: User) -> list[dict]:
    key = user.email if section.by == BY_EMAIL else user.id
    primary = section.model.__mapper__.primary_key
    rows = db.session.scalars(select(section.model).where(section.owner == key).order_by(*primary))
    return [{path: _value(row, path) for path in section.fields} for row in rows]


def personal_data(actor: User, user: User) -> dict:
    """The export of `user`'s data, for `actor` (only the person themselves)."""
    permissions.require(permissions.can_export_personal_data(actor, user))
    document = {
        "portal": current_app.config["PORTAL_NAME"],
        "exported_at": clock.now_utc().isoformat(),
        "account": {path: _value(user, path) for path in ACCOUNT_FIELDS},
    }
    for section in SECTIONS:
        document[section.name] = _rows(section, user)
    return document
