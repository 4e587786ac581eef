"""Actions a member pledges, their progress updates and coordinators' comments."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.enums import EnumString, LabelledEnum
from portal.models.members import Member
from portal.models.users import User


class ExtensionStatus(LabelledEnum):
    """Where a member's request for more time on one deadline stands."""

    REQUESTED = "requested", _l("Waiting for a decision")
    GRANTED = "granted", _l("Granted")
    REFUSED = "refused", _l("Refused")


class ActionStatus(LabelledEnum):
    """How far a pledged action has come."""

    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    COMPLETED = "completed", _l("Completed")
    CANCELLED = "cancelled", _l("Cancelled")


PLANNED = ActionStatus.PLANNED
IN_PROGRESS = ActionStatus.IN_PROGRESS
COMPLETED = ActionStatus.COMPLETED
CANCELLED = ActionStatus.CANCELLED
ACTION_STATUSES = tuple(ActionStatus)
OPEN_ACTION_STATUSES = (PLANNED, IN_PROGRESS)


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        # Also answers "has this member a published action in this category" from the index
        # alone (the directory's category filter).
        Index("ix_actions_member_published_category", "member_id", "published", "category"),
        Index("ix_actions_published_category", "published", "category"),
        Index("ix_actions_published_status", "published", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date | None] = mapped_column(Date)
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(EnumString(ActionStatus), default=PLANNED)
    percent_complete: Mapped[int] = mapped_column(Integer, default=0)
    budget_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    partners: Mapped[str] = mapped_column(Text, default="")
    # The language of the title, description and partners (a code of LANGUAGES; "" = not known).
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    good_practice: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    good_practice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    good_practice_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # When the latest progress update was reported (or the action published, if none yet).
    last_progress_on: Mapped[date | None] = mapped_column(Date)

    member: Mapped[Member] = relationship()
    spaces: Mapped[list["ActionSpace"]] = relationship(
        cascade="all, delete-orphan", order_by="ActionSpace.kind"
    )
    funding: Mapped[list["ActionFunding"]] = relationship(
        cascade="all, delete-orphan", order_by="ActionFunding.source"
    )
    updates: Mapped[list["ProgressUpdate"]] = relationship(
        back_populates="action",
        cascade="all, delete-orphan",
        order_by="(ProgressUpdate.reported_on, ProgressUpdate.id)",
    )
    comments: Mapped[list["ActionComment"]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionComment.id"
    )

    @property
    def space_kinds(self) -> list[str]:
        return [s.kind for s in self.spaces]

    @property
    def funding_sources(self) -> list[str]:
        return [f.source for f in self.funding]


class ActionSpace(Base):
    """A kind of public space an action concerns."""

    __tablename__ = "action_spaces"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)


class ActionFunding(Base):
    """A funding source an action draws on."""

    __tablename__ = "action_funding"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ProgressUpdate(Base):
    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reported_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    percent_complete: Mapped[int] = mapped_column(Integer)
    status: Mapped[ActionStatus] = mapped_column(EnumString(ActionStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action: Mapped[Action] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()


class ActionComment(Base):
    """A coordinator's comment on an action, visible to the member's representatives."""

    __tablename__ = "action_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action: Mapped[Action] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class Invitation(Base):
    """A representative's invitation of a colleague to act for the same member."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship()


class ReminderSent(Base):
    """One reminder e-mail sent; its unique key makes `flask reminders send` idempotent."""

    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "plan:42:2027-03-01:due-soon" or "progress:7:2027-05-02:overdue"
    key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadlineExtension(Base):
    """A member's one request for more time on one deadline, and the coordinator's answer.

    `deadline_key` names the deadline as the rules compute it before any extension
    ("plan:<member id>:<due date>" or "progress:<action id>:<due date>"), and is unique: a
    member asks once per deadline. A granted extension moves that deadline to `new_due_on`.
    """

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_key: Mapped[str] = mapped_column(String(80), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # deadlines.PLAN or deadlines.PROGRESS
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(Date)
    requested_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        EnumString(ExtensionStatus), default=ExtensionStatus.REQUESTED, index=True
    )
    new_due_on: Mapped[date | None] = mapped_column(Date)
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship()
    action: Mapped[Action | None] = relationship()
