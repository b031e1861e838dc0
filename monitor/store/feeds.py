"""Feeds: configured sources and their polling state (retry state is columns, not loops)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select, update

from monitor.store._sql import fits, insert_ignore
from monitor.store.schema import FeedRow

_feeds = cast(Table, FeedRow.__table__)


@dataclass(frozen=True, slots=True)
class FeedState:
    id: int
    url: str
    name: str
    interval_s: float
    etag: str | None
    last_modified: str | None
    next_check_at: datetime | None
    error_count: int
    last_error: str | None
    last_ok_at: datetime | None
    leased_by: str | None = None


def sync_feeds(
    conn: Connection, feeds: Sequence[tuple[str, str, float]], *, now: datetime
) -> list[FeedState]:
    """Make the table list the configured feeds (url, name, interval); others are disabled."""
    urls = [url for url, _, _ in feeds]
    for url, name, interval_s in feeds:
        if (
            insert_ignore(
                conn,
                _feeds,
                {
                    "url": url,
                    "name": name,
                    "interval_s": interval_s,
                    "enabled": True,
                    "error_count": 0,
                    "next_check_at": now,
                    "created_at": now,
                },
            )
            is None
        ):
            conn.execute(
                update(_feeds)
                .where(_feeds.c.url == url)
                .values(name=name, interval_s=interval_s, enabled=True)
            )
    conn.execute(update(_feeds).where(_feeds.c.url.not_in(urls)).values(enabled=False))
    return list_feeds(conn)


def list_feeds(conn: Connection) -> list[FeedState]:
    rows = conn.execute(select(_feeds).where(_feeds.c.enabled).order_by(_feeds.c.id)).all()
    return [_state(r) for r in rows]


def claim_feed(
    conn: Connection,
    feed_id: int,
    *,
    replica: str,
    now: datetime,
    lease_s: float,
    force: bool = False,
) -> FeedState | None:
    """Take a due feed for one poll (None when it is not due, or another replica has it).

    The row itself is the lock: moving ``next_check_at`` forward by the lease makes the feed
    not due for anyone else, and a replica that dies leaves it due again when the lease ends.
    """
    due = _feeds.c.next_check_at.is_(None) | (_feeds.c.next_check_at <= now)
    condition = (_feeds.c.id == feed_id) & _feeds.c.enabled
    row = conn.execute(
        update(_feeds)
        .where(condition if force else condition & due)
        .values(next_check_at=now + timedelta(seconds=lease_s), leased_by=replica)
        .returning(*_feeds.c)
    ).first()
    return None if row is None else _state(row)


def release_feeds(conn: Connection, *, replica: str | None, now: datetime) -> int:
    """Give back the feeds a replica holds (every replica's, with None): due at once."""
    held = _feeds.c.leased_by.is_not(None) if replica is None else _feeds.c.leased_by == replica
    result = conn.execute(update(_feeds).where(held).values(next_check_at=now, leased_by=None))
    return int(result.rowcount)


def count_held(conn: Connection, *, replica: str) -> int:
    """How many feeds ``replica`` is polling right now."""
    return len(conn.execute(select(_feeds.c.id).where(_feeds.c.leased_by == replica)).all())


def _state(r: Row[Any]) -> FeedState:
    return FeedState(
        id=r.id,
        url=r.url,
        name=r.name,
        interval_s=r.interval_s,
        etag=r.etag,
        last_modified=r.last_modified,
        next_check_at=r.next_check_at,
        error_count=r.error_count,
        last_error=r.last_error,
        last_ok_at=r.last_ok_at,
        leased_by=r.leased_by,
    )


def record_success(
    conn: Connection,
    feed_id: int,
    *,
    etag: str | None,
    last_modified: str | None,
    now: datetime,
    interval_s: float,
    warning: str | None = None,
) -> None:
    """A poll that worked; ``warning`` says what was wrong with a feed read all the same.

    A validator too long for its column is not kept (a cut one would never match): the next
    poll is then a plain GET, rather than a failed transaction losing this poll's entries.
    """
    conn.execute(
        update(_feeds)
        .where(_feeds.c.id == feed_id)
        .values(
            etag=etag if fits(_feeds.c.etag, etag) else None,
            last_modified=last_modified if fits(_feeds.c.last_modified, last_modified) else None,
            error_count=0,
            leased_by=None,
            last_error=f"warning: {warning}"[:2000] if warning else None,
            last_ok_at=now,
            next_check_at=now + timedelta(seconds=interval_s),
        )
    )


def record_failure(
    conn: Connection,
    feed_id: int,
    *,
    error: str,
    now: datetime,
    retry_after_s: float,
    holder: str | None = None,
) -> None:
    """A poll that failed: the feed backs off. With ``holder`` (the replica that claimed the
    poll), only while that replica still holds the feed: a poll cut short by its daemon's stop
    (whose leases were given back) or outlived by its lease is no failure of the feed's."""
    held = _feeds.c.id == feed_id
    if holder is not None:
        held &= _feeds.c.leased_by == holder
    conn.execute(
        update(_feeds)
        .where(held)
        .values(
            error_count=_feeds.c.error_count + 1,
            leased_by=None,
            last_error=error[:2000],
            next_check_at=now + timedelta(seconds=retry_after_s),
        )
    )
