"""Benchmark: feeds polled and articles processed per minute, for 1, 2 and 3 replicas on
PostgreSQL and 1 daemon on SQLite, as ratios to the single SQLite daemon measured in the same run.

A loopback server serves FEEDS feeds (interval 1 s) listing ITEMS article pages each; every
configuration starts from a fresh database, runs for WINDOW seconds, and counts feed requests
(polls) and entries read (items done or skipped).

    MONITOR_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/replicas.py [--window 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.crashloop import BASES, PAGE, configure, rss
from tests.loopback import Site, serve

FEEDS = 40
ITEMS = 150


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()
    pg_url = os.environ.get("MONITOR_TEST_PG_URL")
    if not pg_url:
        print(
            "set MONITOR_TEST_PG_URL to a PostgreSQL database this may create databases on",
            file=sys.stderr,
        )
        return 2
    runs = [("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 3)]
    results = {}
    for backend, replicas in runs:
        results[(backend, replicas)] = _measure(backend, replicas, pg_url, args.window)
        polls, articles = results[(backend, replicas)]
        print(
            f"{backend:<10} x{replicas}: {polls:7.0f} polls/min  {articles:7.0f} articles/min",
            file=sys.stderr,
        )
    base_polls, base_articles = results[("sqlite", 1)]
    print("| store | replicas | feeds polled / min | ratio | articles processed / min | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (backend, replicas), (polls, articles) in results.items():
        print(
            f"| {backend} | {replicas} | {polls:.0f} | {polls / base_polls:.2f}x "
            f"| {articles:.0f} | {articles / base_articles:.2f}x |"
        )
    return 0


def _measure(backend: str, replicas: int, pg_url: str, window: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="monitor-replicas-") as work, serve(Site()) as site:
        today = datetime.now(UTC)
        for f in range(FEEDS):
            items = []
            for i in range(ITEMS):
                where = BASES[(f + i) % len(BASES)]
                path = f"/f{f}/story{i}"
                site.put(
                    path,
                    "text/html",
                    PAGE.format(
                        title=f"Report {f}-{i}",
                        body=f"Officials in the region met on Monday to discuss {where} and the "
                        f"budget for item {f}-{i}. " * 8,
                    ),
                )
                items.append((path, f"Report {f}-{i}", today))
            site.put(f"/feed{f}.xml", "application/rss+xml", rss(site.base_url, items))
        database, drop = _database(backend, pg_url, Path(work))
        env = configure(
            Path(work),
            site.base_url,
            feeds=[(f"f{f}", f"/feed{f}.xml") for f in range(FEEDS)],
            webhook=False,
            database=database,
        )
        monitor = [sys.executable, "-m", "monitor", "--log-level", "error"]
        try:
            subprocess.run([*monitor, "db", "upgrade"], env=env, check=True, capture_output=True)
            processes = [
                subprocess.Popen(
                    [*monitor, "run"],
                    env={**env, "MONITOR_REPLICA": f"r{n}"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for n in range(replicas)
            ]
            time.sleep(3)  # start-up and the first polls
            start, done_before = time.monotonic(), _items_read(database)
            time.sleep(window)
            end, done_after = time.monotonic(), _items_read(database)
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        finally:
            drop()
        polls = sum(
            1 for path, t in site.request_times if path.startswith("/feed") and start <= t <= end
        )
        minutes = (end - start) / 60
        return polls / minutes, (done_after - done_before) / minutes


def _items_read(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM items WHERE status <> 'pending'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _database(backend: str, pg_url: str, work: Path):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        return f"sqlite:///{work / 'bench.db'}", lambda: None
    name = f"monitor_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_url).set(database=name).render_as_string(hide_password=False), drop


if __name__ == "__main__":
    sys.exit(main())
