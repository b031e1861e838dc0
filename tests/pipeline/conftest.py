"""Shared fixtures for the extractor's unit tests: the real ruleset and an article builder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.pipeline.rules import Ruleset, compile_rules
from monitor.records import Article
from monitor.settings import load_settings

CONFIG = Path(__file__).parents[2] / "config.yaml"

ArticleFactory = Callable[..., Article]


@pytest.fixture(scope="session")
def rules() -> Ruleset:
    """The ruleset compiled from the tracked bases of the repository's config.yaml."""
    return compile_rules(load_settings(CONFIG, {}).bases)


def make_article(text: str, published: str | None = "2023-11-07", title: str = "") -> Article:
    """An Article with ``text``, published at noon UTC on ``published`` (ISO day) or undated."""
    published_at = None
    if published is not None:
        day = date.fromisoformat(published)
        published_at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return Article(
        url="file:///tests/pipeline/article.txt",
        title=title,
        text=text,
        published_at=published_at,
        published_source="text" if published is not None else "none",
        origin="corpus",
    )


@pytest.fixture
def article() -> ArticleFactory:
    """``article(text, published="2023-11-07", title="")`` builds a records.Article."""
    return make_article
