"""The OpenAPI 3.1 description of the open data API, built from the same lists the API uses
(public fields, filters, categories, statuses, countries), so it cannot drift from them."""

from functools import cache

from portal.core.countries import COUNTRY_CODES
from portal.core.folding import SLUG_PATTERN
from portal.core.http import body_etag, dumps
from portal.core.inputs import MAX_COUNT, MAX_PAGE
from portal.directory.action_query import ACTION_PARAMETERS
from portal.directory.query import (
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    PARAMETERS,
    POPULATION_BANDS,
    SORTS,
    STATUS_VALUES,
    category_keys,
)
from portal.models.pledges import ACTION_STATUSES

JSON = "application/json"


def _nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param_ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _query(name: str, description: str, schema: dict, explode: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "description": description}
    parameter["schema"] = schema
    if explode:
        parameter.update(style="form", explode=True)
    return parameter


def _schemas() -> dict:
    countries = sorted(COUNTRY_CODES)
    member_properties = {
        "slug": {
            "type": "string",
            "pattern": SLUG_PATTERN,
            "description": "Identifier in the member's page address.",
        },
        "name": {"type": "string"},
        "country": {"type": "string", "enum": countries, "description": "ISO 3166-1 alpha-2."},
        "region": {"type": "string"},
        "population": _nullable("integer", minimum=0),
        "latitude": _nullable("number", minimum=-90, maximum=90),
        "longitude": _nullable("number", minimum=-180, maximum=180),
        "joined_on": _nullable("string", format="date", description="Council decision date."),
        "status": {"type": "string", "enum": list(STATUS_VALUES)},
        "website": {"type": "string"},
        "actions": {"type": "integer", "minimum": 0, "description": "Published actions."},
        "url": {"type": "string", "format": "uri", "description": "The member's public page."},
    }
    written_in = _nullable(
        "string",
        description="The language the texts are written in (ISO 639-1); null where not known.",
    )
    action_properties = {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "category": {"type": "string", "enum": list(category_keys())},
        "spaces": {"type": "array", "items": {"type": "string"}},
        "funding_sources": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": list(ACTION_STATUSES)},
        "percent_complete": {"type": "integer", "minimum": 0, "maximum": 100},
        "start_date": _nullable("string", format="date"),
        "target_date": _nullable("string", format="date"),
        "budget_eur": _nullable("number", minimum=0),
        "good_practice": {"type": "boolean"},
        "last_progress_on": _nullable("string", format="date"),
        "language": written_in,
    }

    def closed(properties: dict, description: str = "") -> dict:
        schema = {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
        if description:
            schema["description"] = description
        return schema

    def page_of(item: str) -> dict:
        return closed(
            {
                "items": {"type": "array", "items": _ref(item)},
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            }
        )

    feature_properties = {
        k: v for k, v in member_properties.items() if k not in ("latitude", "longitude")
    }
    return {
        "Member": closed(member_properties, "A public member (municipality)."),
        "MemberPage": page_of("Member"),
        "ProgressUpdate": closed(
            {
                "reported_on": {"type": "string", "format": "date"},
                "text": {"type": "string"},
                "percent_complete": {"type": "integer", "minimum": 0, "maximum": 100},
                "status": {"type": "string", "enum": list(ACTION_STATUSES)},
                "language": written_in,
            },
            "A progress report on an action (its author is not public).",
        ),
        "MemberAction": closed(
            {**action_properties, "updates": {"type": "array", "items": _ref("ProgressUpdate")}},
            "A published action with its progress history, oldest report first.",
        ),
        "MemberDetail": closed(
            {
                **member_properties,
                "published_actions": {"type": "array", "items": _ref("MemberAction")},
            },
            "A public member with its published actions.",
        ),
        "Action": closed(
            {
                **action_properties,
                "member": closed(
                    {
                        "slug": {"type": "string", "pattern": SLUG_PATTERN},
                        "name": {"type": "string"},
                        "country": {"type": "string", "enum": countries},
                        "url": {"type": "string", "format": "uri"},
                    }
                ),
            },
            "A published action of a public member.",
        ),
        "ActionPage": page_of("Action"),
        "MemberFeatureCollection": closed(
            {
                "type": {"const": "FeatureCollection"},
                "features": {
                    "type": "array",
                    "items": closed(
                        {
                            "type": {"const": "Feature"},
                            "geometry": {
                                "oneOf": [
                                    {"type": "null"},
                                    closed(
                                        {
                                            "type": {"const": "Point"},
                                            "coordinates": {
                                                "type": "array",
                                                "items": {"type": "number"},
                                                "minItems": 2,
                                                "maxItems": 2,
                                                "description": "[longitude, latitude]",
                                            },
                                        }
                                    ),
                                ]
                            },
                            "properties": closed(feature_properties),
                        }
                    ),
                },
            },
            "GeoJSON (RFC 7946); a member without a location has a null geometry.",
        ),
        "Stats": _stats_schema(closed, countries),
        "Error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "error": {"type": "string", "description": "What went wrong, for people."},
                "parameter": {"type": "string", "description": "The parameter at fault."},
                "allowed": {"type": "array", "description": "The values it allows."},
            },
            "required": ["status", "error"],
            "additionalProperties": False,
        },
    }


