"""The covenant's life-cycle: deadline extensions (one request per deadline), the automatic hold
(held_automatically, hold_exempt_until on members), the count of members on hold per country
and each country's helpdesk address

Revision ID: 0010_lifecycle
Revises: 0009_worker
Create Date: 2026-12-01 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = "0010_lifecycle"
down_revision = "0009_worker"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held_automatically", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("hold_exempt_until", sa.Date(), nullable=True))
    op.create_table(
        "deadline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_key", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("requested_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("new_due_on", sa.Date(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", portal.models.base.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", portal.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deadline_key"),
    )
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_extensions_member_id", ["member_id"], unique=False)
        batch_op.create_index("ix_deadline_extensions_status", ["status"], unique=False)
    # The directory lists active members by default: it counts them as the public members less
    # those on hold, kept per country like the other counts.
    op.execute(
        "INSERT INTO public_counts (country, kind, key, value) "
        "SELECT country, 'on_hold', '', count(*) FROM members WHERE status = 'on_hold' "
        "GROUP BY country"
    )
    op.create_table(
        "country_helpdesks",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("country"),
    )


def downgrade():
    op.execute("DELETE FROM public_counts WHERE kind = 'on_hold'")
    op.drop_table("country_helpdesks")
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_extensions_status")
        batch_op.drop_index("ix_deadline_extensions_member_id")
    op.drop_table("deadline_extensions")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("hold_exempt_until")
        batch_op.drop_column("held_automatically")
