"""The public member directory: search, filters, sorting and paging of public members."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.core.cache import public_cache
from portal.core.links import url_builder
from portal.core.pages import cached_for_visitors
from portal.directory.forms import DirectoryForm, filter_form_html
from portal.directory.query import PARAMETERS, STATUS_VALUES, parse_filters
from portal.directory.service import find_members, member_list_scopes
from portal.models.members import APPROVED
from portal.pledges.catalog import CATEGORIES

bp = Blueprint("directory", __name__)


def _query_args(drop: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The directory parameters of this request (known names, non-empty values only)."""
    return {
        name: [v for v in values if v.strip()]
        for name, values in request.args.lists()
        if name in PARAMETERS and name not in drop and any(v.strip() for v in values)
    }


def _scopes() -> tuple[str, ...]:
    return member_list_scopes(parse_filters(request.args, default_status=APPROVED))


@bp.route("/members")
@cached_for_visitors(_scopes)
def members():
    filters = parse_filters(request.args, default_status=APPROVED)
    results = None if filters.errors else find_members(filters)

    def render_content() -> str:
        filter_form = filter_form_html(
            request.args,
            filters,
            lambda: DirectoryForm(request.args, CATEGORIES),
            endpoint="directory.members",
            class_="directory-filters",
            label=_("Search and filter members"),
            button=_("Show members"),
            with_sort=True,
        )
        export_args = _query_args(drop=("page", "per_page"))
        return render_template(
            "directory/_content.html",
            filter_form=filter_form,
            filters=filters,
            results=results,
            public_status=STATUS_VALUES,
            # Each state's label in this language once, not once per row.
            status_labels={name: str(status.label) for name, status in STATUS_VALUES.items()},
            page_url=url_builder("directory.members", "page", **_query_args(drop=("page",))),
            sort_url=url_builder("directory.members", "sort", **_query_args(drop=("page", "sort"))),
            downloads={
                "csv": url_for("api.members_csv", **export_args),
                "geojson": url_for("api.members_geojson", **export_args),
                "json": url_for("api.members", **export_args),
            },
            map_url=(
                url_for("map.member_map", **export_args)
                if "map.member_map" in current_app.view_functions
                else None
            ),
        )

    # The page's content (form and results) is the same for everyone asking the same thing in
    # the same language: render it once until a member of the listed countries changes. The
    # layout around it (the visitor's own navigation and form tokens) is rendered per request.
    asked = tuple(sorted((name, tuple(values)) for name, values in request.args.lists()))
    key = ("members-html", asked, str(get_locale()))
    content = public_cache().get(key, render_content, member_list_scopes(filters))
    body = render_template(
        "directory/members.html",
        filters=filters,
        results=results,
        content_html=Markup(content),  # noqa: S704 (our own autoescaped template output)
    )
    return body, 400 if filters.errors else 200
