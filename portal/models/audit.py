"""The audit trail: who did which privileged action, when, on what. Append-only.

An entry outlives the people it names: its actor is a foreign key that becomes NULL when the
account is erased, and `actor_label` ("coordinator #41") and `target_label` (a member's name, an
action's title, "coordinator #12") say, without personal data, who and what it was. Entries are
written by portal.core.audit.record, in the transaction of the change they describe.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, append_only, utcnow
from portal.models.users import User


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    # Newest first, by (at, id), whichever filter applies: each index ends with the order.
    __table_args__ = (
        Index("ix_audit_entries_at_id", "at", "id"),
        Index("ix_audit_entries_actor_at", "actor_id", "at", "id"),
        Index("ix_audit_entries_action_at", "action", "at", "id"),
        Index("ix_audit_entries_target_at", "target_type", "target_id", "at", "id"),
        Index("ix_audit_entries_country_at", "country", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The actor without personal data: "administrator #3"; empty for nobody signed in.
    actor_label: Mapped[str] = mapped_column(String(40), default="")
    # A dotted name from portal.core.audit.ACTIONS, e.g. "application.approved".
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(120), default="")
    # The country the entry belongs to, so that its coordinators read it; None: administrators only.
    country: Mapped[str | None] = mapped_column(String(2))
    # A few plain values (statuses, countries, ids); never passwords, tokens or codes.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type}:{self.target_id}>"


append_only(AuditEntry)
