"""The whole EU's number of members summed from an index over the kept counts: the key of
public_counts starts with the country, so the sum over every country read all 1,700 rows of
every kind (0.2 ms of each uncached directory page on PostgreSQL)

Revision ID: 0013_public_counts_index
Revises: 0012_band_index
Create Date: 2026-12-02 12:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_public_counts_index"
down_revision = "0012_band_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("public_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_public_counts_kind_key", ["kind", "key", "country", "value"], unique=False
        )


def downgrade():
    with op.batch_alter_table("public_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_public_counts_kind_key")
