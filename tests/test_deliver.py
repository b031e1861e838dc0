"""The outbox dispatcher: signatures, backoff, dead rows, order, isolation (monitor/deliver.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx

from monitor.deliver import deliver_due, retry_delay_s
from monitor.http import make_client, sign
from monitor.settings import RetrySettings, WebhookConfig
from monitor.store import Store
from monitor.store import outbox as outbox_store

NOW = datetime(2024, 1, 28, 15, 0, tzinfo=UTC)
ID1, ID2, ID3 = (outbox_store.alert_id_for(f"k{n}", 1) for n in (1, 2, 3))
RETRY = RetrySettings(initial_s=30, max_s=3600, max_attempts=3)
SECRET = "whsec_" + "c2lnbmluZyBrZXkgb2YgdGhlIG9wcyB3ZWJob29r"
OPS = WebhookConfig(name="ops", url="http://ops.example/hook", format="json", secret=SECRET)
CHAT = WebhookConfig(name="chat", url="http://chat.example/hook", format="slack", secret=None)


def _enqueue(store: Store, event_id: int, *, webhooks: tuple[str, ...] = ("ops",)) -> None:
    """An alert for a bare event row, as process_article would write it."""
    from sqlalchemy import insert

    from monitor.store.schema import EventRow

    with store.begin() as conn:
        conn.execute(
            insert(EventRow).values(
                id=event_id,
                key=f"k{event_id}",
                base_mention="x",
                weapons="drone",
                attack_count=1,
                attribution="reported",
                outcome="unknown",
                version=1,
                first_reported_at=NOW,
                updated_at=NOW,
            )
        )
        body = {
            "type": "event.created",
            "schema_version": 1,
            "event": {
                "id": event_id,
                "base": "harir",
                "base_name": "Harir",
                "base_mention": "Harir",
                "date": "2024-01-28",
                "weapons": ["drone"],
                "munitions_count": None,
                "outcome": "unknown",
                "injured": None,
                "killed": None,
                "claimed_by": None,
                "attribution": "reported",
                "sources": [],
            },
        }
        outbox_store.enqueue_alert(
            conn,
            event_id=event_id,
            event_key=f"k{event_id}",
            version=1,
            kind="event.created",
            payload=json.dumps(body),
            webhooks=webhooks,
            now=NOW,
        )


def _deliveries(store: Store, status: str | None = None) -> list[outbox_store.DeliveryState]:
    with store.begin() as conn:
        return outbox_store.list_deliveries(conn, status=status)


def test_delivery_is_signed_and_marked_sent(store: Store) -> None:
    """A delivered alert carries webhook-id, timestamp and a valid signature, and is sent."""
    _enqueue(store, 1)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with make_client(transport=httpx.MockTransport(handler)) as client:
        done = deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW)
    assert (done.sent, done.failed) == (1, 0)
    (request,) = seen
    assert request.headers["webhook-id"] == ID1
    stamp = int(request.headers["webhook-timestamp"])
    assert abs(stamp - time.time()) < 60  # the moment of sending, not the batch's
    assert request.headers["webhook-signature"] == sign(SECRET, ID1, stamp, request.content)
    assert [d.status for d in _deliveries(store)] == ["sent"]


def test_failures_back_off_then_give_up_visibly(store: Store) -> None:
    """Failed attempts are retried later and later; after the last one the row is dead."""
    _enqueue(store, 1)
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers["webhook-id"])
        return httpx.Response(500)

    now = NOW
    waits = []
    with make_client(transport=httpx.MockTransport(handler)) as client:
        for _ in range(RETRY.max_attempts):
            deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=now)
            (row,) = _deliveries(store)
            waits.append((row.next_attempt_at - now).total_seconds())
            now = row.next_attempt_at
            # Nothing is due before the backoff ends.
            deliver_due(
                client=client,
                store=store,
                webhooks=[OPS],
                retry=RETRY,
                now=now - timedelta(seconds=1),
            )
    assert calls == [ID1] * RETRY.max_attempts
    assert 27 <= waits[0] <= 33
    assert 54 <= waits[1] <= 66
    (dead,) = _deliveries(store, status="dead")
    assert dead.attempts == RETRY.max_attempts
    assert "500" in (dead.last_error or "")


def test_retry_delay_is_capped() -> None:
    """The backoff doubles and stops at the configured maximum."""
    assert retry_delay_s(20, RETRY) <= RETRY.max_s * 1.1


def test_dead_endpoint_does_not_delay_another(store: Store) -> None:
    """While one webhook fails, the other still receives every alert."""
    for event_id in (1, 2, 3):
        _enqueue(store, event_id, webhooks=("ops", "chat"))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502 if request.url.host == "ops.example" else 200)

    with make_client(transport=httpx.MockTransport(handler)) as client:
        done = deliver_due(client=client, store=store, webhooks=[OPS, CHAT], retry=RETRY, now=NOW)
    assert done.sent == 3
    by_hook = {(d.webhook, d.status) for d in _deliveries(store)}
    assert by_hook == {("chat", "sent"), ("ops", "pending")}


class _Flaky:
    """A webhook endpoint answering 503 while ``down``, then taking alerts (their ids kept)."""

    def __init__(self) -> None:
        self.down = True
        self.received: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503)
        self.received.append(request.headers["webhook-id"])
        return httpx.Response(200)


def test_recovered_endpoint_gets_alerts_in_order_of_detection(store: Store) -> None:
    """After an outage, a webhook receives its alerts in the order they were detected."""
    for event_id in (1, 2, 3):
        _enqueue(store, event_id)
    endpoint = _Flaky()
    with make_client(transport=httpx.MockTransport(endpoint)) as client:
        deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW)
        endpoint.down = False
        later = NOW + timedelta(hours=1)
        deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=later)
    assert endpoint.received == [ID1, ID2, ID3]


def test_new_alert_waits_behind_a_retrying_one(store: Store) -> None:
    """An alert written while an earlier one is backing off is sent after it, not before."""
    _enqueue(store, 1)
    endpoint = _Flaky()
    with make_client(transport=httpx.MockTransport(endpoint)) as client:
        deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW)
        _enqueue(store, 2)  # written "now", while event 1 waits for its retry
        endpoint.down = False
        deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW)
        deliver_due(
            client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW + timedelta(hours=1)
        )
    assert endpoint.received == [ID1, ID2]


def test_alerts_of_a_removed_webhook_are_kept(store: Store) -> None:
    """A webhook gone from the configuration keeps its alerts pending, not dead."""
    _enqueue(store, 1)
    with make_client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        deliver_due(client=client, store=store, webhooks=[], retry=RETRY, now=NOW)
    (row,) = _deliveries(store)
    assert (row.status, row.attempts) == ("pending", 0)
    assert "not configured" in (row.last_error or "")


def test_alert_written_during_a_retry_is_not_held_for_the_lease(store: Store) -> None:
    """An alert written while a failed one is being retried (leased) is due at once, not at
    the end of that lease."""
    _enqueue(store, 1)
    with make_client(transport=httpx.MockTransport(lambda r: httpx.Response(503))) as client:
        deliver_due(client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW)
    later = NOW + timedelta(hours=1)
    with store.begin() as conn:
        (_claimed,) = outbox_store.claim_due(conn, now=later, webhook="ops", replica="r1")
    _enqueue(store, 2)  # written while row 1 is leased for its retry
    with store.begin() as conn:
        rows = {d.alert: d for d in outbox_store.list_deliveries(conn)}
    assert rows[ID2].next_attempt_at == NOW
