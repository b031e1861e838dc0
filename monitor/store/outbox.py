"""Alerts and the outbox: what was (or would be) sent, and what is still to deliver."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Connection, Table, exists, func, select, update

from monitor.records import Alert
from monitor.store._sql import insert_ignore, release_pending_leases
from monitor.store.schema import AlertRow, OutboxRow

_alerts = cast(Table, AlertRow.__table__)
_outbox = cast(Table, OutboxRow.__table__)


def enqueue_alert(
    conn: Connection,
    *,
    event_id: int,
    event_key: str,
    version: int,
    kind: str,
    payload: str,
    webhooks: Sequence[str],
    now: datetime,
) -> int | None:
    """Record an alert and one pending outbox row per webhook, in the caller's transaction.

    The dedupe key, derived from the event's key (its base and day) and version, makes a
    second enqueue of the same alert a no-op, and is the ``webhook-id`` receivers see: the same
    alert has the same id in any store, and different alerts differ whatever their numbers.
    A new row waits behind the rows its webhook is retrying, so alerts keep their order.
    """
    alert_id = insert_ignore(
        conn,
        _alerts,
        {
            "dedupe_key": alert_id_for(event_key, version),
            "event_id": event_id,
            "kind": kind,
            "payload": payload,
            "created_at": now,
        },
    )
    if alert_id is None:
        return None
    for webhook in webhooks:
        held = conn.execute(
            select(func.max(_outbox.c.next_attempt_at)).where(
                _outbox.c.webhook == webhook,
                _outbox.c.status == "pending",
                _outbox.c.attempts > 0,
                # A row being delivered right now holds nothing back: its lease is no retry
                # time, and if it fails, defer_webhook puts this row behind it.
                _outbox.c.leased_by.is_(None),
            )
        ).scalar_one()
        insert_ignore(
            conn,
            _outbox,
            {
                "alert_id": alert_id,
                "webhook": webhook,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": max(now, _aware(held)) if held is not None else now,
            },
        )
    return alert_id


def alert_id_for(event_key: str, version: int) -> str:
    """The ``webhook-id`` of an event's alert at a version: ``msg_`` + 32 hex digits."""
    return "msg_" + hashlib.sha256(f"{event_key}|v{version}".encode()).hexdigest()[:32]


