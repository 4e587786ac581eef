"""A municipality's membership, from its first draft application to approval and beyond.

One row per application: it starts as a draft, is submitted and decided, and once approved the
same row is the member. Its status only changes through portal.membership.transitions.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    literal_column,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from portal.models.base import Base, UTCDateTime, append_only, utcnow
from portal.models.enums import EnumString, LabelledEnum
from portal.models.users import User


class MemberStatus(LabelledEnum):
    """Where a membership stands, from its first draft to approval and beyond."""

    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    CHANGES_REQUESTED = "changes_requested", _l("Changes requested")
    REJECTED = "rejected", _l("Rejected")
    APPROVED = "approved", _l("Active member")
    ON_HOLD = "on_hold", _l("On hold")
    SUSPENDED = "suspended", _l("Suspended")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


# The states under their short names, as the services and tests import them.
DRAFT = MemberStatus.DRAFT
SUBMITTED = MemberStatus.SUBMITTED
CHANGES_REQUESTED = MemberStatus.CHANGES_REQUESTED
REJECTED = MemberStatus.REJECTED
APPROVED = MemberStatus.APPROVED
ON_HOLD = MemberStatus.ON_HOLD
SUSPENDED = MemberStatus.SUSPENDED
WITHDRAWN = MemberStatus.WITHDRAWN
STATUSES = tuple(MemberStatus)


# A municipality may hold only one row in these states at a time (enforced by a unique index).
OPEN_STATUSES = (SUBMITTED, CHANGES_REQUESTED, APPROVED, ON_HOLD, SUSPENDED)
# States in which the public sees the member.
PUBLIC_STATUSES = (APPROVED, ON_HOLD)
# States of a member (after approval).
MEMBER_STATUSES = (APPROVED, ON_HOLD, SUSPENDED, WITHDRAWN)


# What a coordinator may decide, as named in the forms; each leads to one status (`.status`).
class Decision(LabelledEnum):
    """A coordinator's decision on a submitted application."""

    APPROVE = "approve", _l("Approve: the municipality becomes a member and is listed publicly")
    REQUEST_CHANGES = (
        "request_changes",
        _l("Ask for changes: the applicant edits the application and resubmits it"),
    )
    REJECT = "reject", _l("Reject: the application is closed")

    @property
    def status(self) -> MemberStatus:
        return _DECISION_STATUS[self]


class MemberAction(LabelledEnum):
    """What a coordinator may do to a member, in the order the form offers it."""

    HOLD = "hold", _l("Put on hold: the member stays listed, marked as on hold, with the reason")
    SUSPEND = "suspend", _l("Suspend: the member is no longer listed publicly")
    WITHDRAW = "withdraw", _l("Withdraw: the membership ends")
    REINSTATE = "reinstate", _l("Reinstate: the member is active again")

    @property
    def status(self) -> MemberStatus:
        return _ACTION_STATUS[self]


_DECISION_STATUS = {
    Decision.APPROVE: MemberStatus.APPROVED,
    Decision.REJECT: MemberStatus.REJECTED,
    Decision.REQUEST_CHANGES: MemberStatus.CHANGES_REQUESTED,
}
_ACTION_STATUS = {
    MemberAction.HOLD: MemberStatus.ON_HOLD,
    MemberAction.SUSPEND: MemberStatus.SUSPENDED,
    MemberAction.WITHDRAW: MemberStatus.WITHDRAWN,
    MemberAction.REINSTATE: MemberStatus.APPROVED,
}


_open_sql = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"
# Partial indexes over the public members only, so that the directory sorts and pages 100,000
# members from an index. A query uses them when it repeats this condition with literal values
# (portal.directory.query.public_members does).
PUBLIC_SQL = "status IN (" + ", ".join(f"'{s}'" for s in PUBLIC_STATUSES) + ")"


