"""The lists users choose from when they describe an action: categories (each with a one-line
explanation shown on the forms and the good-practice page), kinds of public space, funding
sources, and the action statuses a progress update may set. The one place these lists live;
forms, validation, filters and pages read them from here. The statuses themselves, with their
labels, are portal.models.pledges.ActionStatus.
"""

from flask_babel import lazy_gettext as _l

from portal.models.pledges import COMPLETED, IN_PROGRESS, PLANNED, ActionStatus

# key -> (label, one-line explanation)
CATEGORIES: dict[str, tuple[object, object]] = {
    "vulnerability_assessment": (
        _l("Vulnerability assessment of public spaces"),
        _l("Find out how exposed squares, venues and hubs are, for example with the EU checklist."),
    ),
    "security_by_design": (
        _l("Security by design and physical protection"),
        _l("Bollards, planters, street layout and shelters built into the design of a place."),
    ),
    "detection_technology": (
        _l("Detection and surveillance technology (with privacy safeguards)"),
        _l("Detection or camera systems, used lawfully and with data-protection safeguards."),
    ),
    "awareness_training": (
        _l("Awareness, training and exercises"),
        _l("Training and joint exercises for staff of venues, police, stewards and the public."),
    ),
    "public_private": (
        _l("Public–private cooperation with the operators of public spaces"),
        _l("Common plans with those who run malls, venues, transport hubs and hospitality."),
    ),
    "crisis_management": (
        _l("Crisis management and first response"),
        _l("Plans, drills and coordination for emergencies, across services and borders."),
    ),
    "preventing_radicalisation": (
        _l("Preventing radicalisation (education, social inclusion, community work)"),
        _l("Local work in schools, neighbourhoods and communities, and support for practitioners."),
    ),
    "good_practice_exchange": (
        _l("Exchange of good practice and peer learning"),
        _l("Visits, networks and shared guidance between cities."),
    ),
    "eu_funding": (
        _l("EU funding and projects"),
        _l(
            "Bids and projects under the Internal Security Fund, Urban Innovative Actions and more."
        ),
    ),
    "places_of_worship": (
        _l("Protection of places of worship"),
        _l("Protective measures agreed with the communities who use places of worship."),
    ),
    "other": (
        _l("Other"),
        _l("Any other action that makes public spaces safer."),
    ),
}

SPACE_KINDS: dict[str, object] = {
    "squares_streets": _l("Squares and streets"),
    "transport_hubs": _l("Transport hubs"),
    "shopping_areas": _l("Shopping areas and markets"),
    "event_venues": _l("Event venues and stadiums"),
    "places_of_worship": _l("Places of worship"),
    "school_surroundings": _l("School surroundings"),
    "parks": _l("Parks and green spaces"),
    "waterfronts_beaches": _l("Waterfronts and beaches"),
    "cultural_sites": _l("Cultural and tourist sites"),
    "other": _l("Other public spaces"),
}

FUNDING_SOURCES: dict[str, object] = {
    "isf_police": _l("EU Internal Security Fund – Police"),
    "uia": _l("Urban Innovative Actions"),
    "other_eu": _l("Other EU funds"),
    "national": _l("National"),
    "regional": _l("Regional"),
    "municipal": _l("Municipal"),
    "private": _l("Private partners"),
}

# What a progress update may set; cancelling is its own step, with a reason.
PROGRESS_STATUSES = (PLANNED, IN_PROGRESS, COMPLETED)


def category_label(key: str) -> str:
    return str(CATEGORIES[key][0]) if key in CATEGORIES else key


def category_explanation(key: str) -> str:
    return str(CATEGORIES[key][1]) if key in CATEGORIES else ""


def space_label(key: str) -> str:
    return str(SPACE_KINDS.get(key, key))


def funding_label(key: str) -> str:
    return str(FUNDING_SOURCES.get(key, key))


def category_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, (label, _explanation) in CATEGORIES.items()]


def space_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in SPACE_KINDS.items()]


def funding_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in FUNDING_SOURCES.items()]


def progress_status_choices() -> list[tuple[str, str]]:
    return ActionStatus.choices(PROGRESS_STATUSES)
