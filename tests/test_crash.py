"""Crash safety: SIGKILL at random moments and a webhook outage lose and duplicate nothing."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.crashloop import configure, delivered, publish, rss, run_crash_loop
from tests.loopback import Site, serve


def test_killed_daemon_alerts_every_attack_exactly_once(tmp_path: Path) -> None:
    """Killed 6 times mid-work, with the receiver down for a while, the daemon still delivers
    every attack, each under one webhook-id: a receiver that deduplicates by webhook-id sees
    each alert once. (One that does not may see a rare repeat: a POST the daemon sent just
    before a kill, before it could record it; the report counts those as ``repeats``.)"""
    report = run_crash_loop(tmp_path, kills=6, outage_s=4.0, seed=3)
    assert report.missing == []
    assert report.wrong == []
    assert report.delivered == report.published == 7


def test_locked_database_delays_but_loses_nothing(tmp_path: Path) -> None:
    """While another process holds the SQLite database locked, the daemon waits; once the lock
    is released, the attack published meanwhile is alerted once."""
    with serve(Site()) as site:
        items: list = []  # type: ignore[type-arg]
        expected: dict = {}  # type: ignore[type-arg]
        site.put("/feed.xml", "application/rss+xml", rss(site.base_url, items))
        env = configure(tmp_path, site.base_url)
        monitor = [sys.executable, "-m", "monitor", "--log-level", "warning"]
        subprocess.run([*monitor, "db", "upgrade"], env=env, check=True, capture_output=True)
        daemon = subprocess.Popen(
            [*monitor, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            time.sleep(1.5)
            lock = sqlite3.connect(tmp_path / "monitor.db", timeout=30)
            lock.execute("BEGIN EXCLUSIVE")
            publish(site, items, expected, 0, datetime.now(UTC))
            time.sleep(4.0)
            assert daemon.poll() is None, "the daemon must wait, not die"
            assert delivered(site) == 0
            lock.rollback()
            lock.close()
            deadline = time.monotonic() + 60
            while delivered(site) < 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert delivered(site) == 1
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        assert daemon.returncode == 0
