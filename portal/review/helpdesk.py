"""Each country's helpdesk address, set by the country's coordinators for the public help page.

The address is the national coordination's office (helpdesk@…, a web page), never a person's:
the form says so, and the audit entry names only what changed, not the address.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import permissions
from portal.core import audit
from portal.core.countries import COUNTRY_CODES, country_name
from portal.core.errors import NotAllowed
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import CountryHelpdesk, User


def helpdesk_countries(actor: User) -> list[str]:
    """The countries whose helpdesk address the actor sets, by name in the current language."""
    codes = [code for code in COUNTRY_CODES if permissions.can_set_helpdesk(actor, code)]
    return sorted(codes, key=country_name)


def helpdesks_of(countries: list[str]) -> dict[str, CountryHelpdesk]:
    """The stored addresses of these countries, by country code (one query)."""
    if not countries:
        return {}
    rows = db.session.scalars(select(CountryHelpdesk).where(CountryHelpdesk.country.in_(countries)))
    return {row.country: row for row in rows}


@atomic
def set_helpdesk(actor: User, country: str, email: str, website: str = "") -> CountryHelpdesk:
    """Store a country's helpdesk address; an audit entry says which parts changed."""
    if country not in COUNTRY_CODES or not permissions.can_set_helpdesk(actor, country):
        # Another country's page is not the coordinator's business: answered as not found.
        raise NotAllowed(_l("You may not set the helpdesk of this country."), hide=True)
    email, website = email.strip(), website.strip()
    helpdesk = db.session.get(CountryHelpdesk, country)
    if helpdesk is None:
        helpdesk = CountryHelpdesk(country=country, email="", website="")
        db.session.add(helpdesk)
    changed = [
        name
        for name, value in (("email", email), ("website", website))
        if getattr(helpdesk, name) != value
    ]
    if not changed:
        return helpdesk
    helpdesk.email, helpdesk.website = email, website
    helpdesk.updated_by_id = actor.id
    audit.record(actor, "helpdesk.updated", country=country, changed=changed)
    return helpdesk
