"""The statistics page: charts drawn from tables that hold the same numbers."""

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import format_decimal, get_locale
from markupsafe import Markup

from portal.core.cache import public_cache
from portal.core.pages import cached_for_visitors
from portal.extensions import db
from portal.models.publicdata import public_data_version
from portal.pledges.catalog import category_label, funding_label
from portal.stats import service

bp = Blueprint("stats", __name__)


def _two_decimals(value: float) -> str:
    return format_decimal(value, format="#,##0.00")


@bp.route("/stats")
@cached_for_visitors
def overview():
    version = public_data_version(db.session)

    def render_content() -> str:
        api_url = url_for("api.stats") if "api.stats" in current_app.view_functions else None
        return render_template(
            "stats/_content.html",
            stats=service.overview(version),
            api_url=api_url,
            decimal=_two_decimals,
            category_label=category_label,
            funding_label=funding_label,
        )

    # The same for every visitor in a language: rendered once per public data version.
    content = public_cache().get(("stats-html", str(get_locale())), render_content, version)
    return render_template(
        "stats/overview.html",
        content_html=Markup(content),  # noqa: S704 (our own autoescaped template output)
    )
