"""The statistics page: charts drawn from tables that hold the same numbers."""

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import format_decimal
from markupsafe import Markup

from portal.core.pages import AGGREGATE, cached_for_visitors
from portal.pledges.catalog import category_label, funding_label
from portal.stats import service

bp = Blueprint("stats", __name__)


def _two_decimals(value: float) -> str:
    return format_decimal(value, format="#,##0.00")


@bp.route("/stats")
@cached_for_visitors(AGGREGATE)
def overview():
    # The figures are an aggregate, a few seconds old at most; the page says as of when.
    stats = service.overview()
    api_url = url_for("api.stats") if "api.stats" in current_app.view_functions else None
    content = render_template(
        "stats/_content.html",
        stats=stats.value,
        as_of=stats.as_of,
        api_url=api_url,
        decimal=_two_decimals,
        category_label=category_label,
        funding_label=funding_label,
    )
    return render_template(
        "stats/overview.html",
        content_html=Markup(content),  # noqa: S704 (our own autoescaped template output)
    )
