"""Alembic environment: runs on the connection monitor hands it, or on MONITOR_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from monitor.store.schema import Model

config = context.config
target_metadata = Model.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode recreates tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("MONITOR_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("migrations: set MONITOR_DATABASE_URL or run `monitor db upgrade`")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
