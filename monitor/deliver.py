"""The outbox dispatcher: ``deliver_due`` posts due alerts to their webhooks.

Delivery is at-least-once: a row is marked sent only after the endpoint answered 2xx. Every
request of one alert carries the same ``webhook-id`` (the alert's dedupe key), so a receiver can
drop a repeat. Each webhook is served by its own thread, in order of detection: a dead or slow
endpoint delays only its own alerts. A failure pushes the row back by the retry schedule
(``alerts.retry``: 30 s doubling, at most 4 h, 12 attempts by default); after the last attempt
the row is ``dead`` and stays listed by ``monitor alerts list --status dead``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog

from monitor.errors import DeliveryError
from monitor.http import DEFAULT_DEADLINE_S, post_webhook
from monitor.pipeline.alerts import render_alert
from monitor.settings import RetrySettings, WebhookConfig
from monitor.store import Store
from monitor.store import outbox as outbox_store
from monitor.store.outbox import Delivery

log = structlog.get_logger()
BATCH = 50  # deliveries claimed at once


@dataclass(frozen=True, slots=True)
class Delivered:
    """What delivery did: rows claimed, rows accepted, and attempts that failed. A row claimed
    behind a failed one of its webhook is given back untried and counts as neither."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    latencies_s: tuple[float, ...] = ()  # alert written -> accepted, per sent delivery

    @property
    def attempts(self) -> int:
        return self.sent + self.failed

    def __add__(self, other: Delivered) -> Delivered:
        return Delivered(
            self.claimed + other.claimed,
            self.sent + other.sent,
            self.failed + other.failed,
            self.latencies_s + other.latencies_s,
        )


@dataclass(frozen=True, slots=True)
class Waiting:
    """A webhook's deliveries still pending, and why: its first one's next try and last error."""

    webhook: str
    pending: int
    next_attempt_at: datetime
    last_error: str | None


def retry_delay_s(attempts: int, retry: RetrySettings) -> float:
    """Seconds before the next try after ``attempts`` failures, with ±10% jitter."""
    delay = min(retry.max_s, retry.initial_s * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.9, 1.1))  # noqa: S311 - jitter, not crypto


