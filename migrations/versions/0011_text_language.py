"""The language that an action's texts and each progress update are written in (empty where not
known: what was written before the portal asked)

Revision ID: 0011_text_language
Revises: 0010_lifecycle
Create Date: 2026-12-02 04:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_text_language"
down_revision = "0010_lifecycle"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("actions", "progress_updates"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("language", sa.String(length=8), nullable=False, server_default="")
            )


def downgrade():
    for table in ("progress_updates", "actions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
