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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog

from monitor.errors import DeliveryError
from monitor.http import post_webhook
from monitor.pipeline.alerts import render_alert
from monitor.settings import RetrySettings, WebhookConfig
from monitor.store import Store
from monitor.store import outbox as outbox_store
from monitor.store.outbox import Delivery

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class Delivered:
    sent: int
    failed: int
    latencies_s: tuple[float, ...] = ()  # alert written -> accepted, per sent delivery


def retry_delay_s(attempts: int, retry: RetrySettings) -> float:
    """Seconds before the next try after ``attempts`` failures, with ±10% jitter."""
    delay = min(retry.max_s, retry.initial_s * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.9, 1.1))  # noqa: S311 - jitter, not crypto


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
) -> Delivered:
    """Send every due delivery once (or only ``only``'s), each webhook in parallel and in
    order of detection. The daemon runs one loop per webhook with ``only``, so a slow endpoint
    never holds up another's alerts."""
    with store.begin() as conn:
        due = outbox_store.claim_due(
            conn, now=now, limit=50, webhook=only, replica=replica, lease_s=lease_s
        )
    by_hook: dict[str, list[Delivery]] = {}
    for delivery in due:
        by_hook.setdefault(delivery.webhook, []).append(delivery)
    if not by_hook:
        return Delivered(0, 0)
    hooks = {hook.name: hook for hook in webhooks}

    def deliver_to(name: str) -> Delivered:
        return _deliver_to(
            hooks.get(name), by_hook[name], client=client, store=store, retry=retry, now=now
        )

    if len(by_hook) == 1:  # the daemon's per-webhook loops: no pool on every tick
        results = [deliver_to(next(iter(by_hook)))]
    else:
        with ThreadPoolExecutor(max_workers=len(by_hook), thread_name_prefix="deliver") as pool:
            results = list(pool.map(deliver_to, by_hook))
    return Delivered(
        sum(r.sent for r in results),
        sum(r.failed for r in results),
        tuple(latency for r in results for latency in r.latencies_s),
    )


def _deliver_to(
    hook: WebhookConfig | None,
    deliveries: list[Delivery],
    *,
    client: httpx.Client,
    store: Store,
    retry: RetrySettings,
    now: datetime,
) -> Delivered:
    """Deliver one webhook's due rows in order; stop at the first failure (keeps the order)."""
    sent = 0
    latencies: list[float] = []
    for index, delivery in enumerate(deliveries):
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
            )
        except Exception as exc:
            if not isinstance(exc, DeliveryError):
                log.exception("outbox_delivery_crashed", alert=delivery.dedupe_key)
                exc = DeliveryError(f"deliver: {type(exc).__name__}: {exc}")
            _record_failure(
                delivery, exc, retry=retry, now=now, store=store, unconfigured=hook is None
            )
            # The rows behind this one wait for the same endpoint's recovery, in order.
            return Delivered(sent, len(deliveries) - index, tuple(latencies))
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
    return Delivered(sent, 0, tuple(latencies))


def _record_failure(
    delivery: Delivery,
    exc: DeliveryError,
    *,
    retry: RetrySettings,
    now: datetime,
    store: Store,
    unconfigured: bool,
) -> None:
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
    log.warning(
        "outbox_delivery_failed",
        webhook=delivery.webhook,
        alert=delivery.dedupe_key,
        attempts=attempts,
        error=str(exc),
        gave_up=retry_at is None,
        retry_delay_s=None if retry_at is None else (retry_at - now).total_seconds(),
    )
