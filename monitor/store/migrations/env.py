"""Alembic environment: runs the migrations on the engine handed over by monitor.store.db.Database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from monitor.store.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
