"""How a poll stores its entries (monitor/refresh.py into monitor/store/items.py), on SQLite and
PostgreSQL alike: hostile entries, GUIDs repeated within one document, and retention.

Polls go through ``refresh_feed`` against a real feed server on loopback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select, update
from structlog.testing import capture_logs

from monitor.http import make_client
from monitor.records import FeedItem
from monitor.refresh import Refreshed, refresh_feed
from monitor.settings import HttpSettings
from monitor.store import Store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store.schema import ItemRow
from tests.loopback import Site, serve

NOW = datetime(2024, 1, 28, 15, 0, tzinfo=UTC)
HTTP = HttpSettings()
ATTACK = (
    "Rockets struck Harir air base north of Erbil on Sunday, Kurdistan Region security "
    "officials said, adding that there was no damage."
)


@dataclass(frozen=True, slots=True)
class Entry:
    guid: str
    title: str
    link: str = ""
    summary: str = ""


def _rss(entries: Sequence[Entry]) -> str:
    """An RSS document; entry text is put in as given, character references and all."""
    items = "".join(
        f"<item><title>{e.title}</title><guid>{e.guid}</guid>"
        + (f"<link>{e.link}</link>" if e.link else "")
        + f"<description>{e.summary}</description>"
        + f"<pubDate>{format_datetime(NOW)}</pubDate></item>"
        for e in entries
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve(Site()) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


@pytest.fixture
def feed(store: Store, site: Site) -> feed_store.FeedState:
    """The test's own feed on the shared server."""
    url = f"{site.base_url}/{uuid.uuid4().hex}.xml"
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [(url, "t", 60.0)], now=NOW)
    return state


def _poll(
    store: Store,
    client: httpx.Client,
    site: Site,
    entries: Sequence[Entry],
    *,
    now: datetime = NOW,
    retention_s: float | None = None,
    state: feed_store.FeedState | None = None,
) -> Refreshed:
    """Serve ``entries`` as the feed, then poll it as the daemon would (its row's validators),
    or with ``state``'s."""
    if state is None:
        with store.begin() as conn:
            (state,) = feed_store.list_feeds(conn)
    site.put(urlsplit(state.url).path, "application/rss+xml", _rss(entries))
    return refresh_feed(
        state, client=client, store=store, now=now, http=HTTP, retention_s=retention_s
    )


def _rows(store: Store) -> list[ItemRow]:
    with store.begin() as conn:
        return list(conn.execute(select(ItemRow).order_by(ItemRow.id)).all())  # type: ignore[arg-type]


def _read_all(store: Store, now: datetime) -> None:
    """Mark every queued item read, as the item loop would once its page is processed."""
    with store.begin() as conn:
        for pending in item_store.claim_items(conn, now=now, limit=10_000, lease_s=60):
            item_store.finish_item(conn, pending.id, now=now, status="done")


# --- Item 8: one bad entry never stops its feed ---------------------------------------------


def test_entries_a_database_would_refuse_are_stored_cleaned_beside_the_attack(
    store: Store, client: httpx.Client, site: Site, feed: feed_store.FeedState
) -> None:
    """NUL, references to surrogates or past U+10FFFF, and a link over 2,048 characters are
    cleaned or dropped; the attack beside them is queued and the feed does not back off."""
    long_link = f"{site.base_url}/{'a' * 3000}"
    entries = [
        Entry("nul", "Weather&#0; update", f"{site.base_url}/w", "calm&#0; skies"),
        Entry("surrogate", "Markets &#xD800; &#xDE00; today", f"{site.base_url}/m"),
        Entry("beyond", "Sport &#1114112; &#99999999999999999999999;", f"{site.base_url}/s"),
        Entry("long", "A long link", long_link),
        Entry("arabic", "A long Arabic slug", f"{site.base_url}/{'هجوم-' * 300}"),
        Entry("attack", "Rockets hit Harir air base", f"{site.base_url}/attack", ATTACK),
    ]
    with capture_logs() as logs:
        result = _poll(store, client, site, entries)
    assert (result.error, result.new_items) == (None, 6)
    rows = {row.link or row.title: row for row in _rows(store)}
    assert rows[f"{site.base_url}/attack"].summary == ATTACK
    assert rows[f"{site.base_url}/w"].title == "Weather update"
    assert rows[f"{site.base_url}/w"].summary == "calm skies"
    assert rows[f"{site.base_url}/m"].title == "Markets \ufffd \ufffd today"
    assert {row.title for row in rows.values() if row.link is None} == {
        "A long link",  # read from their own text, their links dropped
        "A long Arabic slug",
    }
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == []
    assert any(e["event"] == "feed_entry_trimmed" for e in logs)
    with store.begin() as conn:
        (state,) = feed_store.list_feeds(conn)
    assert (state.error_count, state.last_ok_at) == (0, NOW)


