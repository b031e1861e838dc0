"""The outbox dispatcher: ``deliver_due`` posts due alerts to their webhooks.

Delivery is at-least-once: a row is marked sent only after the endpoint answered 2xx. Each request
carries the alert's ``webhook-id`` (the same on every retry), so receivers can drop repeats.
A failing endpoint only delays its own rows (exponential backoff); after ``MAX_ATTEMPTS`` a row
is dead and stays listed by ``monitor alerts list``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
import structlog

from monitor.errors import DeliveryError
from monitor.http import post_webhook
from monitor.pipeline.alerts import render_alert
from monitor.settings import WebhookConfig
from monitor.store import Store
from monitor.store import outbox as outbox_store

log = structlog.get_logger()

MAX_ATTEMPTS = 12
FIRST_RETRY_S = 30.0
MAX_RETRY_S = 4 * 3600.0


def retry_delay_s(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: 30 s doubling, 4 h at most.

    Twelve attempts span about 20 hours before a row is given up.
    """
    delay = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.9, 1.1))  # noqa: S311 - jitter, not crypto


def deliver_due(
    *,
    client: httpx.Client,
    store: Store,
    webhooks: Sequence[WebhookConfig],
    now: datetime,
) -> tuple[int, int]:
    """Send every due delivery once; (sent, failed)."""
    by_name = {hook.name: hook for hook in webhooks}
    with store.begin() as conn:
        due = outbox_store.claim_due(conn, now=now)
    sent = failed = 0
    for delivery in due:
        hook = by_name.get(delivery.webhook)
        try:
            if hook is None:
                raise DeliveryError(
                    f"deliver: webhook {delivery.webhook!r} is no longer configured"
                )
            body = render_alert(json.loads(delivery.payload), hook.format)
            post_webhook(
                client,
                hook.url,
                body,
                message_id=delivery.dedupe_key,
                timestamp=int(now.timestamp()),
                secret=hook.secret,
            )
        except DeliveryError as exc:
            failed += 1
            attempts = delivery.attempts + 1
            retry_at = (
                now + timedelta(seconds=retry_delay_s(attempts))
                if attempts < MAX_ATTEMPTS and hook is not None
                else None
            )
            with store.begin() as conn:
                outbox_store.mark_failed(conn, delivery.id, error=str(exc), retry_at=retry_at)
            log.warning(
                "outbox_delivery_failed",
                webhook=delivery.webhook,
                alert=delivery.dedupe_key,
                attempts=attempts,
                error=str(exc),
                gave_up=retry_at is None,
            )
            continue
        sent += 1
        with store.begin() as conn:
            outbox_store.mark_sent(conn, delivery.id, now=now)
        log.info("outbox_delivered", webhook=delivery.webhook, alert=delivery.dedupe_key)
    return sent, failed