def deliver_all(
    *,
    client: httpx.Client,
    store: Store,
    webhooks: Sequence[WebhookConfig],
    retry: RetrySettings,
    clock: Callable[[], datetime],
    sleep: Callable[[float], object],
    wait_s: float = 0.0,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> Delivered:
    """Deliver batch after batch until nothing is due; then, while a failed delivery's retry
    comes within ``wait_s`` of the start, wait for it and go on.

    One-shot commands (``monitor replay --send-alerts``, ``monitor run --once``) call this:
    they must deliver everything they can, not one batch; ``waiting`` then says what is left.
    """
    give_up_at = clock() + timedelta(seconds=wait_s)
    names = [hook.name for hook in webhooks]
    total = Delivered()
    while True:
        done = deliver_due(
            client=client,
            store=store,
            webhooks=webhooks,
            retry=retry,
            now=clock(),
            deadline_s=deadline_s,
        )
        total += done
        if done.claimed:
            continue  # more may be due
        with store.begin() as conn:
            next_at = outbox_store.next_due_at(conn, webhooks=names)
        now = clock()
        if next_at is None or next_at > give_up_at or now >= give_up_at:
            return total
        sleep(max(0.0, (next_at - now).total_seconds()))


def waiting(store: Store) -> list[Waiting]:
    """Each webhook's pending deliveries, with the next try and last error of the first."""
    with store.begin() as conn:
        rows = outbox_store.list_deliveries(conn, status="pending")
    counts: dict[str, int] = {}
    heads: dict[str, outbox_store.DeliveryState] = {}
    for row in rows:  # in order of detection: a webhook's first row holds the others
        counts[row.webhook] = counts.get(row.webhook, 0) + 1
        heads.setdefault(row.webhook, row)
    return [
        Waiting(name, counts[name], head.next_attempt_at, head.last_error)
        for name, head in heads.items()
    ]


def deliver_due(
    *,
    client: httpx.Client,
    store: Store,
    webhooks: Sequence[WebhookConfig],
    retry: RetrySettings,
    now: datetime,
    only: str | None = None,
    replica: str | None = None,
    lease_s: float = outbox_store.DELIVERY_LEASE_S,
    deadline_s: float = DEFAULT_DEADLINE_S,
    monotonic: Callable[[], float] = time.monotonic,
) -> Delivered:
    """Send one batch of due deliveries once (or only ``only``'s), each webhook in parallel and
    in order of detection. The daemon runs one loop per webhook with ``only``, so a slow
    endpoint never holds up another's alerts.

    The batch is leased for ``lease_s`` (at least two deliveries' worst case: the deadline and
    one more read). A delivery is started only while the lease will outlast it, so another
    replica never takes over a row this one may still send; the rows left are given back.
    """
    worst_s = deadline_s + (client.timeout.read or 0.0)
    lease_s = max(lease_s, 2 * worst_s)
    start_by = monotonic() + lease_s - worst_s
    with store.begin() as conn:
        due = outbox_store.claim_due(
            conn, now=now, limit=BATCH, webhook=only, replica=replica, lease_s=lease_s
        )
    by_hook: dict[str, list[Delivery]] = {}
    for delivery in due:
        by_hook.setdefault(delivery.webhook, []).append(delivery)
    if not by_hook:
        return Delivered()
    hooks = {hook.name: hook for hook in webhooks}

    def deliver_to(name: str) -> Delivered:
        return _deliver_to(
            hooks.get(name),
            by_hook[name],
            client=client,
            store=store,
            retry=retry,
            now=now,
            deadline_s=deadline_s,
            in_lease=lambda: monotonic() <= start_by,
        )

    if len(by_hook) == 1:  # the daemon's per-webhook loops: no pool on every tick
        results = [deliver_to(next(iter(by_hook)))]
    else:
        with ThreadPoolExecutor(max_workers=len(by_hook), thread_name_prefix="deliver") as pool:
            results = list(pool.map(deliver_to, by_hook))
    return sum(results, Delivered(claimed=len(due)))


def _deliver_to(
    hook: WebhookConfig | None,
    deliveries: list[Delivery],
    *,
    client: httpx.Client,
    store: Store,
    retry: RetrySettings,
    now: datetime,
    deadline_s: float,
    in_lease: Callable[[], bool],
) -> Delivered:
    """Deliver one webhook's due rows in order; stop at the first failure (keeps the order),
    or give the rest back when the lease would end during the next one."""
    sent = 0
    latencies: list[float] = []
    for index, delivery in enumerate(deliveries):
        if not in_lease():
            with store.begin() as conn:
                outbox_store.give_back(conn, [d.id for d in deliveries[index:]], due_at=now)
            log.info(
                "outbox_lease_ending", webhook=delivery.webhook, given_back=len(deliveries) - index
            )
            break
        try:
            if hook is None:
                raise DeliveryError(f"deliver: webhook {delivery.webhook!r} is not configured")
            body = render_alert(json.loads(delivery.payload), hook.format)
            post_webhook(
                client,
                hook.url,
                body,
                message_id=delivery.dedupe_key,
                secret=hook.secret,
                deadline_s=deadline_s,
            )
        except Exception as exc:
            if not isinstance(exc, DeliveryError):
                log.exception("outbox_delivery_crashed", alert=delivery.dedupe_key)
                exc = DeliveryError(f"deliver: {type(exc).__name__}: {exc}")
            _record_failure(
                delivery,
                deliveries[index + 1 :],
                exc,
                retry=retry,
                now=now,
                store=store,
                unconfigured=hook is None,
            )
            # Only a request that was made is a failed attempt.
            return Delivered(0, sent, 0 if hook is None else 1, tuple(latencies))
        with store.begin() as conn:
            outbox_store.mark_sent(conn, delivery.id, now=now)
        sent += 1
        latencies.append(max(0.0, (now - delivery.created_at).total_seconds()))
        log.info(
            "outbox_delivered",
            webhook=delivery.webhook,
            alert=delivery.dedupe_key,
            attempts=delivery.attempts + 1,
        )
    return Delivered(0, sent, 0, tuple(latencies))


def _record_failure(
    delivery: Delivery,
    behind: Sequence[Delivery],
    exc: DeliveryError,
    *,
    retry: RetrySettings,
    now: datetime,
    store: Store,
    unconfigured: bool,
) -> None:
    """Push the failed row back by the schedule (or make it dead), and give back the rows
    claimed behind it, untried, to go after it: at its retry, or at once if it is dead."""
    attempts = delivery.attempts + 1
    if unconfigured:
        # The webhook left the configuration (or was renamed): keep its alerts, and look again
        # at the longest backoff; they go out if it comes back.
        retry_at: datetime | None = now + timedelta(seconds=retry.max_s)
        attempts = delivery.attempts
    elif attempts >= retry.max_attempts:
        retry_at = None
    else:
        retry_at = now + timedelta(seconds=retry_delay_s(attempts, retry))
    with store.begin() as conn:
        outbox_store.mark_failed(
            conn, delivery.id, error=str(exc), retry_at=retry_at, count_attempt=not unconfigured
        )
        if retry_at is not None:
            # The endpoint's later alerts wait behind this one, so they arrive in order.
            outbox_store.defer_webhook(conn, delivery.webhook, until=retry_at)
        outbox_store.give_back(conn, [d.id for d in behind], due_at=retry_at or now)
    log.warning(
        "outbox_delivery_failed",
        webhook=delivery.webhook,
        alert=delivery.dedupe_key,
        attempts=attempts,
        error=str(exc),
        gave_up=retry_at is None,
        retry_delay_s=None if retry_at is None else (retry_at - now).total_seconds(),
    )