def _public_index(name: str, *columns: str) -> Index:
    return Index(name, *columns, sqlite_where=text(PUBLIC_SQL), postgresql_where=text(PUBLIC_SQL))


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        Index(
            "uq_members_open_municipality",
            "country",
            "name_key",
            unique=True,
            sqlite_where=text(_open_sql),
            postgresql_where=text(_open_sql),
        ),
        Index("ix_members_status_country", "status", "country"),
        Index("ix_members_status_joined_on", "status", "joined_on"),
        Index("ix_members_status_population", "status", "population"),
        Index("ix_members_status_name_key", "status", "name_key"),
        # The coordinators' members list, paged by cursor per country (review.members_page).
        # With the status in it, the directory's pages of one country skip the members before
        # theirs in the index alone (page 40 of France: 0.2 ms, not 2.5, on SQLite).
        Index("ix_members_country_name_key_id_status", "country", "name_key", "id", "status"),
        _public_index("ix_members_public_name_key", "name_key"),
        _public_index("ix_members_public_population", "population"),
        _public_index("ix_members_public_joined_on", "joined_on"),
        _public_index("ix_members_public_country_name_key", "country", "name_key"),
        # A population band within countries, counted from the index alone (the state too: the
        # directory lists active members by default).
        _public_index(
            "ix_members_public_country_population_status", "country", "population", "id", "status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The slug and the country name the cached public answers a member is in: a change loads
    # the old value first (active history), so the answers of both are renewed
    # (portal.models.publicdata), even when the member was read in an earlier transaction.
    slug: Mapped[str] = mapped_column(String(140), unique=True, active_history=True)
    status: Mapped[MemberStatus] = mapped_column(EnumString(MemberStatus), default=DRAFT)
    # Bumped by every transition; a decision made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    name: Mapped[str] = mapped_column(String(120))
    # Case-, accent- and spacing-folded name, for duplicate detection and search.
    name_key: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), active_history=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    region_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str] = mapped_column(String(300), default="")
    mayor_name: Mapped[str] = mapped_column(String(120), default="")
    geonames_id: Mapped[int | None] = mapped_column(Integer)
    # Date of the council decision to join; it becomes the joining date.
    joined_on: Mapped[date | None] = mapped_column(Date)

    # Personal data: never in a public page, API or export.
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    commitments_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The latest decision's reason or comment, shown to the applicant (and on hold, publicly).
    status_comment: Mapped[str] = mapped_column(Text, default="")
    # On hold because the daily job found it late beyond the grace period (not a coordinator's
    # decision): the public page then states the late commitments themselves.
    held_automatically: Mapped[bool] = mapped_column(Boolean, default=False)
    # A coordinator's override: the daily job does not put the member on hold before this day.
    hold_exempt_until: Mapped[date | None] = mapped_column(Date)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    representatives: Mapped[list["Representation"]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )
    documents: Mapped[list["CouncilDecision"]] = relationship(
        back_populates="member",
        cascade="all, delete-orphan",
        order_by="CouncilDecision.uploaded_at",
    )
    history: Mapped[list["StatusChange"]] = relationship(
        back_populates="member", order_by="StatusChange.id"
    )

    @hybrid_property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        # Literal values, not bound parameters: the partial indexes over the public members
        # (ix_members_public_*) apply only to this exact condition.
        return cls.status.in_([literal_column(f"'{status}'") for status in PUBLIC_STATUSES])

    @property
    def council_decision(self) -> "CouncilDecision | None":
        return self.documents[-1] if self.documents else None

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.slug} {self.status}>"


class Representation(Base):
    """A user who acts for a member (the applicant, and colleagues invited later)."""

    __tablename__ = "representations"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Member] = relationship(back_populates="representatives")
    user: Mapped[User] = relationship()


class CouncilDecision(Base):
    """The signed council decision (PDF), stored under its own identifier, never its file name."""

    __tablename__ = "council_decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex, also the file name
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Member] = relationship(back_populates="documents")


class StatusChange(Base):
    """Append-only history of a membership: who moved it from which state to which, and why."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[MemberStatus] = mapped_column(EnumString(MemberStatus))
    to_status: Mapped[MemberStatus] = mapped_column(EnumString(MemberStatus))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Member] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


append_only(StatusChange)


class CountryHelpdesk(Base):
    """Where a city of one country asks for help: its national coordination's office address,
    set by the country's coordinators and shown on the help page (an office, never a person)."""

    __tablename__ = "country_helpdesks"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