def test_entry_the_database_refuses_is_skipped_alone(store: Store) -> None:
    """An entry whose row the database refuses is skipped with its reason under its own
    savepoint; the entries beside it and the rest of the transaction are kept."""

    def entry(key: str, published_at: datetime | None) -> FeedItem:
        return FeedItem(key * 64, f"http://x.example/{key}", key, "", published_at)

    naive = datetime(2024, 1, 28, 15, 0)  # noqa: DTZ001 - the refused value
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [("http://x.example/rss", "x", 60.0)], now=NOW)
        added = item_store.add_items(
            conn, state.id, [entry("a", NOW), entry("b", naive), entry("c", None)], now=NOW
        )
        feed_store.record_success(
            conn, state.id, etag=None, last_modified=None, now=NOW, interval_s=60.0
        )
    assert added.new == 2
    ((skipped, reason),) = added.skipped
    assert skipped.key == "b" * 64
    assert "naive datetime" in reason
    assert [row.title for row in _rows(store)] == ["a", "c"]


def test_validators_too_long_for_their_columns_are_not_kept(store: Store) -> None:
    """An ETag or Last-Modified longer than its column is dropped, not the poll."""
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [("http://x.example/rss", "x", 60.0)], now=NOW)
    document = _rss([Entry("a", "A", "http://x.example/a")]).encode()
    headers = {"ETag": '"' + "e" * 600 + '"', "Last-Modified": "Sun, " + "x" * 200}
    transport = httpx.MockTransport(
        lambda _: httpx.Response(200, content=document, headers=headers)
    )
    with make_client(transport=transport) as client:
        result = refresh_feed(state, client=client, store=store, now=NOW, http=HTTP)
    assert (result.error, result.new_items) == (None, 1)
    with store.begin() as conn:
        (state,) = feed_store.list_feeds(conn)
    assert (state.etag, state.last_modified, state.error_count) == (None, None, 0)


# --- Item 9: GUIDs repeated within one document -----------------------------------------------


def test_entry_sharing_a_guid_with_an_earlier_one_is_queued(
    store: Store, client: httpx.Client, site: Site, feed: feed_store.FeedState
) -> None:
    """An attack listed above an earlier entry under that entry's GUID is queued (the
    collision logged), and polling the same document again queues nothing."""
    weather = Entry("story-1", "Weather", f"{site.base_url}/weather", "Sunny.")
    attack = Entry("story-1", "Rockets hit Harir", f"{site.base_url}/attack", ATTACK)
    assert _poll(store, client, site, [weather]).new_items == 1
    with capture_logs() as logs:
        _poll(store, client, site, [attack, weather], state=feed)
    assert any(e["event"] == "feed_guid_repeated" for e in logs)
    assert f"{site.base_url}/attack" in {row.link for row in _rows(store)}
    for _ in range(2):  # the same document again, in the other order: nothing new
        assert _poll(store, client, site, [attack, weather], state=feed).new_items == 0
        assert _poll(store, client, site, [weather, attack], state=feed).new_items == 0


def test_entries_sharing_a_guid_and_a_link_are_told_apart_by_their_text(
    store: Store, client: httpx.Client, site: Site, feed: feed_store.FeedState
) -> None:
    """Entries sharing GUID and link (a live page) are queued each; an entry listed twice
    alike is queued once."""
    link = f"{site.base_url}/live"
    first = Entry("live", "Live: day one", link, "Quiet.")
    second = Entry("live", "Live: day two", link, ATTACK)
    assert _poll(store, client, site, [first, second, second]).new_items == 2
    assert _poll(store, client, site, [second, first], state=feed).new_items == 0
    assert sorted(row.title for row in _rows(store)) == ["Live: day one", "Live: day two"]


# --- Item 12: the items table is bounded --------------------------------------------------------


