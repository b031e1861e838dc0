"""The replay window (monitor/pipeline/window.py): articles by UTC day, CC-NEWS files by name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from monitor.pipeline.window import Window, crawl_may_hold, crawled_at, outside_window
from monitor.records import Article

NOVEMBER = Window(date(2023, 11, 1), date(2023, 11, 30))


def _article(published: datetime | None) -> Article:
    return Article("https://news.example/a", "", "Text.", published, "page")


@pytest.mark.parametrize(
    ("published", "window", "reason"),
    [
        (datetime(2023, 11, 1, 0, 0, tzinfo=UTC), NOVEMBER, None),
        (datetime(2023, 11, 30, 23, 59, tzinfo=UTC), NOVEMBER, None),
        (datetime(2023, 10, 31, 23, 59, tzinfo=UTC), NOVEMBER, "outside"),
        (datetime(2023, 12, 1, 0, 0, tzinfo=UTC), NOVEMBER, "outside"),
        # 30 Nov in New York, 1 Dec in UTC: the day is UTC's
        (datetime(2023, 11, 30, 20, 0, tzinfo=timezone(timedelta(hours=-5))), NOVEMBER, "outside"),
        (None, NOVEMBER, "undated"),
        (datetime(1999, 1, 1, tzinfo=UTC), Window(last=date(2023, 11, 30)), None),
        (datetime(2030, 1, 1, tzinfo=UTC), Window(first=date(2023, 11, 1)), None),
    ],
    ids=[
        "first-day",
        "last-day",
        "day-before",
        "day-after",
        "utc-day",
        "undated",
        "open-start",
        "open-end",
    ],
)
def test_outside_window(published: datetime | None, window: Window, reason: str | None) -> None:
    """An article is kept when its UTC day is in the window; an undated one never is."""
    rejected = outside_window(_article(published), window, "here")
    assert (rejected.reason if rejected else None) == reason


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("CC-NEWS-20231030235959-00001.warc.gz", False),  # over a day before the first day
        ("CC-NEWS-20231031000000-00001.warc.gz", True),  # written into the first day, maybe
        ("CC-NEWS-20231115120000-01234.warc.gz", True),
        ("CC-NEWS-20231230235959-00001.warc", True),  # a late crawl, within 30 days
        ("CC-NEWS-20231231000000-00001.warc.gz", False),  # 30 days after the last day
        ("CC-MAIN-20231231000000-20231231010000-00001.warc.gz", True),  # not a news crawl
        ("crawl.warc.gz", True),
        ("CC-NEWS-20231399000000-00001.warc.gz", True),  # no such time: not dated
    ],
    ids=["too-early", "eve", "inside", "late", "too-late", "cc-main", "undated", "bad-time"],
)
def test_crawl_may_hold(name: str, kept: bool) -> None:
    """A CC-NEWS file is skipped only when its crawl time rules out the whole window."""
    assert crawl_may_hold(name, NOVEMBER) is kept


def test_crawled_at_reads_the_name() -> None:
    """The crawl time in a CC-NEWS file name is UTC."""
    assert crawled_at("CC-NEWS-20240101012345-00123.warc.gz") == datetime(
        2024, 1, 1, 1, 23, 45, tzinfo=UTC
    )
    assert crawl_may_hold("CC-NEWS-20000101000000-00001.warc.gz", Window())
