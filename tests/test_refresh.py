"""The feed unit of work and the page step (monitor/refresh.py), over httpx.MockTransport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from structlog.testing import capture_logs

from monitor.http import make_client
from monitor.pipeline.rules import Ruleset
from monitor.process import AlertPolicy, Processed
from monitor.records import Rejected
from monitor.refresh import MAX_PAGE_ATTEMPTS, process_item, refresh_feed
from monitor.settings import HttpSettings
from monitor.store import Store
from monitor.store import events as event_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from tests.loopback import Site, serve

NOW = datetime(2024, 1, 28, 15, 0, tzinfo=UTC)
HTTP = HttpSettings()
FEED_URL = "http://feeds.example/rss"
STORY = (
    "Rockets struck Harir air base north of Erbil on Sunday, Kurdistan Region security "
    "officials said, adding that there was no damage."
)


def _rss(*links: str, summary: str = "") -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{summary}</description><pubDate>{format_datetime(NOW)}</pubDate></item>"
        for i, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    ).encode()


@pytest.fixture
def feed(store: Store) -> feed_store.FeedState:
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [(FEED_URL, "example", 60.0)], now=NOW)
    return state


def _state(store: Store) -> feed_store.FeedState:
    with store.begin() as conn:
        (state,) = feed_store.list_feeds(conn)
    return state


def test_new_entries_are_queued_once_and_304_costs_nothing(
    store: Store, feed: feed_store.FeedState
) -> None:
    """A first poll queues the entries; an unchanged feed answers 304 and queues nothing."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"1"':
            return httpx.Response(304)
        return httpx.Response(
            200,
            content=_rss("http://feeds.example/a", "http://feeds.example/b"),
            headers={"ETag": '"1"'},
        )

    with make_client(transport=httpx.MockTransport(handler)) as client:
        first = refresh_feed(feed, client=client, store=store, now=NOW, http=HTTP)
        second = refresh_feed(_state(store), client=client, store=store, now=NOW, http=HTTP)
    assert first.new_items == 2
    assert second.not_modified
    assert second.new_items == 0
    state = _state(store)
    assert (state.etag, state.error_count, state.last_ok_at) == ('"1"', 0, NOW)
    assert state.next_check_at == NOW + timedelta(seconds=60)


def test_failures_back_off_and_retry_after_is_honoured(
    store: Store, feed: feed_store.FeedState
) -> None:
    """Each failure is recorded on the row; the next check moves out, at least by Retry-After."""
    answers = [httpx.Response(500), httpx.Response(429, headers={"Retry-After": "3600"})]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    with make_client(transport=httpx.MockTransport(handler)) as client:
        refresh_feed(feed, client=client, store=store, now=NOW, http=HTTP)
        first = _state(store)
        refresh_feed(first, client=client, store=store, now=NOW, http=HTTP)
        second = _state(store)
    assert first.error_count == 1
    assert "status 500" in (first.last_error or "")
    assert first.next_check_at is not None
    assert 54 <= (first.next_check_at - NOW).total_seconds() <= 66
    assert second.error_count == 2
    assert second.next_check_at is not None
    assert (second.next_check_at - NOW).total_seconds() >= 3600


def test_a_poll_failing_after_its_lease_was_given_back_records_nothing(
    store: Store, feed: feed_store.FeedState
) -> None:
    """A daemon stopping gives its feeds back (due at once); a poll it cut short that fails
    afterwards (its client closed under it) leaves the feed due, not backing off."""
    with store.begin() as conn:
        claimed = feed_store.claim_feed(conn, feed.id, replica="r1", now=NOW, lease_s=70)
    assert claimed is not None
    with store.begin() as conn:
        feed_store.release_feeds(conn, replica="r1", now=NOW)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("Bad file descriptor")

    with make_client(transport=httpx.MockTransport(handler)) as client:
        refresh_feed(claimed, client=client, store=store, now=NOW, http=HTTP)
    after = _state(store)
    assert (after.error_count, after.last_error, after.next_check_at) == (0, None, NOW)


def test_not_a_feed_is_an_error_on_that_feed(store: Store, feed: feed_store.FeedState) -> None:
    """An HTML page where the feed should be is recorded as that feed's error."""
    page = httpx.Response(
        200,
        content=b"<html><body><p>Hello</p></body></html>",
        headers={"Content-Type": "text/html"},
    )
    with make_client(transport=httpx.MockTransport(lambda r: page)) as client:
        result = refresh_feed(feed, client=client, store=store, now=NOW, http=HTTP)
    assert result.error is not None
    assert "not a feed" in result.error
    assert _state(store).error_count == 1


def _queue(store: Store, feed: feed_store.FeedState, handler) -> list[item_store.PendingItem]:  # type: ignore[no-untyped-def]
    with make_client(transport=httpx.MockTransport(handler)) as client:
        refresh_feed(feed, client=client, store=store, now=NOW, http=HTTP)
    with store.begin() as conn:
        return item_store.claim_items(conn, now=NOW, limit=10, lease_s=60)