def test_churning_feed_keeps_a_bounded_table_and_never_requeues_a_listed_entry(
    store: Store, client: httpx.Client, site: Site, feed: feed_store.FeedState
) -> None:
    """A feed whose GUIDs change on every poll keeps only the retention window's rows, while
    an entry it lists on every poll is queued once, however long ago."""
    stable = Entry("stable", "Stable", f"{site.base_url}/stable")
    polls, churn, step, retention = 12, 10, timedelta(hours=1), timedelta(hours=3)
    queued, sizes = 0, []
    for n in range(polls):
        now = NOW + n * step
        fresh = [Entry(f"churn-{n}-{i}", f"Churn {n}.{i}", "") for i in range(churn)]
        result = _poll(
            store, client, site, [stable, *fresh], now=now, retention_s=retention.total_seconds()
        )
        queued += result.new_items
        _read_all(store, now)
        sizes.append(len(_rows(store)))
    assert queued == 1 + polls * churn
    # rows seen within the window (its 4 polls) plus the stable entry: never more
    assert max(sizes) <= 1 + churn * (retention // step + 1)
    (kept,) = [row for row in _rows(store) if row.link == stable.link]
    assert kept.created_at == NOW


def test_entries_of_an_unchanged_feed_outlive_retention(
    store: Store, client: httpx.Client, site: Site, feed: feed_store.FeedState
) -> None:
    """A feed answering 304 for longer than retention still lists its entries: none is
    forgotten, so none is queued again when the document changes."""
    old = [Entry("a", "A", f"{site.base_url}/a"), Entry("b", "B", f"{site.base_url}/b")]
    day = 86400.0
    assert _poll(store, client, site, old, retention_s=day).new_items == 2
    _read_all(store, NOW)
    unchanged = _poll(store, client, site, old, now=NOW + timedelta(days=10), retention_s=day)
    assert unchanged.not_modified
    assert len(_rows(store)) == 2
    changed = [*old, Entry("c", "C", f"{site.base_url}/c")]
    assert (
        _poll(store, client, site, changed, now=NOW + timedelta(days=11), retention_s=day).new_items
        == 1
    )


@pytest.mark.parametrize(
    ("status", "last_seen_days_ago", "in_latest_document", "forgotten"),
    [
        ("done", 10, False, True),
        ("skipped", 10, False, True),
        ("pending", 10, False, False),
        ("done", 1, False, False),
        ("done", 10, True, False),
    ],
    ids=["read-and-dropped", "skipped-and-dropped", "never-read", "recent", "still-listed"],
)
def test_what_retention_forgets(
    store: Store, status: str, last_seen_days_ago: int, in_latest_document: bool, forgotten: bool
) -> None:
    """Only an item read (or skipped), past retention, and absent from the feed's latest
    document is deleted."""
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [("http://x.example/rss", "x", 60.0)], now=NOW)
        seen_at = NOW - timedelta(days=last_seen_days_ago)
        item_store.add_items(conn, state.id, [FeedItem("k" * 64, None, "k", "", None)], now=seen_at)
        if not in_latest_document:
            item_store.add_items(conn, state.id, [FeedItem("z" * 64, None, "z", "", None)], now=NOW)
        conn.execute(update(ItemRow).values(status="done"))
        conn.execute(update(ItemRow).where(ItemRow.item_key == "k" * 64).values(status=status))
        pruned = item_store.prune_items(conn, state.id, before=NOW - timedelta(days=7), limit=100)
        left = conn.execute(
            select(func.count()).select_from(ItemRow).where(ItemRow.item_key == "k" * 64)
        ).scalar_one()
    assert (pruned, left) == ((1, 0) if forgotten else (0, 1))


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("plain", "plain"),
        ("a\x00b", "ab"),
        ("a\ud800b", "a\ufffdb"),
        ("x\udfff", "x\ufffd"),
        ("\ud83d\ude00", "\U0001f600"),
        ("\ude00\ud83d", "\ufffd\ufffd"),
    ],
    ids=["plain", "nul", "lone-high", "lone-low", "split-pair", "reversed-pair"],
)
def test_every_text_column_stores_what_a_database_refuses_cleaned(
    store: Store, text: str, stored: str
) -> None:
    """Any text column (here a feed's error) drops NUL and mends surrogates, on both dialects."""
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [("http://x.example/rss", "x", 60.0)], now=NOW)
        feed_store.record_failure(conn, state.id, error=text, now=NOW, retry_after_s=60.0)
        (state,) = feed_store.list_feeds(conn)
    assert state.last_error == stored
