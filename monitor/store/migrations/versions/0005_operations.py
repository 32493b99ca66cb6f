"""Operations: listed documents that cannot be fetched (back-off), kept crawl logs, when a body was first crawled
(what was found then is history, not news), findings found in that history, and the store's own settings (the
rules version the stored findings were made with).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("retry_after", sa.DateTime(), nullable=True))
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("log_path", sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column("unreachable_documents", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_crawled_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backlog", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("settings")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_column("backlog")
    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.drop_column("first_crawled_at")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("unreachable_documents")
        batch_op.drop_column("log_path")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("retry_after")
        batch_op.drop_column("failing_since")
        batch_op.drop_column("failures")
