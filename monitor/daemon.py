"""The daemon: ``run(settings)`` polls every feed, reads new articles and delivers alerts.

Three loops share one store and one HTTP client:

- APScheduler runs one interval job per feed (its own interval, a little jitter, never two at
  once, missed runs coalesced, first run when the feed's row says it is due): the job is
  ``refresh_feed``, which only queues new entries, so polling never waits on an article page;
- the item loop leases queued entries and hands each to a small pool running ``process_item``
  (page fetch, extraction, ``process_article``);
- one delivery loop per webhook runs ``deliver_due`` for it whenever an alert was written,
  and every second, so a slow or dead endpoint holds up only its own alerts.

SIGTERM, SIGINT, SIGHUP (and the other ``STOP_SIGNALS``) stop the scheduler and the claiming at
once; work in flight is given a few seconds, then abandoned: leases and idempotent steps make it
safe to pick up again after a restart. On SQLite the daemon holds ``DB.lock`` for its life, and
stops with an error if its database file is deleted or replaced under it.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import httpx
import structlog
from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.deliver import deliver_all, deliver_due
from monitor.errors import MonitorError, StoreError
from monitor.http import HostLimiter, make_client
from monitor.metrics import Metrics
from monitor.pipeline.rules import Ruleset, compile_rules
from monitor.process import AlertPolicy, Processed
from monitor.refresh import process_item, refresh_feed
from monitor.settings import Settings
from monitor.store import Store, Transaction, open_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store import outbox as outbox_store
from monitor.systemd import notify

log = structlog.get_logger()

# How often the item and delivery loops look for work when nothing woke them, and how often
# the main thread checks the database and pings systemd's watchdog.
TICK_S = 1.0
STOP_GRACE_S = 8.0  # how long work in flight may finish after a stop signal
# Signals that stop the daemon cleanly (drain, release leases, exit 0). Any of them would
# otherwise end it at once. SIGHUP is a stop too, not a reload: restart to read a new config.
STOP_SIGNALS = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)


class _Daemon:
    def __init__(self, settings: Settings, store: Store, client: httpx.Client) -> None:
        self.settings = settings
        self.store = store
        self.client = client
        self.rules: Ruleset = compile_rules(settings.bases)
        self.policy = AlertPolicy(
            webhooks=tuple(hook.name for hook in settings.alerts.webhooks),
            max_article_age_s=settings.alerts.max_article_age_s,
        )
        self.limiter = HostLimiter(settings.http.per_host_concurrency)
        self.stop = threading.Event()
        self.items_waiting = threading.Event()
        self.alerts_waiting = _Broadcast()
        self.metrics = Metrics()
        # Several replicas may share one PostgreSQL store; each row a replica works on says so.
        self.replica = os.environ.get("MONITOR_REPLICA") or f"{socket.gethostname()}:{os.getpid()}"
        # Leases last as long as the work can: a fetch ends by http.deadline. A replica that dies
        # holding one leaves that work to the others when it ends.
        self.feed_lease_s = settings.http.deadline_s + 10
        self.item_lease_s = 2 * settings.http.deadline_s

    def poll(self, feed_id: int, *, force: bool = False) -> None:
        """The scheduler's job: refresh one feed unless it is backing off."""
        now = _now()
        with self.store.begin() as conn:
            feed = feed_store.claim_feed(
                conn, feed_id, replica=self.replica, now=now, lease_s=self.feed_lease_s, force=force
            )
        if feed is None:
            return  # not due, backing off, or another replica is polling it
        try:
            result = refresh_feed(
                feed,
                client=self.client,
                store=self.store,
                now=now,
                http=self.settings.http,
                limiter=self.limiter,
                retention_s=self.settings.item_retention_s,
            )
        except Exception as exc:
            log.exception("feed_poll_crashed", feed_id=feed_id)
            with self.store.begin() as conn:
                feed_store.record_failure(
                    conn,
                    feed_id,
                    error=f"{type(exc).__name__}: {exc}",
                    now=_now(),
                    retry_after_s=feed.interval_s,
                    holder=feed.leased_by,
                )
            return
        self.metrics.polls.labels(
            "error" if result.error else "not_modified" if result.not_modified else "ok"
        ).inc()
        self.metrics.last_poll.set_to_current_time()
        if result.new_items:
            self.items_waiting.set()

    def read_items(self, *, limit: int) -> list[Processed | None]:
        """Claim up to ``limit`` queued items and process them here, one by one (``--once``)."""
        return [self._read(item) for item in self._claim(limit)]

    def _claim(self, limit: int) -> list[item_store.PendingItem]:
        with self.store.begin() as conn:
            return item_store.claim_items(
                conn, now=_now(), limit=limit, lease_s=self.item_lease_s, replica=self.replica
            )

    def _read(self, pending: item_store.PendingItem) -> Processed | None:
        try:
            result = process_item(
                pending,
                client=self.client,
                store=self.store,
                rules=self.rules,
                now=_now(),
                policy=self.policy,
                http=self.settings.http,
                limiter=self.limiter,
            )
        except MonitorError as exc:
            log.error("item_failed", item_id=pending.id, error=str(exc))
            return None
        except Exception as exc:
            log.exception("item_crashed", item_id=pending.id)
            self._give_up(pending, f"{type(exc).__name__}: {exc}")
            return None
        if not isinstance(result, Processed):
            self.metrics.articles.labels("skipped").inc()
            return None
        self.metrics.articles.labels("duplicate" if result.rejected else "processed").inc()
        self.metrics.events.labels("created").inc(len(result.created))
        self.metrics.events.labels("updated").inc(len(result.updated))
        if result.alerts:
            self.alerts_waiting.set()
        return result

    def _give_up(self, pending: item_store.PendingItem, error: str) -> None:
        """Mark an item that crashed its reader as failed, so it is not taken forever."""
        try:
            with self.store.begin() as conn:
                item_store.finish_item(conn, pending.id, now=_now(), status="failed", error=error)
        except MonitorError as exc:
            log.error("item_give_up_failed", item_id=pending.id, error=str(exc))

    def deliver(self, only: str | None = None, *, everything: bool = False) -> None:
        """Deliver one due batch (to ``only``, if given), or ``everything`` due (``--once``)."""
        if everything:
            done = deliver_all(
                client=self.client,
                store=self.store,
                webhooks=self.settings.alerts.webhooks,
                retry=self.settings.alerts.retry,
                clock=_now,
                sleep=self.stop.wait,
                deadline_s=self.settings.http.deadline_s,
            )
        else:
            done = deliver_due(
                client=self.client,
                store=self.store,
                webhooks=self.settings.alerts.webhooks,
                retry=self.settings.alerts.retry,
                now=_now(),
                only=only,
                replica=self.replica,
                deadline_s=self.settings.http.deadline_s,
            )
        self.metrics.deliveries.labels("sent").inc(done.sent)
        self.metrics.deliveries.labels("failed").inc(done.failed)
        for latency in done.latencies_s:
            self.metrics.latency.observe(latency)

    def gauge(self, read: Callable[[Transaction], int]) -> Callable[[], float]:
        """A store-backed gauge, read at scrape time (NaN when the store does not answer)."""

        def value() -> float:
            try:
                with self.store.begin() as conn:
                    return float(read(conn))
            except MonitorError:
                return float("nan")

        return value

    def item_loop(self, pool: ThreadPoolExecutor) -> None:
        """Keep the page pool busy with queued items until stopped."""
        in_flight: set[Future[Processed | None]] = set()
        workers = self.settings.http.page_workers
        while not self.stop.is_set():
            in_flight = {f for f in in_flight if not f.done()}
            free = workers - len(in_flight)
            if free > 0:
                try:
                    claimed = self._claim(free)
                except Exception:
                    log.exception("item_claim_failed")
                    claimed = []
                for item in claimed:
                    future = pool.submit(self._read, item)
                    future.add_done_callback(lambda _: self.items_waiting.set())  # a free worker
                    in_flight.add(future)
                if len(claimed) == free:
                    continue  # there may be more waiting
            self.items_waiting.wait(TICK_S)
            self.items_waiting.clear()
        wait(in_flight, timeout=STOP_GRACE_S)

    def delivery_loop(self, webhook: str, wake: threading.Event) -> None:
        """Deliver one webhook's alerts until stopped: a slow endpoint holds up only itself."""
        while not self.stop.is_set():
            wake.clear()
            try:
                self.deliver(only=webhook)
            except Exception:
                log.exception("delivery_failed", webhook=webhook)
            wake.wait(TICK_S)


