"""The application factory and configuration."""

import pytest

from config import ConfigError, ProductionConfig
from portal import create_app


def test_config_override_is_applied():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PORTAL_NAME": "Other"})
    assert app.config["PORTAL_NAME"] == "Other"
    assert app.testing


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY, DATABASE_URL"):
        create_app(ProductionConfig)


def test_production_starts_with_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.eu")
    app = create_app(ProductionConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
