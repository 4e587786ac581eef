"""Responses: no-store for personal answers, production's HSTS, trusted hosts and proxy headers,
server errors with an incident id, request ids, and mail links from PUBLIC_BASE_URL."""

import json
import logging
import re

import pytest

from config import ProductionConfig
from portal import create_app
from portal.auth import service as accounts
from portal.extensions import db as _db
from portal.models import OutboxMail
from tests import factories

PUBLIC_BASE = "https://covenant.example.eu"


@pytest.fixture
def other_app(app):
    """Build further apps on the suite's database; their engines are closed afterwards."""
    built = []

    def build(config):
        made = create_app(config)
        built.append(made)
        return made

    yield build
    for made in built:
        with made.app_context():
            _db.engine.dispose()


@pytest.fixture
def production(monkeypatch, app, other_app, tmp_path):
    """An app of ProductionConfig on the suite's database, with mail into files."""

    def build(**env):
        settings = {
            "SECRET_KEY": "p" * 40,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            **env,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)

        class Production(ProductionConfig):
            MAIL_TRANSPORT = "file"
            MAIL_FILE_DIR = str(tmp_path / "mail")
            WTF_CSRF_ENABLED = False
            RATELIMIT_ENABLED = False
            PASSWORD_HASH_FAST = True

        return other_app(Production)

    return build


# --- Cache-Control ----------------------------------------------------------------------------


