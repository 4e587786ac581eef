"""After the database drops its connections (a PostgreSQL restart or failover), a read is
answered on a fresh connection; a write is never retried blindly."""

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import User
from tests import factories
from tests.conftest import ON_POSTGRES, PG_URL
from tests.test_auth import register

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL drops the connections")


def _lost_connection() -> OperationalError:
    return OperationalError(
        "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


def _failing_once(monkeypatch, target, name: str) -> list[int]:
    """Make target.name fail the first time as a dropped connection does; its calls counted."""
    real = getattr(target, name)
    calls: list[int] = []

    def once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _lost_connection()
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, once)
    return calls


def test_a_read_that_lost_its_connection_is_read_again(client, monkeypatch, caplog):
    from portal.directory import views

    factories.make_member("Reconnectstadt", country="DE")
    calls = _failing_once(monkeypatch, views, "find_members")
    response = client.get("/members?q=reconnectstadt")
    assert response.status_code == 200
    assert "Reconnectstadt" in response.get_data(as_text=True)
    assert len(calls) == 2
    assert "The database connection was lost" in caplog.text


def test_a_write_is_not_sent_again(client, monkeypatch, caplog):
    from portal.auth import service

    calls = _failing_once(monkeypatch, service, "register_representative")
    # Not run again: the error reaches the visitor (the error page, outside tests), who may
    # send the form again.
    with pytest.raises(OperationalError):
        register(client, email="after-restart@city.example.eu")
    assert len(calls) == 1
    assert "The database connection was lost" not in caplog.text
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert register(client, email="after-restart@city.example.eu").status_code == 200


def test_any_other_database_error_is_not_hidden(client, monkeypatch):
    from portal.directory import views

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("syntax"))  # not a lost connection

    monkeypatch.setattr(views, "find_members", broken)
    with pytest.raises(OperationalError):
        client.get("/members?q=x")


def _refused() -> OperationalError:
    return OperationalError(
        "SELECT 1",
        {},
        Exception(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
            "Connection refused"
        ),
    )


def test_a_read_waits_for_a_database_that_is_restarting(client, monkeypatch):
    """Lost, then refused three times while the server restarts, then answered."""
    from portal.directory import views

    factories.make_member("Wartestadt", country="DE")
    real = views.find_members
    calls: list[int] = []
    slept: list[float] = []

    def restarting(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _lost_connection()
        if len(calls) <= 4:
            raise _refused()
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "find_members", restarting)
    monkeypatch.setattr("portal.core.reconnect.time.sleep", slept.append)
    response = client.get("/members?q=wartestadt")
    assert response.status_code == 200 and "Wartestadt" in response.get_data(as_text=True)
    assert len(calls) == 5
    assert slept == [0.05, 0.1, 0.2]  # a growing pause between the tries while it was refused


def test_a_rollback_that_meets_the_closed_connection_does_not_stop_the_retry(client, monkeypatch):
    from portal.core import reconnect
    from portal.directory import views

    factories.make_member("Rollbackstadt", country="DE")
    calls = _failing_once(monkeypatch, views, "find_members")
    real_release = reconnect.transaction.release

    def release_on_a_dead_connection():
        monkeypatch.setattr(reconnect.transaction, "release", real_release)
        raise _lost_connection()  # what PostgreSQL's "terminating connection" does to ROLLBACK

    monkeypatch.setattr(reconnect.transaction, "release", release_on_a_dead_connection)
    response = client.get("/members?q=rollbackstadt")
    assert response.status_code == 200 and "Rollbackstadt" in response.get_data(as_text=True)
    assert len(calls) == 2


def test_a_read_gives_up_when_the_database_stays_away(client, monkeypatch, app):
    from portal.directory import views

    clock = iter(range(0, 1000, 4))  # every look at the clock, four seconds later
    monkeypatch.setattr("portal.core.reconnect.time.monotonic", lambda: next(clock))
    monkeypatch.setattr("portal.core.reconnect.time.sleep", lambda seconds: None)
    monkeypatch.setitem(app.config, "RECONNECT_WAIT_SECONDS", 10)
    calls: list[int] = []

    def down(*args, **kwargs):
        calls.append(1)
        raise _refused()

    monkeypatch.setattr(views, "find_members", down)
    with pytest.raises(OperationalError):
        client.get("/members?q=x")
    assert len(calls) == 4  # at 0 (then at once), 4 and 8 s; at 12 s the wait is over


def test_a_write_never_waits_for_the_database(client, monkeypatch):
    from portal.auth import service

    calls: list[int] = []

    def down(*args, **kwargs):
        calls.append(1)
        raise _refused()

    monkeypatch.setattr(service, "register_representative", down)
    with pytest.raises(OperationalError):
        register(client, email="while-down@city.example.eu")
    assert len(calls) == 1


# --- the real thing, on PostgreSQL: every connection of the database ended by the server ------


@pytest.fixture
def fresh_pool_after():
    yield
    db.session.remove()
    db.engine.dispose()  # no dead connection is left for the next test


def _drop_every_connection() -> int:
    """What a restart does to the portal's pooled connections: their server ends them."""
    db.session.remove()  # the test's own session gives its connection back to the pool
    url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@needs_postgres
def test_a_page_read_after_the_connections_dropped_is_answered(client, fresh_pool_after):
    factories.make_member("Reconnectstadt", country="DE")
    assert client.get("/members?q=reconnectstadt").status_code == 200
    assert _drop_every_connection() >= 1
    response = client.get("/members?q=reconnectstadt")
    assert response.status_code == 200
    assert "Reconnectstadt" in response.get_data(as_text=True)


@needs_postgres
def test_a_signed_in_page_after_the_connections_dropped_is_answered(
    client, login, fresh_pool_after
):
    login(factories.make_user())
    assert client.get("/account").status_code == 200
    assert _drop_every_connection() >= 1
    assert client.get("/account").status_code == 200
