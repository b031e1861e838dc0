"""Feed items: entries seen once, queued until their page is read and processed.

Claiming an item moves its ``next_attempt_at`` forward by a lease, so a worker that dies leaves
the item to be claimed again when the lease expires; processing is idempotent (articles are
unique by URL and text), so a second attempt never doubles an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, func, select, update

from monitor.records import FeedItem
from monitor.store._sql import insert_ignore, release_pending_leases
from monitor.store.schema import FeedRow, ItemRow

_items = cast(Table, ItemRow.__table__)
_feeds = cast(Table, FeedRow.__table__)


@dataclass(frozen=True, slots=True)
class PendingItem:
    id: int
    feed_id: int
    feed_url: str
    item: FeedItem
    attempts: int


def add_items(conn: Connection, feed_id: int, items: Sequence[FeedItem], *, now: datetime) -> int:
    """Queue the entries this feed never listed before; how many were new."""
    new = 0
    for item in items:
        inserted = insert_ignore(
            conn,
            _items,
            {
                "feed_id": feed_id,
                "item_key": item.key,
                "link": item.link,
                "title": item.title,
                "summary": item.summary,
                "published_at": item.published_at,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        new += inserted is not None
    return new


def claim_items(
    conn: Connection, *, now: datetime, limit: int, lease_s: float, replica: str | None = None
) -> list[PendingItem]:
    """Due pending items, oldest first, each leased to the caller for ``lease_s``.

    On PostgreSQL the rows are locked (``SKIP LOCKED``), so replicas claim different items
    without waiting on each other; the conditional update makes a claim safe on any database.
    """
    rows = conn.execute(
        select(_items, _feeds.c.url.label("feed_url"))
        .join(_feeds, _feeds.c.id == _items.c.feed_id)
        .where(_items.c.status == "pending", _items.c.next_attempt_at <= now)
        .order_by(_items.c.next_attempt_at, _items.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_items)
    ).all()
    claimed = []
    lease_until = now + timedelta(seconds=lease_s)
    for row in rows:
        result = conn.execute(
            update(_items)
            .where(_items.c.id == row.id, _items.c.next_attempt_at == row.next_attempt_at)
            .values(next_attempt_at=lease_until, attempts=_items.c.attempts + 1, leased_by=replica)
        )
        if result.rowcount == 1:
            claimed.append(
                PendingItem(
                    id=row.id,
                    feed_id=row.feed_id,
                    feed_url=row.feed_url,
                    attempts=row.attempts + 1,
                    item=FeedItem(
                        key=row.item_key,
                        link=row.link,
                        title=row.title,
                        summary=row.summary,
                        published_at=row.published_at,
                    ),
                )
            )
    return claimed


def finish_item(
    conn: Connection, item_id: int, *, now: datetime, status: str, error: str | None = None
) -> None:
    """Mark an item done (or skipped, with why)."""
    conn.execute(
        update(_items)
        .where(_items.c.id == item_id)
        .values(
            status=status,
            done_at=now,
            last_error=error[:2000] if error else None,
            leased_by=None,
        )
    )


def retry_item(conn: Connection, item_id: int, *, at: datetime, error: str) -> None:
    """Give a claimed item back to the queue, due at ``at``."""
    conn.execute(
        update(_items)
        .where(_items.c.id == item_id)
        .values(next_attempt_at=at, last_error=error[:2000], leased_by=None)
    )


def release_leases(conn: Connection, *, now: datetime, replica: str | None = None) -> int:
    """Make leased pending items due now (every one, or those ``replica`` holds)."""
    return release_pending_leases(conn, _items, now=now, replica=replica)


def pending_by_feed(conn: Connection) -> dict[int, int]:
    rows = conn.execute(
        select(_items.c.feed_id, func.count())
        .where(_items.c.status == "pending")
        .group_by(_items.c.feed_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def count_pending(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(_items).where(_items.c.status == "pending")
        ).scalar_one()
    )
