"""What a replay window keeps: articles by their day of publication (``outside_window``), and
Common Crawl news files by the crawl time in their names (``crawl_may_hold``).

A window is a range of UTC days, both ends included, either end open. An article the window
cannot date (no publication time, not even its WARC-Date) is not kept: a backtest of a period
must not count events it cannot place in it.

A CC-NEWS file (``CC-NEWS-20231001012345-00123.warc.gz``) is named after the time its crawl
started and is written within hours (one file of about 1 GB an hour). An article cannot be
published after it was crawled, so a file started more than ``EARLY_CRAWL`` before the first
day holds nothing of the window. A file crawled after the last day can: an article may be
crawled days after it was published. Files started up to ``LATE_CRAWL`` after the last day are
read; later ones are skipped, and what they alone hold of the window is not replayed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from monitor.records import Article, Rejected

EARLY_CRAWL = timedelta(days=1)  # longer than any CC-NEWS file takes to write
LATE_CRAWL = timedelta(days=30)  # how long after publication an article is still looked for
_CC_NEWS = re.compile(r"CC-NEWS-(\d{14})-\d+\.warc(?:\.gz)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Window:
    """The days of publication a replay keeps, in UTC, both included; None: open."""

    first: date | None = None
    last: date | None = None


def outside_window(article: Article, window: Window, where: str) -> Rejected | None:
    """Why ``article`` is not kept by ``window`` (undated, or published outside it), or None."""
    if article.published_at is None:
        return Rejected("window", "undated", where)
    day = article.published_at.astimezone(UTC).date()
    if (window.first and day < window.first) or (window.last and day > window.last):
        return Rejected("window", "outside", where)
    return None


def crawled_at(name: str) -> datetime | None:
    """When the crawl of a CC-NEWS file started, from its name; None for any other name."""
    found = _CC_NEWS.fullmatch(name)
    if found is None:
        return None
    try:
        return datetime.strptime(found[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:  # fourteen digits that are no time
        return None


def crawl_may_hold(name: str, window: Window) -> bool:
    """Whether the file ``name`` may hold articles published in ``window``: False only for a
    CC-NEWS file crawled too early or too late for it (see the module's docstring)."""
    started = crawled_at(name)
    if started is None:
        return True
    if window.first and started < _midnight(window.first) - EARLY_CRAWL:
        return False
    return not (window.last and started >= _midnight(window.last) + timedelta(days=1) + LATE_CRAWL)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
