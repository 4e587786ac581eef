"""The worker: outbox mails get a back-off (next_attempt_at) and a given-up state (failed_at);
job_runs holds each daily job's run, one per job and day for the whole cluster

Revision ID: 0009_worker
Revises: 0008_directory
Create Date: 2026-12-01 20:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = "0009_worker"
down_revision = "0008_directory"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_attempt_at", portal.models.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("failed_at", portal.models.base.UTCDateTime(), nullable=True))
    # Mails that had used up their attempts under the old rule are given up now, as the new
    # rule would have done, so that administrators see them and may send them again.
    op.execute(
        "UPDATE outbox_mails SET failed_at = created_at WHERE sent_at IS NULL AND attempts >= 10"
    )
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", portal.models.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", portal.models.base.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("job", "day", name=op.f("pk_job_runs")),
    )


def downgrade():
    op.drop_table("job_runs")
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
        batch_op.drop_column("next_attempt_at")
