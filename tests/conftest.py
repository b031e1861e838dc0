"""Shared fixtures: settings from the shipped config, a fresh migrated SQLite store, paths."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.pipeline.rules import Ruleset, compile_rules
from monitor.settings import Settings, load_settings
from monitor.store import Store, open_store
from monitor.store.schema import Model


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """structlog as a new process has it: a CLI test configures it (a level, a renderer), and
    that must not hide another test's log lines from ``capture_logs``."""
    yield
    structlog.reset_defaults()


ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "corpus" / "seeds"
SEEDS_GOLD = ROOT / "tests" / "corpus" / "seeds.gold.jsonl"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(ROOT / "config.yaml", {})


@pytest.fixture(scope="session")
def rules(settings: Settings) -> Ruleset:
    return compile_rules(settings.bases)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The shipped config with its store in a temporary directory."""
    text = (
        (ROOT / "config.yaml")
        .read_text()
        .replace("database: sqlite:///var/monitor.db", f"database: sqlite:///{tmp_path / 'm.db'}")
    )
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


PG_URL = os.environ.get("MONITOR_TEST_PG_URL")


@contextmanager
def fresh_pg_database(prefix: str = "monitor_test") -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped on exit; skips without a server URL."""
    if not PG_URL:
        pytest.skip(
            "MONITOR_TEST_PG_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_session_store() -> Iterator[Store]:
    """One PostgreSQL database for the whole run, created and dropped here."""
    with fresh_pg_database() as url:
        fresh = open_store(url)
        fresh.upgrade()
        try:
            yield fresh
        finally:
            fresh.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A fresh store migrated to head: SQLite, and PostgreSQL when MONITOR_TEST_PG_URL is set."""
    if request.param == "sqlite":
        fresh = open_store(f"sqlite:///{tmp_path / 'monitor.db'}")
        fresh.upgrade()
        return fresh
    pg: Store = request.getfixturevalue("pg_session_store")
    tables = ", ".join(t.name for t in Model.metadata.sorted_tables)
    with pg.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return pg


@pytest.fixture
def now() -> datetime:
    return datetime(2023, 11, 8, 9, 0, tzinfo=UTC)