def run(settings: Settings, *, once: bool = False, stop: threading.Event | None = None) -> None:
    """Poll and alert until stopped, or poll every feed once with ``once``.

    An SQLite store serves this daemon alone for its whole life: a second one is refused.
    """
    stop = stop or threading.Event()
    if not once:
        _install_signal_handlers(stop)  # from the start: a signal during start-up stops cleanly
    store = open_store(settings.database_url, mode="write")
    store.require_head()
    with store.sole_daemon(started_at=_now()):
        _run(settings, store, once=once, stop=stop)


def _run(settings: Settings, store: Store, *, once: bool, stop: threading.Event) -> None:
    with store.begin() as conn:
        feeds = feed_store.sync_feeds(
            conn, [(f.url, f.name, f.interval_s) for f in settings.feeds], now=_now()
        )
        if store.is_single_process():
            # This daemon holds the SQLite store's lock: a lease found now was left by one that
            # died (killed mid-work), so its work is taken again at once.
            released = (
                item_store.release_leases(conn, now=_now())
                + outbox_store.release_leases(conn, now=_now())
                + feed_store.release_feeds(conn, replica=None, now=_now())
            )
            if released:
                log.info("leases_released", rows=released)
    with make_client(timeout_s=settings.http.timeout_s) as client:
        daemon = _Daemon(settings, store, client)
        daemon.stop = stop
        if once:
            for feed in feeds:
                daemon.poll(feed.id, force=True)
            while daemon.read_items(limit=settings.http.page_workers):
                pass
            daemon.deliver(everything=True)
            return
        _serve(daemon, feeds)