def _read_queued(store: Store, rules: Ruleset, feed: feed_store.FeedState, handler):  # type: ignore[no-untyped-def]
    """Poll the feed, then read its one queued item, all through ``handler``."""
    (pending,) = _queue(store, feed, handler)
    with make_client(transport=httpx.MockTransport(handler)) as client:
        return _read(pending, client, store, rules)


def _read(
    pending: item_store.PendingItem,
    client: httpx.Client,
    store: Store,
    rules: Ruleset,
    now: datetime = NOW,
) -> Processed | Rejected:
    """``process_item`` with the test's defaults."""
    return process_item(
        pending, client=client, store=store, rules=rules, now=now, policy=AlertPolicy(), http=HTTP
    )


def test_link_to_internal_address_is_never_fetched(
    store: Store, rules: Ruleset, feed: feed_store.FeedState
) -> None:
    """A feed listing a link to 169.254.169.254 gets the item skipped without a request there."""
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, content=_rss("http://169.254.169.254/latest/meta-data/"))

    result = _read_queued(store, rules, feed, handler)
    assert isinstance(result, Rejected)
    assert result.reason == "refused"
    assert requested == [FEED_URL]


def test_unreadable_page_falls_back_to_the_entry_text(
    store: Store, rules: Ruleset, feed: feed_store.FeedState
) -> None:
    """When the page is gone, the entry's own summary is read instead, and marked as such."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rss":
            return httpx.Response(200, content=_rss("http://feeds.example/s", summary=STORY))
        return httpx.Response(404)

    _read_queued(store, rules, feed, handler)
    with store.begin() as conn:
        (event,) = event_store.list_events(conn)
        assert item_store.count_pending(conn) == 0
    assert (event.base_id, str(event.day)) == ("harir", "2024-01-28")
    from sqlalchemy import select

    from monitor.store.schema import ArticleRow

    with store.begin() as conn:
        assert conn.execute(select(ArticleRow.origin)).scalar_one() == "feed_summary"


# A page about a base that reports no attack on it: the base is named far from any attack word.
QUIET_PAGE = (
    "<html><head><title>Harir air base opens a school</title></head><body><article>"
    "<p>Harir air base opened a school for the children of the nearby villages on Sunday, "
    "officials said.</p>"
    + "<p>The council met again to discuss the budget of the town and its new roads.</p>" * 25
    + "<p>Elsewhere, a car was hit by a falling tree.</p></article></body></html>"
).encode()


@pytest.mark.parametrize(
    ("title", "extracted"),
    [("Story 0", False), ("Drones hit Harir air base", True)],
    ids=["no-attack-near-the-base", "attack-in-the-entry-title"],
)
def test_a_page_is_extracted_only_where_a_base_may_be_named_as_attacked(
    store: Store, rules: Ruleset, feed: feed_store.FeedState, title: str, extracted: bool
) -> None:
    """A page naming a base only far from any attack word is not extracted (the entry's own
    text stands in); it is when the entry's title, which the extractor reads with the page,
    reports the attack."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rss":
            feed_body = _rss("http://feeds.example/s").replace(b"Story 0", title.encode())
            return httpx.Response(200, content=feed_body)
        return httpx.Response(200, content=QUIET_PAGE)

    result = _read_queued(store, rules, feed, handler)
    with store.begin() as conn:
        events = [e.base_id for e in event_store.list_events(conn)]
    if extracted:
        assert isinstance(result, Processed)
        assert events == ["harir"]
    else:
        assert isinstance(result, Rejected)
        assert "no tracked base beside an attack word" in result.detail
        assert events == []


