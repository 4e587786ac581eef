"""The public member directory: search, filters, sorting and paging of public members."""

from flask import Blueprint, current_app, render_template, request, url_for

from portal.directory.forms import DirectoryForm
from portal.directory.query import PARAMETERS, parse_filters
from portal.directory.service import find_members
from portal.pledges.catalog import CATEGORIES

bp = Blueprint("directory", __name__)


def _query_args(drop: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The directory parameters of this request (known names, non-empty values only)."""
    return {
        name: [v for v in values if v.strip()]
        for name, values in request.args.lists()
        if name in PARAMETERS and name not in drop and any(v.strip() for v in values)
    }


@bp.route("/members")
def members():
    filters = parse_filters(request.args)
    form = DirectoryForm(request.args, CATEGORIES)
    form.show_errors(filters.errors)
    results = None if filters.errors else find_members(filters)

    def page_url(number: int) -> str:
        return url_for("directory.members", **_query_args(drop=("page",)), page=number)

    def sort_url(sort: str) -> str:
        return url_for("directory.members", **_query_args(drop=("page", "sort")), sort=sort)

    export_args = _query_args(drop=("page", "per_page"))
    downloads = {
        "csv": url_for("api.members_csv", **export_args),
        "geojson": url_for("api.members_geojson", **export_args),
        "json": url_for("api.members", **export_args),
    }
    map_url = (
        url_for("map.member_map", **export_args)
        if "map.member_map" in current_app.view_functions
        else None
    )
    body = render_template(
        "directory/members.html",
        form=form,
        filters=filters,
        results=results,
        categories=CATEGORIES,
        page_url=page_url,
        sort_url=sort_url,
        downloads=downloads,
        map_url=map_url,
    )
    return body, 400 if filters.errors else 200