def _stats_schema(closed, countries: list[str]) -> dict:
    count = {"type": "integer", "minimum": 0}

    def counted(key: str, values: list[str] | None = None) -> dict:
        key_schema = {"type": "string", "enum": values} if values else {"type": "string"}
        return {"type": "array", "items": closed({key: key_schema, "actions": count})}

    return closed(
        {
            "members": closed({"total": count, "population": count}),
            "countries": {
                "type": "array",
                "items": closed(
                    {
                        "country": {"type": "string", "enum": countries},
                        "members": count,
                        "population_covered": count,
                        "population": _nullable("integer", minimum=0),
                        "share": _nullable("number", minimum=0),
                    }
                ),
            },
            "population_source": closed(
                {"name": {"type": "string"}, "package": {"type": "string"}, "year": count}
            ),
            "joins": {
                "type": "array",
                "items": closed({"year": count, "members": count, "cumulative": count}),
            },
            "actions": closed(
                {
                    "total": count,
                    "by_category": counted("category"),
                    "by_status": counted("status", list(ACTION_STATUSES)),
                }
            ),
            "funding": counted("source"),
            "as_of": {"type": "string", "format": "date-time"},
        },
        "The numbers behind /stats: public members and their published actions. share is the "
        "percentage of the country's population (population, from population_source) that its "
        "members' populations add up to. as_of: the time (UTC) the numbers show; they are a few "
        "seconds old at most.",
    )


