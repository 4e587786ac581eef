"""GET /places/search: known EU places for the application form's place chooser (JSON)."""

from flask import Blueprint, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.countries import COUNTRY_CODES, country_name
from portal.core.errors import json_error
from portal.extensions import limiter
from portal.places import service

bp = Blueprint("places", __name__, url_prefix="/places")


@bp.route("/search")
@limiter.limit("120/minute")
def search():
    query = request.args.get("q", "")
    country = request.args.get("country", "").strip().upper() or None
    if country is not None and country not in COUNTRY_CODES:
        return json_error(400, _("Unknown country code."), allowed=sorted(COUNTRY_CODES))
    try:
        matches = service.search(query, country)
    except service.QueryTooShort:
        return json_error(
            400,
            _("Type at least %(n)d letters.", n=service.MIN_QUERY_LENGTH),
            min_length=service.MIN_QUERY_LENGTH,
        )
    language = str(get_locale() or "")
    results = [
        dict(
            m.public(),
            country_name=country_name(m.place.country),
            region_label=service.region_name(m.place, language),
        )
        for m in matches
    ]
    return jsonify({"query": query, "country": country, "count": len(results), "results": results})
