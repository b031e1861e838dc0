"""Feed parsing on real ill-formed and oddly encoded feeds (monitor/pipeline/feeds.py).

The documents come from feedparser's own test suite, in ../shared/fixtures/feeds (outside the
project); the test is skipped, saying so, where that folder is absent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import FeedParseError
from monitor.pipeline.feeds import parse_feed
from monitor.records import ParsedFeed

NOW = datetime(2024, 2, 1, tzinfo=UTC)
XML = {"content-type": "application/xml"}
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "feeds"
FILES = sorted(FIXTURES.glob("*/*.xml")) if FIXTURES.is_dir() else []


@pytest.mark.skipif(not FILES, reason=f"feed fixtures not found at {FIXTURES}")
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_every_fixture_parses_or_is_refused_cleanly(path: Path) -> None:
    """Each real feed yields its entries (keys unique per entry) or one FeedParseError."""
    try:
        parsed = parse_feed(
            path.read_bytes(),
            feed_url=f"http://fixtures.example/{path.name}",
            headers=XML,
            now=NOW,
        )
    except FeedParseError as exc:
        refused = str(exc)
        parsed = None
    else:
        refused = ""
    if parsed is None:
        assert "not a feed" in refused
        return
    assert isinstance(parsed, ParsedFeed)
    for item in parsed.items:
        assert len(item.key) == 64
        assert item.published_at is None or item.published_at.tzinfo is not None


def test_rss_entries_become_items() -> None:
    """An RSS document gives one item per entry with link, title, summary and its own date."""
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>A</title><link>http://x.example/a</link><guid>g1</guid>
    <description>Sum &lt;b&gt;bold&lt;/b&gt;</description>
    <pubDate>Sun, 28 Jan 2024 15:00:00 +0200</pubDate></item></channel></rss>"""
    (item,) = parse_feed(body, feed_url="http://x.example/rss", headers=XML, now=NOW).items
    assert (item.link, item.title) == ("http://x.example/a", "A")
    assert "bold" in item.summary
    assert item.published_at is not None
    assert item.published_at.isoformat() == "2024-01-28T15:00:00+02:00"
    assert item.published_at == datetime(2024, 1, 28, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>hello</body></html>", b"\x00\x01\x02 garbage", b"{}"],
    ids=["empty", "html", "binary", "json"],
)
def test_non_feeds_are_refused(body: bytes) -> None:
    """A document that is not a feed raises FeedParseError naming the feed."""
    with pytest.raises(FeedParseError, match=r"x\.example"):
        parse_feed(body, feed_url="http://x.example/rss", headers=XML, now=NOW)


def test_impossible_entry_date_is_no_date() -> None:
    """An entry dated year 0 keeps its place in the feed, with no date."""
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>A</title><id>urn:a</id><link href="http://x.example/a"/>
    <updated>0000-01-01T00:00:00Z</updated></entry></feed>"""
    (item,) = parse_feed(body, feed_url="http://x.example/atom", headers=XML, now=NOW).items
    assert item.published_at is None
    assert item.link == "http://x.example/a"


def _dated(date: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A</title>'
        f"<guid isPermaLink='false'>g</guid><pubDate>{date}</pubDate></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("date", "kept", "why"),
    [
        ("Wed, 31 Jan 2024 10:00:00 GMT", True, None),
        ("Fri, 02 Feb 2024 12:00:00 +1400", True, None),  # ahead, but within a day of skew
        ("1990-01-01T00:00:00Z", True, None),
        ("Sat, 03 Feb 2024 01:00:00 GMT", False, "is in the future"),
        ("Sat, 01 Jan 2199 10:00:00 GMT", False, "is in the future"),
        ("9999-12-31T23:59:59-05:00", False, "is in the future"),
        ("Mon, 01 Jan 1900 10:00:00 GMT", False, "is before 1990"),
        ("1989-12-31T23:00:00Z", False, "is before 1990"),
        ("0001-01-01T00:00:00+05:00", False, "is before 1990"),
        ("0000-01-01T00:00:00Z", False, "is not a readable date"),
        ("Mon, 01 Jan 0000 00:00:00 GMT", False, "is not a readable date"),
        ("not a date", False, "is not a readable date"),
    ],
)
def test_entry_dates_out_of_range_are_set_aside(date: str, kept: bool, why: str | None) -> None:
    """An entry's date from 1990 to a day past now is kept; any other is read as no date, and
    the feed says which entry and why (a "0000" year is never read as 2000)."""
    parsed = parse_feed(
        _dated(date).encode(), feed_url="http://x.example/rss", headers=XML, now=NOW
    )
    (item,) = parsed.items
    assert (item.published_at is not None) is kept
    assert parsed.undated == (() if why is None else (f"entry 'g': date {date!r} {why}",))


@pytest.mark.parametrize(
    ("charset", "title"),
    [("windows-1256", "هجوم على قاعدة"), ("koi8-r", "Атака на базу"), ("big5", "基地遇襲")],
)
def test_the_http_charset_decodes_a_feed_that_names_none(charset: str, title: str) -> None:
    """A feed whose bytes say nothing of their encoding is decoded by the HTTP charset, with no
    warning; the response's Content-Location is the base of its relative links."""
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        f"<title>{title}</title><link>a/1</link></item></channel></rss>"
    ).encode(charset)
    headers = {
        "content-type": f"application/rss+xml; charset={charset}",
        "content-location": "http://mirror.example/news/",
    }
    parsed = parse_feed(body, feed_url="http://x.example/rss", headers=headers, now=NOW)
    assert parsed.warning is None
    assert [(i.title, i.link) for i in parsed.items] == [(title, "http://mirror.example/news/a/1")]


@pytest.mark.parametrize(
    "reference",
    [b"&#xD800;", b"&#57343;", b"&#x110000;", b"&#1114112;", b"&#" + b"9" * 5000 + b";"],
    ids=["high-surrogate", "low-surrogate", "past-unicode-hex", "past-unicode", "5000-digits"],
)
def test_reference_to_no_character_spoils_only_its_entry(reference: bytes) -> None:
    """A character reference to no character reads as U+FFFD; the feed and the entry beside
    it parse (feedparser alone raises on one, failing the whole feed)."""
    document = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>A " + reference + b" B</title><guid>a</guid></item>"
        b"<item><title>Rockets hit Harir</title><guid>b</guid></item></channel></rss>"
    )
    parsed = parse_feed(document, feed_url="http://x.example/rss", headers=XML, now=NOW)
    assert [item.title for item in parsed.items] == ["A \ufffd B", "Rockets hit Harir"]
    assert "references to no character" in (parsed.warning or "")
