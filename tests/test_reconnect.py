"""After the database drops its connections (a PostgreSQL restart or failover), a read is
answered on a fresh connection; a write is never retried blindly."""

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Member  # noqa: F401
from tests import factories
from tests.conftest import ON_POSTGRES, PG_URL

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL drops the connections")


def _drop_every_connection() -> int:
    """What a restart does to the portal's pooled connections: their server ends them."""
    url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_a_page_read_after_the_connections_dropped_is_answered(client, caplog):
    factories.make_member("Reconnectstadt", country="DE")
    assert client.get("/members?q=reconnectstadt").status_code == 200
    db.session.remove()  # the test's own session gives its connection back to the pool
    assert _drop_every_connection() >= 1

    response = client.get("/members?q=reconnectstadt")
    assert response.status_code == 200
    assert "Reconnectstadt" in response.get_data(as_text=True)
    assert "The database connection was lost" in caplog.text


def test_a_write_is_not_sent_again(client, caplog):
    from portal.models import User
    from tests.test_auth import register

    db.session.remove()
    assert _drop_every_connection() >= 1
    # Not run again: the error reaches the visitor (the error page, outside tests), who may
    # send the form again.
    with pytest.raises(OperationalError):
        register(client, email="after-restart@city.example.eu")
    assert "The database connection was lost" not in caplog.text
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert register(client, email="after-restart@city.example.eu").status_code == 200


def test_a_signed_in_page_after_the_connections_dropped_is_answered(client, login):
    login(factories.make_user())
    assert client.get("/account").status_code == 200
    db.session.remove()
    assert _drop_every_connection() >= 1
    assert client.get("/account").status_code == 200
