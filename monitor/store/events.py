"""Events and their sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select, update

from monitor.records import Attribution, Base, Event, Outcome, Report, Source
from monitor.store._sql import insert_ignore
from monitor.store.schema import EventRow, EventSourceRow

_events = cast(Table, EventRow.__table__)
_sources = cast(Table, EventSourceRow.__table__)


def insert_event(
    conn: Connection, key: str, report: Report, base: Base | None, *, now: datetime
) -> int | None:
    """Create the event of a report under ``key``; None when another writer created it first."""
    return insert_ignore(
        conn,
        _events,
        {
            "key": key,
            "base_id": report.base_id,
            "base_name": base.name if base else None,
            "base_mention": report.base_mention,
            "country": report.country,
            "latitude": base.location[0] if base else None,
            "longitude": base.location[1] if base else None,
            "day": report.day,
            "day_expression": report.day_expression,
            "weapons": ",".join(report.weapons),
            "munitions_count": report.munitions_count,
            "attack_count": report.attack_count,
            "claimed_by": report.claimed_by,
            "attribution": report.attribution.value,
            "outcome": report.outcome.value,
            "injured": report.injured,
            "killed": report.killed,
            "version": 1,
            "first_reported_at": now,
            "updated_at": now,
        },
    )


def find_event(conn: Connection, key: str) -> Event | None:
    row = conn.execute(select(_events).where(_events.c.key == key)).first()
    return None if row is None else _event(row, ())


def find_events_of_base(
    conn: Connection, base_id: str, first_day: date, last_day: date
) -> list[Event]:
    """Dated events of a base whose day falls in [first_day, last_day]."""
    rows = conn.execute(
        select(_events)
        .where(_events.c.base_id == base_id, _events.c.day.between(first_day, last_day))
        .order_by(_events.c.day)
    ).all()
    return [_event(row, ()) for row in rows]


def find_undated_events_of_base(
    conn: Connection, base_id: str, first_day: date, last_day: date
) -> list[Event]:
    """Events of a base with no day yet, first reported on a day in [first_day, last_day]."""
    rows = conn.execute(
        select(_events)
        .where(
            _events.c.base_id == base_id,
            _events.c.day.is_(None),
            _events.c.first_reported_at >= datetime.combine(first_day, time.min, tzinfo=UTC),
            _events.c.first_reported_at < datetime.combine(last_day, time.max, tzinfo=UTC),
        )
        .order_by(_events.c.id)
    ).all()
    return [_event(row, ()) for row in rows]


def update_event(conn: Connection, event: Event, *, now: datetime) -> int:
    """Store an event's merged facts and bump its version; the new version."""
    conn.execute(
        update(_events)
        .where(_events.c.id == event.id)
        .values(
            day=event.day,
            day_expression=event.day_expression,
            weapons=",".join(event.weapons),
            munitions_count=event.munitions_count,
            attack_count=event.attack_count,
            claimed_by=event.claimed_by,
            attribution=event.attribution.value,
            outcome=event.outcome.value,
            injured=event.injured,
            killed=event.killed,
            version=_events.c.version + 1,
            updated_at=now,
        )
    )
    version = conn.execute(select(_events.c.version).where(_events.c.id == event.id)).scalar_one()
    return int(version)


def add_source(
    conn: Connection,
    event_id: int,
    article_id: int,
    *,
    url: str,
    title: str,
    published_at: datetime | None,
    evidence: str,
    rule_id: str,
    now: datetime,
) -> bool:
    """Cite an article as a source of an event; False when it already was."""
    return (
        insert_ignore(
            conn,
            _sources,
            {
                "event_id": event_id,
                "article_id": article_id,
                "url": url,
                "title": title,
                "published_at": published_at,
                "evidence": evidence,
                "rule_id": rule_id,
                "added_at": now,
            },
        )
        is not None
    )


def get_event(conn: Connection, event_id: int) -> Event:
    row = conn.execute(select(_events).where(_events.c.id == event_id)).one()
    return _event(row, _sources_of(conn, [event_id]).get(event_id, ()))


def list_events(
    conn: Connection, *, tracked_only: bool = False, base_id: str | None = None
) -> list[Event]:
    """Every event, oldest day first (undated last), with its sources."""
    query = select(_events)
    if tracked_only:
        query = query.where(_events.c.base_id.is_not(None))
    if base_id is not None:
        query = query.where(_events.c.base_id == base_id)
    rows = conn.execute(query.order_by(_events.c.day.is_(None), _events.c.day, _events.c.id)).all()
    sources = _sources_of(conn, [row.id for row in rows])
    return [_event(row, sources.get(row.id, ())) for row in rows]


def version_of(conn: Connection, event_id: int) -> int:
    return int(conn.execute(select(_events.c.version).where(_events.c.id == event_id)).scalar_one())


def _sources_of(conn: Connection, event_ids: Sequence[int]) -> dict[int, tuple[Source, ...]]:
    found: dict[int, list[Source]] = {}
    if not event_ids:
        return {}
    rows = conn.execute(
        select(_sources).where(_sources.c.event_id.in_(event_ids)).order_by(_sources.c.id)
    ).all()
    for row in rows:
        found.setdefault(row.event_id, []).append(
            Source(
                url=row.url, title=row.title, published_at=row.published_at, evidence=row.evidence
            )
        )
    return {k: tuple(v) for k, v in found.items()}


def _event(row: Row[Any], sources: tuple[Source, ...]) -> Event:
    location = (
        (row.latitude, row.longitude)
        if row.latitude is not None and row.longitude is not None
        else None
    )
    return Event(
        id=row.id,
        key=row.key,
        base_id=row.base_id,
        base_name=row.base_name,
        base_mention=row.base_mention,
        country=row.country,
        location=location,
        day=row.day,
        day_expression=row.day_expression,
        weapons=tuple(w for w in row.weapons.split(",") if w),
        munitions_count=row.munitions_count,
        attack_count=row.attack_count,
        claimed_by=row.claimed_by,
        attribution=Attribution(row.attribution),
        outcome=Outcome(row.outcome),
        injured=row.injured,
        killed=row.killed,
        first_reported_at=row.first_reported_at,
        updated_at=row.updated_at,
        sources=sources,
    )
