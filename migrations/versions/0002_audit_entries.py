"""the audit trail: audit_entries, append-only, with an index per filter of its page

Revision ID: 0002
Revises: 3be9cb8fb472
Create Date: 2026-12-01 10:05:07.380714

"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '3be9cb8fb472'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_action_at', ['action', 'at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_actor_at', ['actor_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_at_id', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_country_at', ['country', 'at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_target_at', ['target_type', 'target_id', 'at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_target_at')
        batch_op.drop_index('ix_audit_entries_country_at')
        batch_op.drop_index('ix_audit_entries_at_id')
        batch_op.drop_index('ix_audit_entries_actor_at')
        batch_op.drop_index('ix_audit_entries_action_at')

    op.drop_table('audit_entries')
