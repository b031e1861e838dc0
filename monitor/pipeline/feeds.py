"""Feed parsing with feedparser, from bytes already fetched: ``parse_feed``."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from monitor.errors import FeedParseError
from monitor.pipeline.dates import EARLIEST_PUBLISHED, plausible_published
from monitor.pipeline.dedup import item_key
from monitor.records import FeedItem, ParsedFeed

# The response headers feedparser reads: the charset and media type, the base URI, the language.
_HEADERS = ("content-type", "content-location", "content-language")
_RFC822_YEAR = re.compile(r"\b\d{1,2}\s+[a-z]{3,}\.?\s+(\d+)\b", re.IGNORECASE)


def parse_feed(
    body: bytes, *, feed_url: str, headers: Mapping[str, str], now: datetime
) -> ParsedFeed:
    """The entries of a feed document; FeedParseError when it is not a feed at all.

    ``headers`` are the HTTP response's (lower-case names). feedparser decodes by the charset
    of Content-Type as HTTP and XML require (a koi8-r feed that says so only there is read
    right), resolves links against Content-Location or else ``feed_url``, and warns of a media
    type that is not XML. An entry dated outside what ``plausible_published`` believes (2199,
    1900, year 0) is read as undated, and ``ParsedFeed.undated`` says which and why.
    """
    given = {name: headers[name] for name in _HEADERS if name in headers}
    given["content-location"] = urljoin(feed_url, given.get("content-location", ""))
    readable = _without_bad_charrefs(body)
    parsed = feedparser.parse(readable, response_headers=given)
    warning = None
    if parsed.get("bozo"):
        warning = f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
    if readable != body:
        note = "references to no character (a surrogate, past U+10FFFF) read as U+FFFD"
        warning = f"{warning}; {note}" if warning else note
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"feeds: {feed_url}: not a feed ({warning or 'no entries'})")
    read = [_item(entry, now) for entry in parsed.entries]
    return ParsedFeed(
        title=parsed.feed.get("title", ""),
        items=tuple(r.item for r in read),
        warning=warning,
        undated=tuple(r.date_problem for r in read if r.date_problem),
    )


@dataclass(frozen=True, slots=True)
class _Read:
    item: FeedItem
    date_problem: str | None  # why the entry's date was set aside


def _item(entry: Any, now: datetime) -> _Read:
    content = entry.get("content") or []
    summary = content[0].get("value", "") if content else entry.get("summary", "")
    title = entry.get("title", "") or ""
    summary = summary if isinstance(summary, str) else ""
    link = entry.get("link")
    if not isinstance(link, str):
        link = None
    key = item_key(entry.get("id"), link, title, summary)
    field = "published" if entry.get("published") else "updated"
    written = entry.get(field)
    read = _read_date(written, entry.get(f"{field}_parsed"))
    published = None if read is None else plausible_published(read, now)
    problem = None
    if written and published is None:
        why = (
            "is not a readable date"
            if read is None
            else f"is before {EARLIEST_PUBLISHED.year}"
            if read < EARLIEST_PUBLISHED
            else "is in the future"
        )
        problem = (
            f"entry {entry.get('id') or link or title[:80]!r}: date {str(written)[:60]!r} {why}"
        )
    item = FeedItem(key=key, link=link, title=title, summary=summary, published_at=published)
    return _Read(item, problem)


def _read_date(written: object, stamp: Any) -> datetime | None:
    """An entry's date: in the publisher's own offset when the text has one (RFC 822 or ISO),
    else feedparser's reading of it in UTC; None when neither reads."""
    local = _local_time(written)
    if local is not None or stamp is None:
        return local
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None  # "0000-01-01"


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
        year = _RFC822_YEAR.search(text)
        if year and len(year[1]) > 2 and int(year[1]) != stamp.year:
            return None  # "01 Jan 0000": the two-digit-year rule made it 2000
    except (TypeError, ValueError, IndexError):
        try:
            stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return stamp if stamp.tzinfo is not None else None
