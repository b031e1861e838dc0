"""Feed items: entries seen once, queued until their page is read and processed.

Claiming an item moves its ``next_attempt_at`` forward by a lease, so a worker that dies leaves
the item to be claimed again when the lease expires; processing is idempotent (articles are
unique by URL and text), so a second attempt never doubles an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, delete, func, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from monitor.pipeline.dedup import canonical_url
from monitor.records import FeedItem
from monitor.store._sql import first_line, fits, insert_ignore, release_pending_leases
from monitor.store.schema import FeedRow, ItemRow

_items = cast(Table, ItemRow.__table__)
_feeds = cast(Table, FeedRow.__table__)
_CHUNK = 500  # keys per statement: far below every database's limit on bound parameters


@dataclass(frozen=True, slots=True)
class PendingItem:
    id: int
    feed_id: int
    feed_url: str
    item: FeedItem
    attempts: int


@dataclass(frozen=True, slots=True)
class Added:
    """What storing one poll's entries did: how many were new, and which were not kept whole."""

    new: int
    skipped: tuple[tuple[FeedItem, str], ...] = ()  # entries the database refused, and why
    trimmed: tuple[tuple[FeedItem, str], ...] = ()  # entries stored without a field, and why


def add_items(conn: Connection, feed_id: int, items: Sequence[FeedItem], *, now: datetime) -> Added:
    """Queue the entries this feed never listed before, and note that it lists them all now.

    Each new entry is written under its own SAVEPOINT: an entry the database refuses is
    skipped, with its reason, and the rest of the poll is kept. One bad entry must never fail
    its feed's poll, which would back the feed off and lose the entries beside it.
    """
    known = _mark_seen(conn, feed_id, [item.key for item in items], now=now)
    new, skipped, trimmed = 0, [], []
    for item in items:
        if item.key in known:
            continue
        fitted, trim = _fit(item)
        if trim:
            trimmed.append((fitted, trim))
        try:
            with conn.begin_nested():
                new += insert_ignore(conn, _items, _row(feed_id, fitted, now)) is not None
        except (SQLAlchemyError, ValueError) as exc:
            if not _is_the_entrys_fault(exc):
                raise
            skipped.append((item, f"{type(exc).__name__}: {first_line(exc)}"[:300]))
    return Added(new, tuple(skipped), tuple(trimmed))


def _mark_seen(conn: Connection, feed_id: int, keys: Sequence[str], *, now: datetime) -> set[str]:
    """Stamp the feed's known items among ``keys`` as listed now; the keys it knew."""
    known: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        known.update(
            conn.execute(
                update(_items)
                .where(
                    _items.c.feed_id == feed_id, _items.c.item_key.in_(keys[start : start + _CHUNK])
                )
                .values(last_seen_at=now)
                .returning(_items.c.item_key)
            ).scalars()
        )
    return known


def _fit(item: FeedItem) -> tuple[FeedItem, str | None]:
    """The entry bounded to its columns. A link too long for its column, or whose canonical
    form (percent-encoded: an Arabic slug grows sixfold) is too long for the article's, is
    dropped, not cut (a cut link names another page): the entry is read from its own text."""
    if item.link is None or (
        fits(_items.c.link, item.link) and fits(_items.c.link, canonical_url(item.link))
    ):
        return item, None
    return replace(item, link=None), f"link of {len(item.link)} characters dropped (too long)"


def _row(feed_id: int, item: FeedItem, now: datetime) -> dict[str, object]:
    return {
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
        "last_seen_at": now,
    }


def _is_the_entrys_fault(exc: Exception) -> bool:
    """Whether the database refused the entry's values (rather than failing as a whole: a
    lost connection must fail the poll, to be tried again, not skip every entry)."""
    if isinstance(exc, DataError | IntegrityError | ValueError):
        return True
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


def prune_items(conn: Connection, feed_id: int, *, before: datetime, limit: int) -> int:
    """Forget up to ``limit`` of the feed's items that were read and that no document listed
    since ``before``; how many. Items of the feed's latest document are kept however old
    (a feed answering 304 for weeks still lists them), so that none is ever queued again."""
    latest = (
        select(func.max(_items.c.last_seen_at)).where(_items.c.feed_id == feed_id).scalar_subquery()
    )
    doomed = (
        select(_items.c.id)
        .where(
            _items.c.feed_id == feed_id,
            _items.c.status != "pending",
            _items.c.last_seen_at < before,
            _items.c.last_seen_at < latest,
        )
        .order_by(_items.c.id)
        .limit(limit)
    )
    return int(conn.execute(delete(_items).where(_items.c.id.in_(doomed))).rowcount)


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
