"""The schema changes only through migrations: the models and the migrated database agree."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.models import Base
from portal.models.search import include_name, include_object
from tests.conftest import fresh_postgres_database


def _model_differences(engine) -> list:
    """What autogenerate would write: the models against the migrated database."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": include_object,
                "include_name": include_name,
            },
        )
        return compare_metadata(context, Base.metadata)


def test_models_and_migrations_agree(db):
    differences = _model_differences(db.engine)
    assert differences == [], (
        f"run `flask db migrate`: models differ from migrations: {differences}"
    )


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(db):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _round_trip(app, url: str) -> None:
    """Upgrade a new database to the newest migration, downgrade it to nothing, upgrade again:
    every migration's downgrade undoes its upgrade, and the result matches the models."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from portal import create_app
    from portal.extensions import db as _db

    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url})
    try:
        with fresh.app_context():
            upgrade()
            assert "members" in inspect(_db.engine).get_table_names()
            downgrade(revision="base")
            left = set(inspect(_db.engine).get_table_names()) - {"alembic_version"}
            assert left == set(), f"left after downgrading to base: {left}"
            upgrade()
            assert _model_differences(_db.engine) == []
    finally:
        with fresh.app_context():
            _db.engine.dispose()


def test_every_migration_upgrades_downgrades_and_upgrades_again(app, tmp_path):
    import os

    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if not pg_url.startswith("postgresql"):
        _round_trip(app, f"sqlite:///{tmp_path / 'round_trip.db'}")
        return
    with fresh_postgres_database("migrations") as url:
        _round_trip(app, url)
