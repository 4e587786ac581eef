"""Reading the audit trail: the entries a user may read, filtered, newest first, paged by key.

Pages follow the order of the indexes, (at, id) descending, with the last entry shown as the
cursor ("older than this one"), so the hundredth page costs what the first does. Nothing here
writes: entries are only added, by portal.core.audit.record, and never changed.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from portal import permissions
from portal.extensions import db
from portal.models import AuditEntry, User

PER_PAGE = 50
# Entries are counted up to this many: past it the page says "more than 10,000", so that the
# count costs a bounded walk over an index however long the trail grows.
COUNT_LIMIT = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

TARGET_TYPES = {
    "member": _l("Member or application"),
    "action": _l("Action"),
    "user": _l("Account"),
}
SIGN_IN_FAILURES = {
    "unknown_account": _l("no account has this address"),
    "wrong_password": _l("wrong password"),
    "deactivated": _l("the account is deactivated"),
}


@dataclass
class AuditFilter:
    """What the reader asks for; every part optional. Dates are whole days in UTC, inclusive."""

    actor_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    country: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class Cursor:
    """A position in the trail: an entry's time and id."""

    at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.at - EPOCH) // timedelta(microseconds=1)}-{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor | None":
        micros, _, ident = (text or "").partition("-")
        if not (micros.isdigit() and ident.isdigit()) or len(text) > 40:
            return None
        return cls(EPOCH + timedelta(microseconds=int(micros)), int(ident))

    @classmethod
    def of(cls, entry: AuditEntry) -> "Cursor":
        return cls(entry.at, entry.id)


@dataclass
class AuditPage:
    """One page of entries, the number of all that match, and the cursors to the pages around."""

    entries: list[AuditEntry]
    total: int  # at most COUNT_LIMIT + 1, which means "more than COUNT_LIMIT"
    newer: Cursor | None = None  # the cursor of the page before this one (newer entries)
    older: Cursor | None = None  # the cursor of the page after it (older entries)
    first: bool = True

    @property
    def more_than_counted(self) -> bool:
        return self.total > COUNT_LIMIT

    accounts: dict[int, User] = field(default_factory=dict)  # the accounts entries are about


def scoped(reader: User, filters: AuditFilter) -> Select:
    """The entries the reader may read that match the filters, in no order."""
    query = select(AuditEntry)
    countries = permissions.audit_countries(reader)
    if countries is not None:
        query = query.where(AuditEntry.country.in_(sorted(countries)))
    if filters.country:
        query = query.where(AuditEntry.country == filters.country)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.since:
        query = query.where(AuditEntry.at >= _midnight(filters.since))
    if filters.until:
        query = query.where(AuditEntry.at < _midnight(filters.until + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def read(
    reader: User,
    filters: AuditFilter,
    before: Cursor | None = None,
    after: Cursor | None = None,
    per_page: int = PER_PAGE,
) -> AuditPage:
    """One page of entries, newest first: the newest, those older than `before`, or those
    newer than `after`; with the number of the entries that match, counted up to COUNT_LIMIT."""
    permissions.require(permissions.can_read_audit(reader))
    query = scoped(reader, filters)
    counted = query.with_only_columns(AuditEntry.id).limit(COUNT_LIMIT + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted))
    at, ident = AuditEntry.at, AuditEntry.id
    # `at <= x AND (at < x OR id < y)`: the range on `at` is what the indexes serve.
    if after is not None:
        query = query.where(
            at >= after.at, or_(at > after.at, and_(at == after.at, ident > after.id))
        )
        order = (at.asc(), ident.asc())
    else:
        if before is not None:
            query = query.where(
                at <= before.at, or_(at < before.at, and_(at == before.at, ident < before.id))
            )
        order = (at.desc(), ident.desc())
    rows = list(
        db.session.scalars(
            query.options(joinedload(AuditEntry.actor)).order_by(*order).limit(per_page + 1)
        )
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    if after is not None:
        rows.reverse()
    page = AuditPage(
        entries=rows, total=total, first=before is None and (after is None or not more)
    )
    if rows:
        if (after is not None and more) or before is not None:
            page.newer = Cursor.of(rows[0])
        if (after is None and more) or after is not None:
            page.older = Cursor.of(rows[-1])
    page.accounts = _accounts(rows)
    return page


def _accounts(entries: list[AuditEntry]) -> dict[int, User]:
    """The accounts the entries are about, in one query."""
    ids = {e.target_id for e in entries if e.target_type == "user" and e.target_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(sorted(ids))))}


def find_actor(text: str) -> int | None:
    """The account an actor filter names (an e-mail address, or a number such as 41 or #41)."""
    text = text.strip()
    number = text.removeprefix("#").strip()
    if number.isdigit():
        return int(number)
    if "@" in text:
        return db.session.scalar(select(User.id).where(User.email == text.lower()))
    return None
