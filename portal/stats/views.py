"""The statistics page: charts drawn from tables that hold the same numbers."""

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import format_decimal

from portal.pledges.catalog import action_status_label, category_label, funding_label
from portal.stats import service

bp = Blueprint("stats", __name__)


def _two_decimals(value: float) -> str:
    return format_decimal(value, format="#,##0.00")


@bp.route("/stats")
def overview():
    api_url = url_for("api.stats") if "api.stats" in current_app.view_functions else None
    return render_template(
        "stats/overview.html",
        stats=service.overview(),
        api_url=api_url,
        decimal=_two_decimals,
        category_label=category_label,
        action_status_label=action_status_label,
        funding_label=funding_label,
    )
