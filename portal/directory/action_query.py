"""Filters over published actions of public members (the API's /actions): parsed and checked
here, turned into SQL here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.datastructures import MultiDict

from portal.core.countries import COUNTRY_CODES
from portal.core.folding import is_slug
from portal.core.inputs import MAX_PAGE, whole_number
from portal.directory.query import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    FilterError,
    category_keys,
)
from portal.models import Action, Member
from portal.models.pledges import ACTION_STATUSES

ACTION_PARAMETERS = ("category", "status", "country", "member", "page", "per_page")


@dataclass(frozen=True)
class ActionFilters:
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    member: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    errors: tuple[FilterError, ...] = ()

    @property
    def key(self) -> tuple:
        return (self.categories, self.statuses, self.countries, self.member)


def _values(args: MultiDict, name: str, allowed, errors: list, upper: bool = False) -> tuple:
    chosen: list[str] = []
    for raw in args.getlist(name):
        for value in raw.replace(",", " ").split():
            value = value.upper() if upper else value
            if value not in allowed:
                errors.append(
                    FilterError(
                        name,
                        _("Unknown %(name)s “%(value)s”.", name=name, value=value[:40]),
                        sorted(allowed),
                    )
                )
            elif value not in chosen:
                chosen.append(value)
    return tuple(sorted(chosen))


def _positive(args: MultiDict, name: str, default: int, maximum: int, errors: list) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    value = whole_number(raw, 1, maximum)
    if value is not None:
        return value
    errors.append(
        FilterError(
            name,
            _(
                "%(name)s must be a whole number from %(minimum)d to %(maximum)d.",
                name=name,
                minimum=1,
                maximum=maximum,
            ),
        )
    )
    return default


def parse_action_filters(args: MultiDict) -> ActionFilters:
    errors: list[FilterError] = []
    return ActionFilters(
        categories=_values(args, "category", category_keys(), errors),
        statuses=_values(args, "status", ACTION_STATUSES, errors),
        countries=_values(args, "country", COUNTRY_CODES, errors, upper=True),
        member=(args.get("member") or "").strip(),
        page=_positive(args, "page", 1, MAX_PAGE, errors),
        per_page=_positive(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, errors),
        errors=tuple(errors),
    )


def action_conditions(filters: ActionFilters) -> list[ColumnElement[bool]]:
    """Published actions of public members, narrowed by the filters (join Member yourself)."""
    terms: list[ColumnElement[bool]] = [Action.published.is_(True), Member.is_public]
    if filters.categories:
        terms.append(Action.category.in_(filters.categories))
    if filters.statuses:
        terms.append(Action.status.in_(filters.statuses))
    if filters.countries:
        terms.append(Member.country.in_(filters.countries))
    if filters.member:
        terms.append(Member.slug == filters.member if is_slug(filters.member) else false())
    return terms


def filtered_actions(filters: ActionFilters, *columns) -> Select:
    """The matching actions, newest first, with the given columns (Member's may be among them)."""
    return (
        select(*columns)
        .join(Member, Member.id == Action.member_id)
        .where(and_(*action_conditions(filters)))
        .order_by(Action.id.desc())
    )


def count_actions(filters: ActionFilters) -> Select:
    return (
        select(func.count())
        .select_from(Action)
        .join(Member, Member.id == Action.member_id)
        .where(and_(*action_conditions(filters)))
    )
