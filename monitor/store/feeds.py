"""Feeds: configured sources and their polling state (retry state is columns, not loops)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select, update

from monitor.store._sql import insert_ignore
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


def get_feed(conn: Connection, feed_id: int) -> FeedState | None:
    """An enabled feed's state, or None."""
    row = conn.execute(select(_feeds).where(_feeds.c.id == feed_id, _feeds.c.enabled)).first()
    return None if row is None else _state(row)


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
    """A poll that worked; ``warning`` says what was wrong with a feed read all the same."""
    conn.execute(
        update(_feeds)
        .where(_feeds.c.id == feed_id)
        .values(
            etag=etag,
            last_modified=last_modified,
            error_count=0,
            last_error=f"warning: {warning}"[:2000] if warning else None,
            last_ok_at=now,
            next_check_at=now + timedelta(seconds=interval_s),
        )
    )


def record_failure(
    conn: Connection, feed_id: int, *, error: str, now: datetime, retry_after_s: float
) -> None:
    conn.execute(
        update(_feeds)
        .where(_feeds.c.id == feed_id)
        .values(
            error_count=_feeds.c.error_count + 1,
            last_error=error[:2000],
            next_check_at=now + timedelta(seconds=retry_after_s),
        )
    )
