"""Column health: the report entries each crawl run listed under every configured column it reached, so that a
column found empty where the previous finished run listed reports is a crawl problem, not silence of the bodies;
and the portal system (preset) the run read the portal with.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("column_counts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("system", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("system")
        batch_op.drop_column("column_counts")
