"""used_form_tokens: one-time form tokens already used (a form creates its thing once)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'used_form_tokens',
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('used_at', portal.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_form_tokens')),
    )
    with op.batch_alter_table('used_form_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_form_tokens_used_at'), ['used_at'], unique=False)


def downgrade():
    with op.batch_alter_table('used_form_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_form_tokens_used_at'))
    op.drop_table('used_form_tokens')
