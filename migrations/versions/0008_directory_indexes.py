"""Indexes for the directory's uncached pages: actions (member_id, published, category) for the
category filter looked up per member; members (country, name_key, id, status) for a country's
later pages; public members (country, population) for a population band within countries

Revision ID: 0008_directory
Revises: 0007_search
Create Date: 2026-12-01 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

PUBLIC = "status IN ('approved', 'on_hold')"


# revision identifiers, used by Alembic.
revision = '0008_directory'
down_revision = '0007_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_actions_member_published_category',
            ['member_id', 'published', 'category'],
            unique=False,
        )
        batch_op.drop_index('ix_actions_member_published')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(
            'ix_members_country_name_key_id_status',
            ['country', 'name_key', 'id', 'status'],
            unique=False,
        )
        batch_op.drop_index('ix_members_country_name_key_id')
        batch_op.create_index(
            'ix_members_public_country_population',
            ['country', 'population'],
            unique=False,
            sqlite_where=sa.text(PUBLIC),
            postgresql_where=sa.text(PUBLIC),
        )


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_public_country_population')
        batch_op.create_index(
            'ix_members_country_name_key_id', ['country', 'name_key', 'id'], unique=False
        )
        batch_op.drop_index('ix_members_country_name_key_id_status')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_actions_member_published', ['member_id', 'published'], unique=False
        )
        batch_op.drop_index('ix_actions_member_published_category')
