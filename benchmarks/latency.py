"""Benchmark: latency from an item's appearance on its feed to the alert's arrival.

Runs the real daemon (`monitor run`, a subprocess) against a loopback feed server and webhook
receiver, publishes attack reports one at a time at random moments, and measures for each the
time from publication on the feed to the signed alert's arrival. The poll interval is 2 s; the
target is a 95th percentile under interval + 2 s. The baseline, from the same run, is a perfect
poller's latency (uniformly spread over one interval: median interval/2).

    .venv/bin/python benchmarks/latency.py [--items 30] [--interval 2]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.crashloop import configure, publish, rss
from tests.loopback import Site, serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="monitor-latency-"))
    with serve(Site()) as site:
        items: list[tuple[str, str, datetime]] = []
        expected: dict[str, tuple[str, str]] = {}
        site.put("/feed.xml", "application/rss+xml", rss(site.base_url, items))
        env = configure(work, site.base_url, interval_s=args.interval)
        monitor = [sys.executable, "-m", "monitor", "--log-level", "warning"]
        subprocess.run([*monitor, "db", "upgrade"], env=env, check=True, capture_output=True)
        daemon = subprocess.Popen([*monitor, "run"], env=env, stderr=subprocess.DEVNULL)
        latencies: list[float] = []
        try:
            while not site.requests:
                time.sleep(0.05)
            today = datetime.now(UTC)
            for n in range(args.items):
                time.sleep(rng.uniform(0.2, args.interval * 1.5))
                publish(site, items, expected, n, today)
                path = f"/story/{n}"
                published_at = time.monotonic()
                deadline = published_at + 30
                while len(site.accepted()) < n + 1 and time.monotonic() < deadline:
                    time.sleep(0.01)
                arrived = site.accepted()
                if len(arrived) < n + 1:
                    print(f"item {n}: no alert within 30 s", file=sys.stderr)
                    return 1
                latencies.append(arrived[n].at - published_at)
                assert path in json.loads(arrived[n].body)["event"]["sources"][0]["url"]
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
    latencies.sort()
    median = statistics.median(latencies)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    budget = args.interval + 2.0
    ideal_median = args.interval / 2
    print(f"items: {len(latencies)}, poll interval {args.interval:g} s")
    print(f"latency median {median:.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s")
    print(
        f"median vs a perfect poller (interval/2 = {ideal_median:.2f} s): "
        f"{median / ideal_median:.2f}x"
    )
    print(
        f"p95 vs budget (interval + 2 s = {budget:.2f} s): {p95 / budget:.2f}x "
        f"-> {'PASS' if p95 < budget else 'FAIL'}"
    )
    return 0 if p95 < budget else 1


if __name__ == "__main__":
    sys.exit(main())