def _serve(daemon: _Daemon, feeds: list[feed_store.FeedState]) -> None:
    scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={"default": JobExecutor(max_workers=max(2, min(16, len(feeds))))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    now = _now()
    for feed in feeds:
        scheduler.add_job(
            _job(daemon, feed.id),
            "interval",
            seconds=feed.interval_s,
            id=f"feed-{feed.id}",
            next_run_time=max(now, feed.next_check_at or now),
            jitter=min(5.0, feed.interval_s * 0.1),
        )
    pages = ThreadPoolExecutor(daemon.settings.http.page_workers, thread_name_prefix="page")
    loops = [
        threading.Thread(target=daemon.item_loop, args=(pages,), name="items"),
        *(
            threading.Thread(
                target=daemon.delivery_loop,
                args=(hook.name, daemon.alerts_waiting.listener()),
                name=f"deliver-{hook.name}",
            )
            for hook in daemon.settings.alerts.webhooks
        ),
    ]
    metrics_server = _serve_metrics(daemon)
    scheduler.start()
    for loop in loops:
        loop.start()
    notify("READY=1")
    log.info(
        "daemon_started",
        feeds=len(feeds),
        webhooks=len(daemon.settings.alerts.webhooks),
        replica=daemon.replica,
    )
    lost = _watch(daemon)
    notify("STOPPING=1")
    log.info("daemon_stopping")
    scheduler.shutdown(wait=False)
    daemon.items_waiting.set()
    daemon.alerts_waiting.set()
    for loop in loops:
        loop.join(STOP_GRACE_S + TICK_S)
    pages.shutdown(wait=False, cancel_futures=True)
    _release(daemon)
    if metrics_server is not None:
        metrics_server.shutdown()
    log.info("daemon_stopped")
    if lost is not None:
        raise lost  # a non-zero exit: systemd restarts the daemon, and the journal says why


def _watch(daemon: _Daemon) -> StoreError | None:
    """Ping the watchdog each tick while the database answers, until stopped; stop at once,
    returning why, when the SQLite file was deleted or replaced (writes would go on into a
    file nobody sees, and every other command would find another database)."""
    while not daemon.stop.wait(TICK_S):
        try:
            daemon.store.require_same_file()
        except StoreError as exc:
            log.error("database_file_lost", error=str(exc))
            daemon.stop.set()
            return exc
        if daemon.store.ping():
            notify("WATCHDOG=1")
        else:
            log.warning("database_unreachable")
    return None


def _release(daemon: _Daemon) -> None:
    """Drain: give back what this replica holds, so the others take it at once."""
    try:
        with daemon.store.begin() as conn:
            now = _now()
            released = (
                feed_store.release_feeds(conn, replica=daemon.replica, now=now)
                + item_store.release_leases(conn, now=now, replica=daemon.replica)
                + outbox_store.release_leases(conn, now=now, replica=daemon.replica)
            )
        log.info("leases_released", rows=released, replica=daemon.replica)
    except MonitorError as exc:
        log.warning("lease_release_failed", error=str(exc))


def _serve_metrics(daemon: _Daemon) -> Any | None:
    """Serve /metrics where the settings say; a port in use is logged, never fatal."""
    listen = daemon.settings.metrics_listen
    if listen is None:
        return None
    daemon.metrics.read_from(
        replica=daemon.replica,
        feeds_held=daemon.gauge(lambda c: feed_store.count_held(c, replica=daemon.replica)),
        outbox_pending=daemon.gauge(lambda c: outbox_store.count_by_status(c).get("pending", 0)),
        items_pending=daemon.gauge(item_store.count_pending),
    )
    try:
        server, _thread = daemon.metrics.serve(*listen)
    except OSError as exc:
        log.warning("metrics_unavailable", listen=f"{listen[0]}:{listen[1]}", error=str(exc))
        return None
    log.info("metrics_serving", listen=f"{listen[0]}:{listen[1]}")
    return server


class _Broadcast:
    """An event many loops wait on: ``set`` wakes every listener."""

    def __init__(self) -> None:
        self._listeners: list[threading.Event] = []

    def listener(self) -> threading.Event:
        event = threading.Event()
        self._listeners.append(event)
        return event

    def set(self) -> None:
        for event in self._listeners:
            event.set()


def _job(daemon: _Daemon, feed_id: int) -> object:
    def poll_feed() -> None:
        try:
            daemon.poll(feed_id)
        except MonitorError as exc:
            log.error("feed_poll_failed", feed_id=feed_id, error=str(exc))

    return poll_feed


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal_received", signal=signal.Signals(signum).name)
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handle)


def _now() -> datetime:
    return datetime.now(UTC)
