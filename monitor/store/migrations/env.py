"""Alembic environment: runs the migrations on the engine handed over by monitor.store.db.Database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from monitor.store.models import Base

config = context.config
given = config.attributes.get("engine")
# A county of a deployment migrates through its own URL (its search path), on a connection closed after.
engine = given or create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)

try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
finally:
    if given is None:
        engine.dispose()
