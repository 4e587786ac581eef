"""The schema changes only through migrations: the models and the migrated database agree."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.models import Base
from portal.models.search import include_name, include_object


def test_models_and_migrations_agree(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": include_object,
                "include_name": include_name,
            },
        )
        differences = compare_metadata(context, Base.metadata)
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
