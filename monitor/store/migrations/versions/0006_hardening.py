"""Hardening: dashboard sessions kept on the server (logout and a password change end every copy of a session),
and outbox rows recorded as being sent before a send leaves (a crash re-sends only what may not have left), with
their retries after the attempts are exhausted and a person's decision to drop one.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),  # SHA-256 of the token the cookie carries
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("password_mark", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_sessions_user", "dashboard_sessions", ["user"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sending_target", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("exhausted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("dropped_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("dropped_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("dropped_by")
        batch_op.drop_column("dropped_at")
        batch_op.drop_column("exhausted_at")
        batch_op.drop_column("sending_target")
        batch_op.drop_column("sending_at")
    op.drop_index("ix_dashboard_sessions_user", table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
