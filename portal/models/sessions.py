"""Signed-in sessions: the server-side session store and the record of each sign-in.

`ServerSession` is where the session data of a browser lives when the database holds the
sessions (Redis holds them instead when REDIS_URL is set). `SignIn` is the portal's own record of
one signed-in browser, whichever store holds its data: whose it is, which browser and system,
when it started and was last seen, and when it ended. The account page lists these records and
ends them; a request whose record has ended is signed out.
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow


class ServerSession(Base):
    """One browser's session data, keyed by the random id in its cookie."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expiry: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SignIn(Base):
    """A signed-in browser: one per sign-in, ended by signing out, by the user or by events."""

    __tablename__ = "sign_ins"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A random key kept in the session: it names this record without revealing the session id.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    browser: Mapped[str] = mapped_column(String(60), default="")
    system: Mapped[str] = mapped_column(String(60), default="")
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped["User"] = relationship()  # noqa: F821 (portal.models.users)


class RecoveryCode(Base):
    """A single-use code that stands in for the second factor; only its hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UsedFormToken(Base):
    """A one-time form token that has been used: a form that creates something is carried
    out once per token, so a double click or a replayed post cannot create it twice."""

    __tablename__ = "used_form_tokens"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
