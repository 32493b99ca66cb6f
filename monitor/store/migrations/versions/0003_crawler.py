"""Crawler: the list entry a document was found under, and what attributed it to its body.

``list_entry`` is a fingerprint of the title and date the 年报 column listed the document with: a document whose
server sends no validators is downloaded again only when its list entry changes. ``body_from`` records which
evidence named the body: "title", "page" (the page's source/publisher) or "column" (a body's configured column).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_entry", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("body_from", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("body_from")
        batch_op.drop_column("list_entry")
