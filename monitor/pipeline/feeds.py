"""Feed parsing with feedparser, from bytes already fetched: ``parse_feed``."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

from monitor.errors import FeedParseError
from monitor.pipeline.dedup import item_key
from monitor.records import FeedItem, ParsedFeed


def parse_feed(body: bytes, *, feed_url: str) -> ParsedFeed:
    """The entries of a feed document; FeedParseError when it is not a feed at all."""
    readable = _without_bad_charrefs(body)
    parsed = feedparser.parse(readable, response_headers={"content-location": feed_url})
    warning = None
    if parsed.get("bozo"):
        warning = f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
    if readable != body:
        note = "references to no character (a surrogate, past U+10FFFF) read as U+FFFD"
        warning = f"{warning}; {note}" if warning else note
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"feeds: {feed_url}: not a feed ({warning or 'no entries'})")
    items = tuple(_item(entry) for entry in parsed.entries)
    return ParsedFeed(title=parsed.feed.get("title", ""), items=items, warning=warning)


_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")


def _without_bad_charrefs(body: bytes) -> bytes:
    """``body`` with each character reference to no character (a surrogate, past U+10FFFF)
    replaced by U+FFFD. feedparser's lenient parser raises on one, which would fail the whole
    feed for one entry's title."""
    return _CHARREF.sub(_checked_charref, body)


def _checked_charref(match: re.Match[bytes]) -> bytes:
    digits = match.group(1).lstrip(b"xX0") or b"0"
    if len(digits) > 7:  # past U+10FFFF in either base (and too long for int() to read)
        return b"&#xFFFD;"
    code = int(digits, 16) if match.group(1)[:1] in b"xX" else int(digits)
    return match.group(0) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else b"&#xFFFD;"


def _local_time(text: object) -> datetime | None:
    """A feed date in the publisher's own offset (RFC 822 or ISO), when it has one."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        stamp = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return stamp if stamp.tzinfo is not None and 1900 <= stamp.year <= 2200 else None


def _item(entry: Any) -> FeedItem:
    content = entry.get("content") or []
    summary = content[0].get("value", "") if content else entry.get("summary", "")
    title = entry.get("title", "") or ""
    summary = summary if isinstance(summary, str) else ""
    published = _local_time(entry.get("published") or entry.get("updated"))
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if published is None and stamp is not None:
        try:
            published = datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            published = None  # "0000-01-01": no date rather than no feed
        if published is not None and not 1900 <= published.year <= 2200:
            published = None
    link = entry.get("link")
    if not isinstance(link, str):
        link = None
    return FeedItem(
        key=item_key(entry.get("id"), link, title, summary),
        link=link,
        title=title,
        summary=summary,
        published_at=published,
    )
