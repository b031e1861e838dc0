"""Prometheus metrics of the daemon, served on a local port (``metrics.listen``).

The daemon counts what its units of work return (polls, articles, events, deliveries); gauges
that need the store (outbox depth, queued items) are read at scrape time through callbacks, so
this module knows nothing of the store.
"""

from __future__ import annotations

from collections.abc import Callable
from threading import Thread
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = ["Metrics"]


class Metrics:
    """The daemon's metrics, on a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter(
            "monitor_feed_polls",
            "Feed polls, by result (ok, not_modified, error)",
            ["result"],
            registry=self.registry,
        )
        self.articles = Counter(
            "monitor_articles",
            "Articles read, by result (processed, duplicate, skipped)",
            ["result"],
            registry=self.registry,
        )
        self.events = Counter(
            "monitor_events", "Events created or updated", ["kind"], registry=self.registry
        )
        self.deliveries = Counter(
            "monitor_alert_deliveries",
            "Alert deliveries, by result (sent, failed)",
            ["result"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "monitor_delivery_latency_seconds",
            "From an alert written to its endpoint's 2xx",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600),
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "monitor_outbox_pending",
            "Deliveries waiting (due or backing off)",
            registry=self.registry,
        )
        self.items_pending = Gauge(
            "monitor_items_pending", "Feed entries queued for reading", registry=self.registry
        )
        self.replica = Gauge(
            "monitor_replica_info",
            "This daemon's replica name (the value is always 1)",
            ["replica"],
            registry=self.registry,
        )
        self.feeds_held = Gauge(
            "monitor_feeds_held",
            "Feeds this replica is polling right now",
            registry=self.registry,
        )
        self.last_poll = Gauge(
            "monitor_last_poll_timestamp_seconds",
            "When a feed poll last finished",
            registry=self.registry,
        )

    def read_from(
        self,
        *,
        replica: str,
        outbox_pending: Callable[[], float],
        items_pending: Callable[[], float],
        feeds_held: Callable[[], float],
    ) -> None:
        """Name the replica, and read the store-backed gauges through callbacks at scrape."""
        self.replica.labels(replica).set(1)
        self.outbox_pending.set_function(outbox_pending)
        self.items_pending.set_function(items_pending)
        self.feeds_held.set_function(feeds_held)

    def serve(self, host: str, port: int) -> tuple[Any, Thread]:
        """Serve /metrics on host:port; the server and its thread."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)
        return server, thread
