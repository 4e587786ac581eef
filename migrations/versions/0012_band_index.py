"""A population band within countries counted from the index alone, the state included: the
directory lists active members by default, and the index without the state sent every count of
a band to the table (Germany's 5,000 to 20,000: 2,098 rows read, 3 ms on SQLite)

Revision ID: 0012_band_index
Revises: 0011_text_language
Create Date: 2026-12-02 04:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_band_index"
down_revision = "0011_text_language"
branch_labels = None
depends_on = None

PUBLIC = "status IN ('approved', 'on_hold')"


def _public_index(batch_op, name: str, columns: list[str]) -> None:
    batch_op.create_index(
        name,
        columns,
        unique=False,
        sqlite_where=sa.text(PUBLIC),
        postgresql_where=sa.text(PUBLIC),
    )


def upgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_public_country_population")
        _public_index(
            batch_op,
            "ix_members_public_country_population_status",
            ["country", "population", "id", "status"],
        )


def downgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_public_country_population_status")
        _public_index(batch_op, "ix_members_public_country_population", ["country", "population"])
