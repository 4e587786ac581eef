"""members (country, name_key, id): the coordinators' members list paged by cursor

Revision ID: 0006_review
Revises: 0005_cache
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_review'
down_revision = '0005_cache'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(
            'ix_members_country_name_key_id', ['country', 'name_key', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_country_name_key_id')
