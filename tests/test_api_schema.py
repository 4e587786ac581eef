"""Schemathesis against the API's own description (/api/v1/openapi.json, read from the app over
WSGI): generated requests, valid and invalid, to every operation. No input yields a server
error, and every answer (status, media type, body, headers) is one the description gives.

Reproducible and bounded for CI: derandomized, a fixed number of examples per operation, no
example database. Runs on SQLite and on PostgreSQL like the rest of the suite."""

from datetime import date
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

settings.register_profile(
    "api-schema",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    # The public data is seeded once per operation (a function-scoped fixture), on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
API_SCHEMA = settings.get_profile("api-schema")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def public_data(app):
    """Public members with and without data, published actions with progress, and what the
    public must not see (an application, an unpublished action)."""
    author = factories.make_user()
    lisboa = factories.make_member(
        "Lisboa",
        country="PT",
        region="Lisboa",
        population=545000,
        latitude=38.72,
        longitude=-9.14,
        joined_on=date(2020, 1, 1),
        slug="lisboa",
    )
    factories.make_member(
        "=Formula",
        country="DE",
        population=None,
        latitude=None,
        longitude=None,
        joined_on=None,
        status="on_hold",
    )
    factories.make_member("Łódź", country="PL", region="Łódzkie", population=660000)
    factories.make_member("Pending", country="PT", status="submitted")
    action = factories.make_action(lisboa, budget_eur=5000, funding=["isf_police", "municipal"])
    factories.make_update(action, percent=30, author_id=author.id)
    factories.make_action(
        lisboa, category="eu_funding", status="completed", start_date=None, target_date=None
    )
    factories.make_action(lisboa, published=False)
    return lisboa


@pytest.fixture(autouse=True)
def _node_id(request):
    """Schemathesis (4.32.5) reads and sets the test item's `_nodeid`, which pytest 9.2 no
    longer has (its `nodeid` is built from a structured id): give it one to read. What it
    writes back only named the operation in reports; failures still name it in their text."""
    request.node._nodeid = request.node.nodeid


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# Every operation, /openapi.json too: Schemathesis leaves out the operation that served the
# description unless a filter names it.
schema = schemathesis.pytest.from_fixture("api_schema").include(method="GET")


@schema.parametrize()
@API_SCHEMA
def test_every_generated_request_gets_a_described_answer(case, public_data, client):
    # The suite's client: a fresh `g` per request, as in production. It does not undo a gzip
    # encoding (the exports are gzipped when asked: tests/test_cache.py), so none is asked.
    case.call_and_validate(session=client, checks=CHECKS, headers={"Accept-Encoding": "identity"})


def _parameters(spec: dict, operation: dict) -> list[dict]:
    refs = spec["components"]["parameters"]
    return [
        refs[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "\u202e", "\ud800", "x" * 2000])
def test_awkward_text_in_any_parameter_is_a_described_answer(client, public_data, text):
    """Text no generator is sure to try: NUL (which PostgreSQL refuses to hold, even in a
    query), a direction override, a lone surrogate (bytes that are not valid UTF-8),
    something long; in every parameter the description gives, one at a time."""
    spec = client.get("/api/v1/openapi.json").get_json()
    raw = text.encode("utf-8", "surrogatepass")
    for path, item in spec["paths"].items():
        operation = item["get"]
        for parameter in _parameters(spec, operation):
            name = parameter["name"]
            if parameter["in"] == "path":
                url = "/api/v1" + path.replace("{" + name + "}", quote(raw, safe=""))
            else:
                url = f"/api/v1{path}?{quote(name)}={quote(raw, safe='')}"
            response = client.get(url)
            assert response.status_code < 500, url
            assert str(response.status_code) in operation["responses"], url
            assert response.is_json or response.status_code == 200, url
