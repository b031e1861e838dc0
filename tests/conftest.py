"""Shared fixtures: settings from the shipped config, a fresh migrated SQLite store, paths."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.pipeline.rules import Ruleset, compile_rules
from monitor.settings import Settings, load_settings
from monitor.store import Store, open_store

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
def store(tmp_path: Path) -> Store:
    """A fresh SQLite database migrated to head."""
    fresh = open_store(f"sqlite:///{tmp_path / 'monitor.db'}")
    fresh.upgrade()
    return fresh


@pytest.fixture
def now() -> datetime:
    return datetime(2023, 11, 8, 9, 0, tzinfo=UTC)
