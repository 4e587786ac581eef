"""The explicit lists of public fields, and the records built from them.

Every public output (the directory page, the API's JSON, GeoJSON and CSV, the map) is built
here from selected columns, never from a whole model object: a column added to a model later
(contact data, notes) cannot appear in public unless it is added to these lists.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import Row

from portal.core.links import url_builder
from portal.directory.query import STATUS_NAMES
from portal.models import Action, ProgressUpdate

# The fields of a member in every public output, in this order (CSV columns included).
MEMBER_FIELDS = (
    "slug",
    "name",
    "country",
    "region",
    "population",
    "latitude",
    "longitude",
    "joined_on",
    "status",
    "website",
    "actions",
    "url",
)

ACTION_COLUMNS = (
    Action.id,
    Action.member_id,
    Action.title,
    Action.description,
    Action.category,
    Action.status,
    Action.percent_complete,
    Action.start_date,
    Action.target_date,
    Action.budget_eur,
    Action.good_practice,
    Action.last_progress_on,
    Action.language,
)

# Progress updates in public: never their author.
UPDATE_COLUMNS = (
    ProgressUpdate.action_id,
    ProgressUpdate.reported_on,
    ProgressUpdate.text,
    ProgressUpdate.percent_complete,
    ProgressUpdate.status,
    ProgressUpdate.language,
)


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def member_record(row: Row, actions: int) -> dict:
    """A member's public fields (dates as date objects; `url` is added by the caller)."""
    return {
        "slug": row.slug,
        "name": row.name,
        "country": row.country,
        "region": row.region,
        "population": row.population,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "joined_on": row.joined_on,
        "status": STATUS_NAMES[row.status],
        "website": row.website,
        "actions": actions,
    }


def action_record(row: Row, spaces: list[str], funding: list[str]) -> dict:
    budget: Decimal | None = row.budget_eur
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "category": row.category,
        "spaces": spaces,
        "funding_sources": funding,
        "status": row.status,
        "percent_complete": row.percent_complete,
        "start_date": iso(row.start_date),
        "target_date": iso(row.target_date),
        "budget_eur": float(budget) if budget is not None else None,
        "good_practice": bool(row.good_practice),
        "last_progress_on": iso(row.last_progress_on),
        "language": row.language or None,
    }


def update_record(row: Row) -> dict:
    return {
        "reported_on": iso(row.reported_on),
        "text": row.text,
        "percent_complete": row.percent_complete,
        "status": row.status,
        "language": row.language or None,
    }


def member_url_builder() -> Callable[[str], str]:
    """slug -> absolute URL of the member's public page, without a url_for per member."""
    return url_builder("membership.member_page", "slug", _external=True)


def member_output(record: dict, member_url: Callable[[str], str]) -> dict:
    """A member record as the API and the exports give it: MEMBER_FIELDS, in order, dates in
    ISO format and the absolute URL of its page."""
    values = {name: record.get(name) for name in MEMBER_FIELDS}
    values["joined_on"] = iso(record["joined_on"])
    values["url"] = member_url(record["slug"])
    return values
