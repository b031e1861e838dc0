"""Several replicas on one PostgreSQL store: one alert per attack, every feed polled.

Three `monitor run` processes share a fresh database, six loopback feeds and one webhook
receiver; attacks appear on the feeds over time, and one replica is killed (SIGKILL) mid-run.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import fresh_pg_database
from tests.crashloop import BASES, PAGE, configure, rss
from tests.loopback import Site, serve

PG_URL = os.environ.get("MONITOR_TEST_PG_URL")
FEEDS = 6
INTERVAL_S = 1.0
FEED_LEASE_S = 4 + 10  # http.deadline + 10 s, as the daemon sets it
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    with fresh_pg_database("monitor_replicas") as url:
        yield url


def test_three_replicas_one_killed(pg_url: str, tmp_path: Path) -> None:
    """Every attack is alerted under exactly one webhook-id, and every feed keeps being polled
    after a replica holding work is killed."""
    with serve(Site()) as site:
        feeds: dict[int, list[tuple[str, str, datetime]]] = {n: [] for n in range(FEEDS)}
        for n in range(FEEDS):
            site.put(f"/feed{n}.xml", "application/rss+xml", rss(site.base_url, []))
        env = configure(
            tmp_path,
            site.base_url,
            feeds=[(f"f{n}", f"/feed{n}.xml") for n in range(FEEDS)],
            database=pg_url,
            settings="http: {deadline: 4s, timeout: 2s}\n",
        )
        monitor = [sys.executable, "-m", "monitor", "--log-level", "warning"]
        subprocess.run([*monitor, "db", "upgrade"], env=env, check=True, capture_output=True)
        replicas = {
            name: subprocess.Popen(
                [*monitor, "run"],
                env={**env, "MONITOR_REPLICA": name},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for name in ("r1", "r2", "r3")
        }
        today = datetime.now(UTC)
        published = 0
        killed_at = None
        try:
            for step in range(16):
                feed = step % FEEDS
                day = today - timedelta(days=step // len(BASES))
                where = BASES[step % len(BASES)]
                path = f"/story/{step}"
                site.put(
                    path,
                    "text/html",
                    PAGE.format(
                        title=f"Drone attack on {where}",
                        body=f"Two drones targeted {where} on {day:%B} {day.day}, {day.year}, "
                        "security sources said, adding that there were no casualties.",
                    ),
                )
                feeds[feed].append((path, f"Drone attack on {where}", today))
                site.put(f"/feed{feed}.xml", "application/rss+xml", rss(site.base_url, feeds[feed]))
                published += 1
                time.sleep(0.5)
                if step == 6:
                    replicas["r2"].send_signal(signal.SIGKILL)
                    killed_at = time.monotonic()
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(_ids(site)) < published:
                time.sleep(0.2)
            # Watch the feeds for a while past the killed replica's leases.
            while time.monotonic() < killed_at + FEED_LEASE_S + 8:
                time.sleep(0.2)
        finally:
            for process in replicas.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            exits = {name: p.wait(timeout=30) for name, p in replicas.items()}
    assert exits["r1"] == exits["r3"] == 0
    ids = _ids(site)
    assert len(ids) == published == 16, "every attack alerted, under one webhook-id each"
    alerts = [
        json.loads(p.body) for p in {p.headers["webhook-id"]: p for p in site.accepted()}.values()
    ]
    assert all(a["type"] == "event.created" for a in alerts)
    assert killed_at is not None
    for n in range(FEEDS):
        times = [t for path, t in site.request_times if path == f"/feed{n}.xml" and t > killed_at]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        settled = [t for t in times if t > killed_at + FEED_LEASE_S]
        assert len(settled) >= 5, f"feed{n} polled {len(settled)} times once leases ended"
        assert statistics.median(gaps) < INTERVAL_S * 2.5
        assert max(gaps) < FEED_LEASE_S + 3  # a feed the killed replica held waits one lease


def _ids(site: Site) -> Counter[str]:
    return Counter(post.headers["webhook-id"] for post in site.accepted())
