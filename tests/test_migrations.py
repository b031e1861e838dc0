"""Migrations: upgrade head on an empty database, and models agree with migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.errors import StoreError
from monitor.store import Store, open_store
from monitor.store.schema import Model
from tests.conftest import fresh_pg_database

PG_URL = os.environ.get("MONITOR_TEST_PG_URL")


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    with fresh_pg_database() as url:
        store = open_store(url)
        try:
            yield store
        finally:
            store.engine.dispose()


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
