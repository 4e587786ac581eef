"""The portal's clock: every date and time it shows or counts by comes from here."""

from datetime import UTC, date, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_utc() -> date:
    """The date in UTC, the calendar every deadline is counted in."""
    return now_utc().date()
