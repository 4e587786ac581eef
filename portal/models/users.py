"""People who sign in: city representatives, coordinators and administrators."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.enums import EnumString, LabelledEnum


class Role(LabelledEnum):
    """What a user is, and so what they may do (portal.permissions decides)."""

    REPRESENTATIVE = "representative", _l("City representative")
    COORDINATOR = "coordinator", _l("Coordinator")
    ADMIN = "admin", _l("Administrator")


ROLE_REPRESENTATIVE = Role.REPRESENTATIVE
ROLE_COORDINATOR = Role.COORDINATOR
ROLE_ADMIN = Role.ADMIN
ROLES = tuple(Role)
# Roles that must sign in with a second factor and get the shorter session limits.
PRIVILEGED_ROLES = (Role.COORDINATOR, Role.ADMIN)


class User(UserMixin, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-case (auth.service.normalise_email), so the unique index is enough.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    # None until the person sets a password (an invited coordinator before accepting).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(EnumString(Role), default=ROLE_REPRESENTATIVE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the person erased their account: the row stays, stripped of everything personal,
    # so that the history they took part in still names "a former representative #id".
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised whenever every session of the user must end (password changed or reset, second
    # factor changed, deactivated, signed out everywhere): it is part of the id Flask-Login keeps
    # in each session, so a session or cookie from before no longer loads the user.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The TOTP key, encrypted (auth.second_factor); None while no second factor is set up.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last 30-second time step whose code was accepted: a code works once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Wrong codes in a row, and until when code entry is closed after too many.
    second_factor_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    second_factor_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    countries: Mapped[list["CoordinatorCountry"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="CoordinatorCountry.country"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot sign in
        return self.active

    def get_id(self) -> str:  # Flask-Login: the id kept in the session carries the version
        return f"{self.id}:{self.session_version}"

    @property
    def is_privileged(self) -> bool:
        """Coordinators and administrators: a second factor is required of them."""
        return self.role in PRIVILEGED_ROLES

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role == ROLE_COORDINATOR

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def country_codes(self) -> set[str]:
        return {c.country for c in self.countries}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class CoordinatorCountry(Base):
    """A country a coordinator answers for."""

    __tablename__ = "coordinator_countries"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="countries")
