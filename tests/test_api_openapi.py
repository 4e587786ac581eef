"""The OpenAPI description agrees with the API: every route is described, and every answer (JSON,
GeoJSON, errors) validates against the schema the description gives for it."""

import json
import re
from datetime import date

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests import factories


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operation_for(spec: dict, path: str) -> tuple[str, dict]:
    """The described path template matching an actual /api/v1 path, and its GET operation."""
    local = path.split("?")[0].removeprefix("/api/v1")
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, local):
            return template, item["get"]
    raise AssertionError(f"{path} is not described")


def check_answer(spec: dict, client, path: str, status: int = 200) -> None:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    _template, operation = operation_for(spec, path)
    described = operation["responses"][str(status)]
    media = response.mimetype
    assert media in described["content"], f"{path}: {media} not described for {status}"
    schema = described["content"][media]["schema"]
    if media == "text/csv":
        return
    # Validate with the document's components in scope, as OpenAPI 3.1 (JSON Schema 2020-12).
    root = {**schema, "components": spec["components"]}
    validator = Draft202012Validator(root, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(json.loads(response.get_data(as_text=True))), key=str)
    assert not errors, f"{path}: {[e.message for e in errors[:5]]}"


def test_the_description_is_openapi_3_1_and_describes_every_route(app, spec):
    assert spec["openapi"].startswith("3.1")
    Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == set(spec["paths"])
    for item in spec["paths"].values():
        for parameter in item["get"].get("parameters", []):
            if "$ref" in parameter:
                name = parameter["$ref"].rsplit("/", 1)[1]
                assert name in spec["components"]["parameters"]


def test_every_answer_agrees_with_the_description(client, spec):
    author = factories.make_user()
    lisboa = factories.make_member(
        "Lisboa",
        country="PT",
        region="Lisboa",
        population=545000,
        latitude=38.72,
        longitude=-9.14,
        joined_on=date(2020, 1, 1),
    )
    factories.make_member(
        "No data",
        country="PT",
        population=None,
        latitude=None,
        longitude=None,
        joined_on=None,
        status="on_hold",
    )
    action = factories.make_action(lisboa, budget_eur=5000, funding=["isf_police", "municipal"])
    factories.make_update(action, percent=30, author_id=author.id)
    factories.make_action(
        lisboa, category="eu_funding", status="completed", start_date=None, target_date=None
    )

    for path in [
        "/api/v1/members",
        "/api/v1/members?q=lisb&country=PT&sort=-population&per_page=1&page=2",
        "/api/v1/members?status=on_hold&population=500000-plus",
        "/api/v1/members.geojson",
        "/api/v1/members.geojson?country=PT",
        "/api/v1/members.csv",
        f"/api/v1/members/{lisboa.slug}",
        "/api/v1/actions",
        "/api/v1/actions?category=eu_funding&status=completed&country=PT",
        f"/api/v1/actions?member={lisboa.slug}",
        "/api/v1/stats",
    ]:
        check_answer(spec, client, path)
    for path in [
        "/api/v1/members?country=XX",
        "/api/v1/members?per_page=0",
        "/api/v1/members?foo=bar",
        "/api/v1/members.geojson?sort=up",
        "/api/v1/members.csv?status=gone",
        "/api/v1/actions?status=done",
        f"/api/v1/members/{lisboa.slug}?x=1",
        "/api/v1/stats?country=PT",
        "/api/v1/openapi.json?lang=de",
    ]:
        check_answer(spec, client, path, status=400)
    check_answer(spec, client, "/api/v1/members/nowhere", status=404)
    check_answer(spec, client, "/api/v1/actions?member=nowhere", status=404)


def test_a_wrong_answer_would_be_caught(client, spec):
    """The check itself can fail: an answer with an extra field does not validate."""
    member_schema = {**spec["components"]["schemas"]["Member"], "components": spec["components"]}
    validator = Draft202012Validator(member_schema)
    factories.make_member("Strict")
    item = client.get("/api/v1/members").get_json()["items"][0]
    assert validator.is_valid(item)
    assert not validator.is_valid({**item, "contact_email": "x@example.eu"})
    assert not validator.is_valid({**item, "status": "approved"})
