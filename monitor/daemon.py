"""The daemon: ``run(settings)`` polls every feed on its own interval and delivers alerts.

APScheduler only decides *when*: each feed is one interval job (never two at once, missed runs
coalesced, a little jitter) whose body is the shared ``refresh_feed`` unit of work; one more job
drains the outbox. SIGTERM/SIGINT stop the scheduler and let running jobs finish.
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import httpx
import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.deliver import deliver_due
from monitor.http import make_client
from monitor.pipeline.rules import Ruleset, compile_rules
from monitor.process import AlertPolicy
from monitor.refresh import refresh_feed
from monitor.settings import Settings
from monitor.store import Store, open_store
from monitor.store import feeds as feed_store
from monitor.systemd import notify

log = structlog.get_logger()

DELIVERY_TICK_S = 2.0
FEED_JITTER_S = 2


def run(settings: Settings, *, once: bool = False, stop: threading.Event | None = None) -> None:
    """Poll and alert until stopped (or for one cycle with ``once``)."""
    store = open_store(settings.database_url)
    store.require_head()
    rules = compile_rules(settings.bases)
    policy = AlertPolicy(
        webhooks=tuple(hook.name for hook in settings.alerts.webhooks),
        max_article_age_s=settings.alerts.max_article_age_s,
    )
    with store.begin() as conn:
        feeds = feed_store.sync_feeds(
            conn, [(f.url, f.name, f.interval_s) for f in settings.feeds], now=_now()
        )
    with make_client() as client:
        if once:
            for feed in feeds:
                _poll(feed.id, client=client, store=store, rules=rules, policy=policy, force=True)
            deliver_due(client=client, store=store, webhooks=settings.alerts.webhooks, now=_now())
            return
        stop = stop or threading.Event()
        _install_signal_handlers(stop)
        scheduler = BackgroundScheduler(timezone=UTC)
        for feed in feeds:
            scheduler.add_job(
                _poll,
                "interval",
                seconds=feed.interval_s,
                next_run_time=_now(),
                jitter=FEED_JITTER_S,
                max_instances=1,
                coalesce=True,
                id=f"feed-{feed.id}",
                kwargs={
                    "feed_id": feed.id,
                    "client": client,
                    "store": store,
                    "rules": rules,
                    "policy": policy,
                },
            )
        scheduler.add_job(
            lambda: deliver_due(
                client=client, store=store, webhooks=settings.alerts.webhooks, now=_now()
            ),
            "interval",
            seconds=DELIVERY_TICK_S,
            max_instances=1,
            coalesce=True,
            id="deliver",
        )
        scheduler.start()
        notify("READY=1")
        log.info("daemon_started", feeds=len(feeds), webhooks=len(settings.alerts.webhooks))
        while not stop.wait(timeout=5.0):
            if store.ping():
                notify("WATCHDOG=1")
        notify("STOPPING=1")
        log.info("daemon_stopping")
        scheduler.shutdown(wait=True)
        log.info("daemon_stopped")


def _poll(
    feed_id: int,
    *,
    client: httpx.Client,
    store: Store,
    rules: Ruleset,
    policy: AlertPolicy,
    force: bool = False,
) -> None:
    with store.begin() as conn:
        feed = next((f for f in feed_store.list_feeds(conn) if f.id == feed_id), None)
    now = _now()
    if feed is None or (not force and feed.next_check_at is not None and feed.next_check_at > now):
        return  # disabled, or backing off after failures (the row says until when)
    refresh_feed(feed, client=client, store=store, rules=rules, now=now, policy=policy)


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal_received", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _now() -> datetime:
    return datetime.now(UTC)