def test_passing_page_failure_is_retried_before_falling_back(
    store: Store, rules: Ruleset, feed: feed_store.FeedState
) -> None:
    """A 503 page is tried again later (the item back in the queue), and only after the last
    attempt does the entry's own text stand in."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rss":
            return httpx.Response(200, content=_rss("http://feeds.example/s", summary=STORY))
        return httpx.Response(503)

    (pending,) = _queue(store, feed, handler)
    outcomes = []
    now = NOW
    with make_client(transport=httpx.MockTransport(handler)) as client:
        for _ in range(MAX_PAGE_ATTEMPTS):
            result = _read(pending, client, store, rules, now)
            outcomes.append(result.reason if isinstance(result, Rejected) else "processed")
            now += timedelta(hours=1)
            with store.begin() as conn:
                again = item_store.claim_items(conn, now=now, limit=1, lease_s=60)
            pending = again[0] if again else pending
    assert outcomes == ["retry_later"] * (MAX_PAGE_ATTEMPTS - 1) + ["processed"]
    with store.begin() as conn:
        (event,) = event_store.list_events(conn)
        assert item_store.count_pending(conn) == 0
    assert event.base_id == "harir"


def test_page_that_repeats_another_article_falls_back_to_the_entry(
    store: Store, rules: Ruleset, feed: feed_store.FeedState
) -> None:
    """Two entries whose links both land on the same consent page are each read from their own
    text: neither is lost as a duplicate of the other."""
    consent = (
        "<html><body><article><p>" + "We value your privacy. Accept all cookies to "
        "continue reading this site and its partners' content. "
        * 5
        + "</p></article></body></html>"
    )
    other = STORY.replace("Harir air base", "Ain al-Asad air base")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rss":
            body = _rss("http://feeds.example/a", summary=STORY).replace(
                b"</channel>",
                _rss("http://feeds.example/b", summary=other)
                .split(b"<channel><title>t</title>")[1]
                .split(b"</channel>")[0]
                + b"</channel>",
            )
            return httpx.Response(200, content=body)
        return httpx.Response(200, content=consent.encode())

    pending = _queue(store, feed, handler)
    assert len(pending) == 2
    with make_client(transport=httpx.MockTransport(handler)) as client:
        for item in pending:
            _read(item, client, store, rules)
    with store.begin() as conn:
        bases = sorted(e.base_id for e in event_store.list_events(conn))
    assert bases == ["ain-al-asad", "harir"]


# -- feeds over real HTTP: the response's charset, media type and entry dates ----------------


def _poll_loopback(
    store: Store, content_type: str, body: bytes
) -> tuple[feed_store.FeedState, list[item_store.PendingItem]]:
    """Serve ``body`` as ``content_type`` on loopback, poll it once, and claim what it queued."""
    with serve(Site()) as site:
        site.put("/rss", content_type, body)
        with store.begin() as conn:
            (state,) = feed_store.sync_feeds(conn, [(site.base_url + "/rss", "x", 60.0)], now=NOW)
        with make_client() as client:
            refresh_feed(state, client=client, store=store, now=NOW, http=HTTP)
    state = _state(store)
    with store.begin() as conn:
        return state, item_store.claim_items(conn, now=NOW, limit=10, lease_s=60)


def _feed_of(*titles_and_dates: tuple[str, str]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>http://news.example/{i}</link>"
        f'<guid isPermaLink="false">g{i}</guid>'
        f"<pubDate>{date}</pubDate></item>"
        for i, (title, date) in enumerate(titles_and_dates)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )


@pytest.mark.parametrize(
    ("charset", "title"),
    [
        ("windows-1256", "صواريخ تضرب قاعدة حرير الجوية"),
        ("koi8-r", "Ракеты ударили по авиабазе Харир"),
    ],
)
def test_a_charset_given_only_by_the_http_header_decodes_titles(
    store: Store, charset: str, title: str
) -> None:
    """A feed whose encoding only its Content-Type names is read in that encoding, and a
    healthy feed leaves no error on its row."""
    body = _feed_of((title, format_datetime(NOW))).encode(charset)
    state, queued = _poll_loopback(store, f"application/rss+xml; charset={charset}", body)
    assert [p.item.title for p in queued] == [title]
    assert (state.error_count, state.last_error) == (0, None)


@pytest.mark.parametrize(
    ("content_type", "warning"),
    [
        (
            "text/html; charset=utf-8",
            "NonXMLContentType: text/html; charset=utf-8 is not an XML media type",
        ),
        ("text/plain", "NonXMLContentType: text/plain is not an XML media type"),
        ("", "NonXMLContentType: no Content-type specified"),
    ],
    ids=["text-html", "text-plain", "no-content-type"],
)
def test_a_feed_served_with_a_wrong_media_type_is_read_and_says_so(
    store: Store, content_type: str, warning: str
) -> None:
    """A feed served as HTML, plain text or with no type is read all the same (as feedparser
    does), and its row says what the server got wrong."""
    body = _feed_of(("Rockets hit Harir air base", format_datetime(NOW))).encode()
    state, queued = _poll_loopback(store, content_type, body)
    assert [p.item.title for p in queued] == ["Rockets hit Harir air base"]
    assert state.error_count == 0
    assert state.last_error == f"warning: {warning}"


def test_impossible_entry_dates_are_set_aside_and_logged(store: Store) -> None:
    """Entries dated 2199, 1900 or year 0 are queued undated (read at fetch time), each named
    once in the log, and the feed's row says so; a believable date is kept."""
    body = _feed_of(
        ("far future", "Sat, 01 Jan 2199 10:00:00 GMT"),
        ("long ago", "Mon, 01 Jan 1900 10:00:00 GMT"),
        ("year zero", "Mon, 01 Jan 0000 00:00:00 GMT"),
        ("today", format_datetime(NOW)),
    ).encode()
    with capture_logs() as logs:
        state, queued = _poll_loopback(store, "application/rss+xml", body)
    dates = {p.item.title: p.item.published_at for p in queued}
    assert dates == {"far future": None, "long ago": None, "year zero": None, "today": NOW}
    ignored = [e["problem"] for e in logs if e["event"] == "feed_entry_date_ignored"]
    assert ignored == [
        "entry 'g0': date 'Sat, 01 Jan 2199 10:00:00 GMT' is in the future",
        "entry 'g1': date 'Mon, 01 Jan 1900 10:00:00 GMT' is before 1990",
        "entry 'g2': date 'Mon, 01 Jan 0000 00:00:00 GMT' is not a readable date",
    ]
    assert state.last_error == f"warning: {ignored[0]} (and 2 more)"