def list_alerts(conn: Connection) -> list[Alert]:
    rows = conn.execute(select(_alerts).order_by(_alerts.c.id)).all()
    return [
        Alert(id=r.id, event_id=r.event_id, kind=r.kind, created_at=r.created_at, payload=r.payload)
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert due to one webhook."""

    id: int
    alert_id: int
    webhook: str
    attempts: int
    payload: str
    dedupe_key: str
    created_at: datetime  # when the alert was written (for delivery latency)


DELIVERY_LEASE_S = 120.0  # a claimed delivery is the claimer's for this long


def claim_due(
    conn: Connection,
    *,
    now: datetime,
    limit: int = 50,
    webhook: str | None = None,
    replica: str | None = None,
    lease_s: float = DELIVERY_LEASE_S,
) -> list[Delivery]:
    """Take pending deliveries whose time has come (to one webhook, if given), oldest first.

    A row waits while an earlier pending row of its webhook is not due (backing off, or leased
    by a claimer that may have died), so every webhook gets its alerts in order of detection
    whatever the times on its rows. Each is leased for ``lease_s``: no other replica takes it
    meanwhile, and if this one dies it is due again when the lease ends (sent again under the
    same webhook-id). A webhook's rows are claimed by one replica at a time.
    """
    if webhook is not None:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext("outbox:" + webhook))))
        busy = conn.execute(
            select(_outbox.c.id)
            .where(
                _outbox.c.webhook == webhook,
                _outbox.c.status == "pending",
                _outbox.c.leased_by.is_not(None),
                _outbox.c.leased_by != (replica or ""),
                _outbox.c.next_attempt_at > now,
            )
            .limit(1)
        ).first()
        if busy is not None:
            return []  # another replica is delivering this webhook's alerts
    query = (
        select(
            _outbox.c.id,
            _outbox.c.alert_id,
            _outbox.c.webhook,
            _outbox.c.attempts,
            _alerts.c.payload,
            _alerts.c.dedupe_key,
            _alerts.c.created_at,
        )
        .join(_alerts, _alerts.c.id == _outbox.c.alert_id)
        .where(_outbox.c.status == "pending", _outbox.c.next_attempt_at <= now, ~_held_back(now))
        .order_by(_outbox.c.id)  # order of detection; the due time may reorder a webhook's rows
        .limit(limit)
        .with_for_update(skip_locked=True, of=_outbox)
    )
    if webhook is not None:
        query = query.where(_outbox.c.webhook == webhook)
    rows = conn.execute(query).all()
    if rows:
        conn.execute(
            update(_outbox)
            .where(_outbox.c.id.in_([r.id for r in rows]))
            .values(next_attempt_at=now + timedelta(seconds=lease_s), leased_by=replica)
        )
    return [
        Delivery(r.id, r.alert_id, r.webhook, r.attempts, r.payload, r.dedupe_key, r.created_at)
        for r in rows
    ]


def _held_back(now: datetime) -> ColumnElement[bool]:
    """True for a row behind an earlier pending row of its webhook that is not due at ``now``."""
    earlier = _outbox.alias("earlier")
    return exists().where(
        earlier.c.webhook == _outbox.c.webhook,
        earlier.c.status == "pending",
        earlier.c.id < _outbox.c.id,
        earlier.c.next_attempt_at > now,
    )


def next_due_at(conn: Connection, *, webhooks: Sequence[str]) -> datetime | None:
    """When one of these webhooks next has a delivery to claim: the earliest time on the first
    pending row of each (the rows behind it wait for it); None when none is pending."""
    earlier = _outbox.alias("earlier")
    first = ~exists().where(
        earlier.c.webhook == _outbox.c.webhook,
        earlier.c.status == "pending",
        earlier.c.id < _outbox.c.id,
    )
    value = conn.execute(
        select(func.min(_outbox.c.next_attempt_at)).where(
            _outbox.c.status == "pending", _outbox.c.webhook.in_(webhooks), first
        )
    ).scalar_one()
    return None if value is None else _aware(value)


def release_leases(conn: Connection, *, now: datetime, replica: str | None = None) -> int:
    """Make leased pending deliveries due now (every one, or those ``replica`` holds)."""
    return release_pending_leases(conn, _outbox, now=now, replica=replica)


def mark_sent(conn: Connection, delivery_id: int, *, now: datetime) -> None:
    conn.execute(
        update(_outbox)
        .where(_outbox.c.id == delivery_id)
        .values(
            status="sent",
            sent_at=now,
            attempts=_outbox.c.attempts + 1,
            last_error=None,
            leased_by=None,
        )
    )


def mark_failed(
    conn: Connection,
    delivery_id: int,
    *,
    error: str,
    retry_at: datetime | None,
    count_attempt: bool = True,
) -> None:
    """Record a failed attempt; ``retry_at`` None gives up (the row becomes dead)."""
    values: dict[str, object] = {"last_error": error[:2000], "leased_by": None}
    if count_attempt:
        values["attempts"] = _outbox.c.attempts + 1
    if retry_at is None:
        values["status"] = "dead"
    else:
        values["next_attempt_at"] = retry_at
    conn.execute(update(_outbox).where(_outbox.c.id == delivery_id).values(**values))


def defer_webhook(conn: Connection, webhook: str, *, until: datetime) -> None:
    """Hold a webhook's other pending rows until ``until`` (their order by id is kept)."""
    conn.execute(
        update(_outbox)
        .where(
            _outbox.c.webhook == webhook,
            _outbox.c.status == "pending",
            _outbox.c.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
    )


def give_back(conn: Connection, delivery_ids: Sequence[int], *, due_at: datetime) -> None:
    """End the lease of claimed deliveries that were not tried: due at ``due_at``."""
    if delivery_ids:
        conn.execute(
            update(_outbox)
            .where(_outbox.c.id.in_(delivery_ids), _outbox.c.status == "pending")
            .values(next_attempt_at=due_at, leased_by=None)
        )


def list_deliveries(conn: Connection, *, status: str | None = None) -> list[DeliveryState]:
    """Outbox rows with their alert, for ``monitor alerts list``."""
    query = (
        select(_outbox, _alerts.c.dedupe_key, _alerts.c.kind, _alerts.c.event_id)
        .join(_alerts, _alerts.c.id == _outbox.c.alert_id)
        .order_by(_outbox.c.id)
    )
    if status is not None:
        query = query.where(_outbox.c.status == status)
    return [
        DeliveryState(
            id=r.id,
            alert=r.dedupe_key,
            kind=r.kind,
            event_id=r.event_id,
            webhook=r.webhook,
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
            last_error=r.last_error,
            sent_at=r.sent_at,
        )
        for r in conn.execute(query).all()
    ]


@dataclass(frozen=True, slots=True)
class DeliveryState:
    id: int
    alert: str
    kind: str
    event_id: int
    webhook: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


def oldest_due(conn: Connection, *, now: datetime) -> datetime | None:
    """When the longest-waiting pending delivery became due (None when none is due)."""
    value = conn.execute(
        select(func.min(_outbox.c.next_attempt_at)).where(
            _outbox.c.status == "pending", _outbox.c.next_attempt_at <= now
        )
    ).scalar_one()
    return None if value is None else _aware(value)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def count_by_status(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(_outbox.c.status, func.count()).group_by(_outbox.c.status)).all()
    return {r[0]: int(r[1]) for r in rows}
