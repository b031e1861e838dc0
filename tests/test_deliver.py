"""The outbox dispatcher: signatures, backoff, dead rows, order, isolation (monitor/deliver.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx

from monitor.deliver import Delivered, deliver_all, deliver_due, retry_delay_s, waiting
from monitor.http import make_client, sign
from monitor.settings import RetrySettings, WebhookConfig
from monitor.store import Store
from monitor.store import outbox as outbox_store
from tests.loopback import Site, serve

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


class _Clock:
    """A clock that moves only when slept on: waits for retries cost no time."""

    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


class _FailsFirst:
    """A webhook endpoint refusing its first ``failures`` requests, then taking every alert."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.headers["webhook-id"])
        return httpx.Response(503 if len(self.requests) <= self.failures else 204)


def _deliver_all(store: Store, endpoint: _FailsFirst, clock: _Clock, *, wait_s: float) -> Delivered:
    with make_client(transport=httpx.MockTransport(endpoint)) as client:
        return deliver_all(
            client=client,
            store=store,
            webhooks=[OPS],
            retry=RETRY,
            clock=clock,
            sleep=clock.sleep,
            wait_s=wait_s,
        )


def test_deliver_all_retries_and_keeps_order_past_a_batch(store: Store) -> None:
    """With more alerts than one batch and a refused first attempt, everything is delivered in
    order of detection once the retry comes, each once, with exact counts, and nothing is left."""
    for event_id in range(1, 61):
        _enqueue(store, event_id)
    endpoint = _FailsFirst(1)
    clock = _Clock()
    done = _deliver_all(store, endpoint, clock, wait_s=300)
    expected = [outbox_store.alert_id_for(f"k{n}", 1) for n in range(1, 61)]
    assert endpoint.requests == [expected[0], *expected]
    assert (done.sent, done.failed, done.attempts) == (60, 1, 61)
    assert len(clock.slept) == 1
    assert clock.slept[0] <= 33  # the first retry (30 s ± 10%), not a lease of 120 s
    assert waiting(store) == []


def test_deliver_all_says_what_is_left_when_retries_come_too_late(store: Store) -> None:
    """A retry due after the wait leaves the webhook's rows pending, named with the first one's
    error; a refused attempt counts once, not once per row held behind it."""
    for event_id in range(1, 10):
        _enqueue(store, event_id)
    clock = _Clock()
    done = _deliver_all(store, _FailsFirst(100), clock, wait_s=10)
    assert (done.claimed, done.sent, done.failed) == (9, 0, 1)
    (left,) = waiting(store)
    assert (left.webhook, left.pending) == ("ops", 9)
    assert left.last_error == "deliver: endpoint answered 503"
    assert clock.slept == []


def test_rows_of_a_claimer_that_died_go_first_when_its_lease_ends(store: Store) -> None:
    """Rows claimed by a process that died wait for their lease; the rows behind them wait too,
    so the webhook still gets every alert in order of detection."""
    for event_id in range(1, 9):
        _enqueue(store, event_id)
    with store.begin() as conn:
        outbox_store.claim_due(conn, now=NOW, limit=5)  # then the claimer dies
    endpoint = _FailsFirst(0)
    with make_client(transport=httpx.MockTransport(endpoint)) as client:
        early = deliver_due(
            client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW + timedelta(minutes=1)
        )
        assert early.claimed == 0  # rows 6-8 do not overtake the leased rows 1-5
        deliver_due(
            client=client, store=store, webhooks=[OPS], retry=RETRY, now=NOW + timedelta(minutes=3)
        )
    assert endpoint.requests == [outbox_store.alert_id_for(f"k{n}", 1) for n in range(1, 9)]


def test_a_batch_stops_before_its_lease_could_end_mid_delivery(store: Store) -> None:
    """Once the lease would end during the next delivery, the rest of the batch is given back,
    due at once and held by no one: another replica taking it over cannot double a send."""
    for event_id in (1, 2, 3):
        _enqueue(store, event_id)
    endpoint = _FailsFirst(0)
    readings = iter([0.0, 0.0, 10_000.0, 10_000.0])  # the lease passes during the first send
    with make_client(transport=httpx.MockTransport(endpoint)) as client:
        done = deliver_due(
            client=client,
            store=store,
            webhooks=[OPS],
            retry=RETRY,
            now=NOW,
            replica="a",
            monotonic=lambda: next(readings),
        )
        assert (done.claimed, done.sent, done.failed) == (3, 1, 0)
        with store.begin() as conn:
            taken = outbox_store.claim_due(conn, now=NOW, replica="b")
        assert [d.dedupe_key for d in taken] == [ID2, ID3]
    assert endpoint.requests == [ID1]


def _delivered_to_loopback(store: Store, site: Site, *, deadline_s: float) -> Delivered:
    _enqueue(store, 1)
    hook = WebhookConfig(name="ops", url=f"{site.base_url}/hook", format="json", secret=SECRET)
    with make_client() as client:
        return deliver_due(
            client=client,
            store=store,
            webhooks=[hook],
            retry=RETRY,
            now=NOW,
            deadline_s=deadline_s,
        )


def test_an_endless_reply_is_read_only_a_few_kilobytes(store: Store) -> None:
    """A 2xx whose body never ends is accepted after reading a few KB; the rest is not read."""
    with serve(Site(post_reply="endless")) as site:
        done = _delivered_to_loopback(store, site, deadline_s=30)
    assert (done.sent, done.failed) == (1, 0)
    assert site.reply_bytes_written < 16 * 1024 * 1024  # of 64 MB: the client hung up


def test_a_trickling_reply_fails_at_the_deadline(store: Store) -> None:
    """A 2xx whose body trickles in is a failed attempt once the delivery's deadline passes."""
    with serve(Site(post_reply="trickle")) as site:
        done = _delivered_to_loopback(store, site, deadline_s=0.3)
    assert (done.sent, done.failed) == (0, 1)
    (row,) = _deliveries(store)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "deliver: no complete reply within 0.3s"
