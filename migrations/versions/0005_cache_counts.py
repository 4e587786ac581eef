"""public_counts: the statistics' figures per country, kept with each write; data_versions
names one part of the public data each (a member, a country's lists), so they grow longer

Revision ID: 0005_cache
Revises: 0004
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_cache'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('data_versions', schema=None) as batch_op:
        batch_op.alter_column(
            'name', existing_type=sa.String(length=40), type_=sa.String(length=160)
        )
    op.create_table(
        'public_counts',
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('country', 'kind', 'key', name=op.f('pk_public_counts')),
    )
    # The figures of the data already there (one pass over it), and a version of the whole
    # public data of this database's own (shared caches never mix two databases' answers).
    from portal.models.publicdata import bump_public_data, recount_public

    recount_public(op.get_bind())
    bump_public_data(op.get_bind())


def downgrade():
    op.drop_table('public_counts')
    with op.batch_alter_table('data_versions', schema=None) as batch_op:
        batch_op.alter_column(
            'name', existing_type=sa.String(length=160), type_=sa.String(length=40)
        )
