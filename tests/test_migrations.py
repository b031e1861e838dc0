"""Migrations: upgrade head on an empty database, and models agree with migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.errors import StoreError
from monitor.store import Store, open_store
from monitor.store.schema import Model

PG_URL = os.environ.get("MONITOR_TEST_PG_URL")


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    if not PG_URL:
        pytest.skip(
            "MONITOR_TEST_PG_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _assert_models_match_migrations(store: Store) -> None:
    store.upgrade()
    assert store.is_at_head()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Model.metadata) == []


def test_sqlite_upgrade_head_matches_models(tmp_path: Path) -> None:
    """On an empty SQLite file, upgrade head gives exactly the tables the models declare."""
    _assert_models_match_migrations(open_store(f"sqlite:///{tmp_path / 'm.db'}"))


@pytest.mark.postgres
def test_postgres_upgrade_head_matches_models(pg_store: Store) -> None:
    """On an empty PostgreSQL database, upgrade head gives exactly the models' tables."""
    _assert_models_match_migrations(pg_store)


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    """Running the upgrade on a database already at head changes nothing."""
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    store.upgrade()
    revision = store.current_revision()
    store.upgrade()
    assert store.current_revision() == revision == store.head_revision()


def test_daemon_refuses_database_behind_head(tmp_path: Path) -> None:
    """A database that was never upgraded is refused with the command that fixes it."""
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(StoreError, match="monitor db upgrade"):
        store.require_head()
