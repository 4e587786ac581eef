"""/readyz: 200 when the database, Redis (when set) and the schema are fine, 503 naming the
failing part otherwise; /healthz stays a trivial answer without the database."""

import pytest
from sqlalchemy.exc import OperationalError

from portal.core import readiness


def test_ready_when_the_database_answers_and_the_schema_is_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_when_the_schema_is_behind(client, monkeypatch):
    monkeypatch.setattr(readiness, "schema_heads", lambda: frozenset({"9999_future"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["failing"] == ["schema: not at the newest migration (run flask db upgrade)"]


def test_not_ready_when_the_database_does_not_answer(client, monkeypatch):
    class Broken:
        def connect(self):
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(readiness, "db", type("db", (), {"engine": Broken()})())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["database: OperationalError"]


def test_redis_is_checked_when_set(app, client, monkeypatch):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    assert client.get("/readyz").status_code == 200
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["redis: ConnectionError"]


def test_the_shipped_migrations_have_one_head():
    assert len(readiness.schema_heads()) == 1