def _parameters() -> dict:
    return {
        "q": _query(
            "q",
            "Words the member's names or region start a word with; case and accents are "
            "ignored and every script is transliterated (lodz finds Łódź, Αθήνα finds "
            "Athens). A member chosen from the gazetteer is found by every name GeoNames "
            "gives its place (København, Kopenhagen and Copenhagen find the same member). "
            f"Only the first {MAX_QUERY_LENGTH} characters and {MAX_QUERY_WORDS} words "
            "count; a q with no letter or digit is refused (400 naming q).",
            {"type": "string"},
        ),
        "country": _query(
            "country",
            "Country, ISO 3166-1 alpha-2; repeat it for several.",
            {"type": "array", "items": {"type": "string", "enum": sorted(COUNTRY_CODES)}},
            explode=True,
        ),
        "region": _query(
            "region",
            "Region, exact name (case and accents ignored; the first "
            f"{MAX_QUERY_LENGTH} characters count).",
            {"type": "string"},
        ),
        "category": _query(
            "category",
            "Members with a published action in this category.",
            {"type": "string", "enum": list(category_keys())},
        ),
        "status": _query(
            "status", "Member status.", {"type": "string", "enum": list(STATUS_VALUES)}
        ),
        "population": _query(
            "population",
            "A population band (instead of population_min/population_max).",
            {"type": "string", "enum": list(POPULATION_BANDS)},
        ),
        "population_min": _query(
            "population_min",
            "Smallest population.",
            {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
        ),
        "population_max": _query(
            "population_max",
            "Largest population.",
            {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
        ),
        "year": _query(
            "year",
            "Joining year (instead of joined_from/joined_to).",
            {"type": "integer", "minimum": 1900, "maximum": 2100},
        ),
        "joined_from": _query(
            "joined_from", "Joined on or after.", {"type": "string", "format": "date"}
        ),
        "joined_to": _query(
            "joined_to", "Joined on or before.", {"type": "string", "format": "date"}
        ),
        "sort": _query(
            "sort",
            "Order. relevance (the default with q): a name equal to the search first, then "
            "names starting with it, then names with a word starting with it, the most "
            "populous first within each; without q, relevance is the same as name (the "
            "default without q).",
            {"type": "string", "enum": list(SORTS)},
        ),
        "page": _query(
            "page",
            "Page number.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        ),
        "per_page": _query(
            "per_page",
            "Items per page.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
        ),
        "action_category": _query(
            "category",
            "Action category; repeat it for several.",
            {"type": "array", "items": {"type": "string", "enum": list(category_keys())}},
            explode=True,
        ),
        "action_status": _query(
            "status",
            "Action status; repeat it for several.",
            {"type": "array", "items": {"type": "string", "enum": list(ACTION_STATUSES)}},
            explode=True,
        ),
        "member": _query(
            "member",
            "A member's slug; empty for every member. A text that cannot be a slug names no "
            "member (404).",
            {"type": "string", "pattern": f"^$|{SLUG_PATTERN}"},
        ),
    }


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


NOT_MODIFIED = {"description": "Not modified: the ETag given in If-None-Match is current."}
ETAG_HEADER = {
    "ETag": {
        "required": True,
        "schema": {"type": "string"},
        "description": "Send it back in If-None-Match.",
    }
}


def _ok(description: str, media: str, schema: dict) -> dict:
    return {
        "description": description,
        "headers": ETAG_HEADER,
        "content": {media: {"schema": schema}},
    }


def _paths() -> dict:
    member_params = [_param_ref(name) for name in PARAMETERS]
    action_params = [
        _param_ref({"category": "action_category", "status": "action_status"}.get(n, n))
        for n in ACTION_PARAMETERS
    ]
    bad = _error("A parameter or its value is not allowed; `allowed` lists what is.")
    return {
        "/members": {
            "get": {
                "operationId": "listMembers",
                "summary": "Public members, filtered, sorted and paged.",
                "parameters": member_params,
                "responses": {
                    "200": _ok("A page of members with the total.", JSON, _ref("MemberPage")),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
        "/members.geojson": {
            "get": {
                "operationId": "exportMembersGeoJSON",
                "summary": "All matching members as GeoJSON points "
                "(page and per_page are not used).",
                "parameters": member_params,
                "responses": {
                    "200": _ok(
                        "A FeatureCollection, streamed.",
                        "application/geo+json",
                        _ref("MemberFeatureCollection"),
                    ),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
        "/members.csv": {
            "get": {
                "operationId": "exportMembersCSV",
                "summary": "All matching members as CSV (page and per_page are not used).",
                "description": "UTF-8 with a byte order mark; columns as the Member fields. A text "
                "cell that a spreadsheet would run as a formula (starting with = + - @, tab or "
                "carriage return) starts with an apostrophe.",
                "parameters": member_params,
                "responses": {
                    "200": _ok("CSV, streamed.", "text/csv", {"type": "string"}),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
        "/members/{slug}": {
            "get": {
                "operationId": "getMember",
                "summary": "One public member with its published actions and their progress.",
                "parameters": [
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "description": "The member's slug (a text that cannot be one: 404).",
                        "schema": {"type": "string", "pattern": SLUG_PATTERN},
                    }
                ],
                "responses": {
                    "200": _ok("The member.", JSON, _ref("MemberDetail")),
                    "304": NOT_MODIFIED,
                    "400": bad,
                    "404": _error("No public member has this slug."),
                },
            }
        },
        "/actions": {
            "get": {
                "operationId": "listActions",
                "summary": "Published actions of public members, newest first, paged.",
                "parameters": action_params,
                "responses": {
                    "200": _ok("A page of actions with the total.", JSON, _ref("ActionPage")),
                    "304": NOT_MODIFIED,
                    "400": bad,
                    "404": _error("The member given in `member` is not a public member."),
                },
            }
        },
        "/stats": {
            "get": {
                "operationId": "getStats",
                "summary": "Members per country and population share, joins per year, actions "
                "per category and status, funding sources.",
                "responses": {
                    "200": _ok("The statistics.", JSON, _ref("Stats")),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
        "/catalog.ttl": {
            "get": {
                "operationId": "getCatalogTurtle",
                "summary": "The DCAT-AP 3.0 catalogue of this open data, in Turtle.",
                "description": "The datasets (members, published actions, statistics), their "
                "downloads and this API, with titles and descriptions in the portal's languages, "
                "the licence and the helpdesk as contact point; for data portals to harvest.",
                "responses": {
                    "200": _ok("DCAT-AP 3.0, Turtle.", "text/turtle", {"type": "string"}),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
        "/catalog.jsonld": {
            "get": {
                "operationId": "getCatalogJSONLD",
                "summary": "The same DCAT-AP 3.0 catalogue, in JSON-LD.",
                "responses": {
                    "200": _ok(
                        "DCAT-AP 3.0, JSON-LD (compacted, with @context and @graph).",
                        "application/ld+json",
                        {"type": "object", "required": ["@context", "@graph"]},
                    ),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "summary": "This description.",
                "responses": {
                    "200": _ok("OpenAPI 3.1.", JSON, {"type": "object"}),
                    "304": NOT_MODIFIED,
                    "400": bad,
                },
            }
        },
    }


@cache
def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Covenant of mayors for safer public spaces: open data",
            "version": "1.0.0",
            "description": "Read-only open data on the covenant's public members and their "
            "published actions. No personal data. Every answer has an ETag (send it back in "
            "If-None-Match to get 304 when nothing changed) and may be used from any origin "
            "(CORS). A known parameter given empty counts as not given; an unknown parameter, or a "
            "value not allowed, answers 400. Errors are JSON with the status and a message "
            "(for a parameter, its name and, where there is a list, what it allows).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _paths(),
        "components": {"schemas": _schemas(), "parameters": _parameters()},
    }


@cache
def openapi_body() -> tuple[bytes, str]:
    body = dumps(openapi_document())
    return body, body_etag(body)