def test_signed_in_answers_are_not_stored(client, login):
    user = login(factories.make_user())
    member = factories.make_member(representatives=[user])
    for path in (
        "/account",
        "/dashboard",
        f"/applications/{member.id}",
        f"/team/{member.id}",
        "/members",  # a public page too, when it is a signed-in user's
        "/api/v1/members",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_coordinators_review_pages_and_downloads_are_not_stored(client, login):
    login(factories.make_coordinator("DE"))
    member = factories.make_member(country="DE", status="submitted")
    factories.make_council_decision(member)
    for path in ("/review", f"/review/{member.id}/decide", f"/applications/{member.id}"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    download = client.get(f"/applications/{member.id}/council-decision")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"


def test_anonymous_forms_and_posted_values_are_not_stored(app, client, monkeypatch):
    # A form carries a token of its visitor's session; an answer to a post shows what was entered.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.get("/account/login").headers["Cache-Control"] == "no-store"
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    response = client.post(
        "/account/register", data={"name": "Jane Private", "email": "not an address"}
    )
    assert "Jane Private" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_keep_their_caching(client):
    factories.make_member(name="Graz", country="AT")
    for path in ("/members", "/", "/about"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
    api = client.get("/api/v1/members")
    assert api.headers["Cache-Control"] == "public, no-cache" and api.headers["ETag"]


# --- production: HSTS, trusted hosts, proxies -------------------------------------------------


def test_production_sends_hsts_of_a_year_on_https_only(production):
    client = production().test_client()
    secure = client.get("/healthz", base_url="https://covenant.example.eu")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = client.get("/healthz", base_url="http://covenant.example.eu")
    assert "Strict-Transport-Security" not in plain.headers


def test_development_sends_no_hsts(client):
    assert (
        "Strict-Transport-Security" not in client.get("/healthz", base_url="https://x.eu").headers
    )


def test_production_answers_its_own_host_only(production):
    client = production().test_client()
    assert client.get("/healthz", base_url="https://covenant.example.eu").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
    # TRUSTED_HOSTS names them when there are several.
    client = production(TRUSTED_HOSTS="covenant.example.eu, www.covenant.example.eu").test_client()
    assert client.get("/healthz", base_url="https://www.covenant.example.eu").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400


def test_trusted_hosts_setting_reaches_flask(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
    assert ProductionConfig().TRUSTED_HOSTS == ["covenant.example.eu"]
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example.eu,b.example.eu")
    assert create_app(ProductionConfig).config["TRUSTED_HOSTS"] == ["a.example.eu", "b.example.eu"]


def _seen_by_the_app(app) -> dict:
    # A route of this test app only; the remote address, scheme and host as the portal sees them.
    @app.get("/_seen")
    def seen():
        from flask import request

        return {"remote": request.remote_addr, "scheme": request.scheme, "host": request.host}

    forwarded = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "covenant.example.eu",
    }
    response = app.test_client().get("/_seen", base_url="http://internal:8000", headers=forwarded)
    return response.get_json()


def test_proxy_headers_are_ignored_without_a_proxy_count(other_app, app):
    seen = _seen_by_the_app(other_app({**app.config}))
    assert seen == {"remote": "127.0.0.1", "scheme": "http", "host": "internal:8000"}


def test_proxy_headers_are_trusted_from_the_configured_proxies(other_app, app):
    seen = _seen_by_the_app(other_app({**app.config, "PROXY_COUNT": 1}))
    assert seen == {"remote": "203.0.113.9", "scheme": "https", "host": "covenant.example.eu"}


def test_production_refuses_to_start_without_a_public_base_url(monkeypatch):
    from config import ConfigError

    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        ProductionConfig()
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        ProductionConfig()


# --- mail links -------------------------------------------------------------------------------


def test_production_mail_links_ignore_a_forged_host(production, db):
    user = factories.make_user(email="olga@city.example.eu")
    prod = production(TRUSTED_HOSTS="covenant.example.eu,forged.example")
    client = prod.test_client()
    response = client.post(
        "/account/password", data={"email": user.email}, base_url="https://forged.example"
    )
    assert response.status_code == 200
    body = db.session.query(OutboxMail).one().body
    links = re.findall(r"https?://\S+", body)
    assert links and all(link.startswith(PUBLIC_BASE + "/account/password/") for link in links)
    assert "forged.example" not in body


def test_development_mail_links_follow_the_request(client, db):
    user = factories.make_user()
    client.post("/account/password", data={"email": user.email}, base_url="http://127.0.0.2:8000")
    assert "http://127.0.0.2:8000/account/password/" in db.session.query(OutboxMail).one().body


def test_links_from_the_command_line_use_the_public_base_url(app):
    app.config["PUBLIC_BASE_URL"] = "https://portal.example.eu/covenant/"
    try:
        user = factories.make_user(role="coordinator", countries=("AT",), password=None)
        link = accounts.make_setup_link(user)
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    assert link.startswith("https://portal.example.eu/covenant/account/password/")


# --- server errors and request ids ------------------------------------------------------------


@pytest.fixture
def failing_app(other_app, app):
    made = other_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @made.get("/_fail")
    def fail():
        raise RuntimeError("the secret detail of a bug")

    return made


def test_server_error_shows_an_incident_id_and_logs_the_traceback(failing_app, caplog):
    caplog.set_level(logging.ERROR, logger="portal.errors")
    logging.getLogger("portal.errors").disabled = False
    response = failing_app.test_client().get("/_fail", headers={"X-Request-ID": "req-12345678"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    incident = re.search(r"quote incident ([0-9a-f]{12})", page).group(1)
    for secret in ("Traceback", "RuntimeError", "the secret detail", "Werkzeug", "Python/"):
        assert secret not in page
    assert response.headers["X-Request-ID"] == "req-12345678"
    assert "Werkzeug" not in response.headers.get("Server", "")

    (record,) = [r for r in caplog.records if r.name == "portal.errors"]
    assert record.levelno == logging.ERROR
    assert incident in record.getMessage() and "req-12345678" in record.getMessage()
    assert record.exc_info and "the secret detail of a bug" in caplog.text
    assert "Traceback" in caplog.text


def test_server_error_answers_api_clients_in_json(failing_app):
    response = failing_app.test_client().get("/_fail", headers={"Accept": "application/json"})
    body = json.loads(response.get_data(as_text=True))
    assert response.status_code == 500
    assert set(body) == {"status", "error", "incident"}
    assert body["status"] == 500 and re.fullmatch(r"[0-9a-f]{12}", body["incident"])


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abc-123_XYZ.9:7", True),
        ("short", False),
        ("bad id with spaces", False),
        ("<script>alert(1)</script>", False),
        ("x" * 200, False),
    ],
)
def test_request_id_is_taken_when_sane_and_made_otherwise(client, given, kept):
    answered = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    if kept:
        assert answered == given
    else:
        assert answered != given and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
