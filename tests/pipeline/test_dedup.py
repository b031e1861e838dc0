"""Entry keys within one feed document (monitor/pipeline/dedup.py: ``distinct_items``)."""

from __future__ import annotations

import pytest

from monitor.pipeline.dedup import distinct_items, item_key
from monitor.records import FeedItem


def _entry(guid: str, link: str, title: str, summary: str = "") -> FeedItem:
    return FeedItem(item_key(guid, link, title, summary), link, title, summary, None)


WEATHER = _entry("g1", "https://news.example/weather", "Weather")
ATTACK = _entry("g1", "https://news.example/attack", "Rockets hit Harir")
LIVE_1 = _entry("g2", "https://news.example/live", "Live: day one", "Quiet.")
LIVE_2 = _entry("g2", "https://news.example/live?utm_source=rss", "Live: day two", "Rockets.")
OTHER = _entry("g3", "https://news.example/other", "Other")


@pytest.mark.parametrize(
    ("document", "distinct", "notes"),
    [
        ([WEATHER, OTHER], 2, 0),
        ([ATTACK, WEATHER, OTHER], 3, 1),
        ([LIVE_1, LIVE_2], 2, 1),
        ([OTHER, OTHER], 1, 1),
        ([ATTACK, WEATHER, ATTACK, LIVE_1, LIVE_2], 4, 2),
    ],
    ids=["unique-guids", "guid-reused", "guid-and-link-shared", "listed-twice", "mixed"],
)
def test_entries_of_one_document_get_distinct_keys_whatever_their_order(
    document: list[FeedItem], distinct: int, notes: int
) -> None:
    """Entries sharing a GUID are keyed apart (by link, then text), the same way in any order;
    an entry listed twice alike is kept once; each shared key gets one note."""
    items, repeats = distinct_items(document)
    again, _ = distinct_items(list(reversed(document)))
    assert len({item.key for item in items}) == len(items) == distinct
    assert {item.key for item in again} == {item.key for item in items}
    assert len(repeats) == notes


def test_a_document_without_shared_keys_is_left_as_it_is() -> None:
    """Unique keys stay the keys earlier polls stored."""
    assert distinct_items([WEATHER, OTHER]) == ((WEATHER, OTHER), ())
