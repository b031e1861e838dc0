"""Migrations: upgrade head on an empty database, and models agree with migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from monitor.errors import StoreError
from monitor.store import MIGRATIONS_DIR, Store, open_store
from monitor.store.schema import ItemRow, Model
from tests.conftest import fresh_pg_database

PG_URL = os.environ.get("MONITOR_TEST_PG_URL")
CREATED = datetime(2024, 1, 28, 15, 0, tzinfo=UTC)


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


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_items_of_an_older_schema_are_seen_when_they_were_created(
    dialect: str, tmp_path: Path
) -> None:
    """0005 gives each existing item ``last_seen_at`` = its ``created_at``, so retention
    counts from there."""
    with ExitStack() as stack:
        if dialect == "sqlite":
            url = f"sqlite:///{tmp_path / 'm.db'}"
        else:
            url = stack.enter_context(fresh_pg_database())
        store = open_store(url)
        stack.callback(store.engine.dispose)
        with store.engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            command.upgrade(config, "0004")
            conn.execute(
                text(
                    "INSERT INTO feeds (id, url, name, interval_s, enabled, error_count,"
                    " created_at) VALUES (1, 'http://x.example/rss', 'x', 60, true, 0, :at)"
                ),
                {"at": CREATED},
            )
            conn.execute(
                text(
                    "INSERT INTO items (feed_id, item_key, title, summary, status, attempts,"
                    " next_attempt_at, created_at) VALUES (1, 'k', 't', '', 'done', 1, :at, :at)"
                ),
                {"at": CREATED},
            )
        store.upgrade()
        with store.begin() as conn:
            seen = conn.execute(select(ItemRow.last_seen_at)).scalar_one()
    assert seen == CREATED
