"""Fault injection for the real daemon: SIGKILL at random moments, webhook outages.

Used by tests/test_crash.py (a short run) and benchmarks/soak.py (a long one, run by hand).
A loopback site publishes one new attack report at a time on a feed; `monitor run` is started,
killed with SIGKILL after a random delay, and started again, over and over, while the webhook
receiver may refuse everything for a while. At the end the daemon runs until every attack has
been delivered (or a time limit passes) and stops with SIGTERM.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.loopback import Site, serve

ROOT = Path(__file__).resolve().parents[1]
BASES = [
    "Ain al-Asad air base",
    "Harir air base",
    "Tower 22",
    "the al-Tanf garrison",
    "the Conoco gas field base",
    "Victory base",
    "the Shaddadi base",
    "Camp Taji",
]
PAGE = (
    "<html><head><title>{title}</title></head><body><nav>Home | World | Iraq</nav>"
    "<article><h1>{title}</h1><p>{body}</p></article><footer>Copyright</footer></body></html>"
)


@dataclass
class CrashReport:
    kills: int
    outage_s: float
    published: int  # attacks published on the feed
    delivered: int  # distinct alerts (webhook-id) accepted by the receiver
    accepted_posts: int  # every 2xx POST, repeats included
    repeats: int  # POSTs of an alert already accepted (what a receiver without dedup sees)
    missing: list[str] = field(default_factory=list)  # attacks never alerted
    wrong: list[str] = field(default_factory=list)  # alerts that match no published attack
    seconds: float = 0.0


def run_crash_loop(
    work: Path, *, kills: int, outage_s: float = 0.0, seed: int = 1, final_wait_s: float = 90.0
) -> CrashReport:
    """Publish, kill and restart the daemon ``kills`` times; then let it finish."""
    rng = random.Random(seed)  # noqa: S311 - kill timings, not crypto
    started = time.monotonic()
    with serve(Site()) as site:
        items: list[tuple[str, str, datetime]] = []
        expected: dict[str, tuple[str, str]] = {}  # path -> (base id fragment, day)
        site.put("/feed.xml", "application/rss+xml", rss(site.base_url, items))
        env = configure(work, site.base_url)
        monitor = [sys.executable, "-m", "monitor", "--log-level", "warning"]
        subprocess.run([*monitor, "db", "upgrade"], env=env, check=True, capture_output=True)
        today = datetime.now(UTC)
        outage_until = 0.0
        for n in range(kills):
            publish(site, items, expected, n, today)
            if outage_s and n == kills // 3:
                outage_until = time.monotonic() + outage_s
                site.refuse_posts_until = outage_until
            daemon = subprocess.Popen(
                [*monitor, "run"], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.3, 2.5))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=30)
        publish(site, items, expected, kills, today)
        while time.monotonic() < outage_until:
            time.sleep(0.2)
        daemon = subprocess.Popen(
            [*monitor, "run"], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + final_wait_s
        while time.monotonic() < deadline and delivered(site) < len(expected):
            time.sleep(0.2)
        time.sleep(2.0)  # a late duplicate would show up now
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        return _report(site, expected, kills, outage_s, time.monotonic() - started)


def configure(
    work: Path,
    base_url: str,
    *,
    interval_s: float = 1.0,
    feeds: Sequence[tuple[str, str]] = (("crash", "/feed.xml"),),
    webhook: bool = True,
    database: str | None = None,
    settings: str = "",
) -> dict[str, str]:
    """A config for loopback feeds ((name, path) on ``base_url``) and, with ``webhook``, its
    /hook; the environment to run monitor with it (on ``database``, else SQLite in ``work``).
    ``settings`` are more top-level YAML lines."""
    shipped = (ROOT / "config.yaml").read_text()
    config = work / "config.yaml"
    hook = (
        "  max_article_age: 2d\n  retry: {initial: 1s, max: 2s, attempts: 1000}\n"
        f"  webhooks:\n    - name: sink\n      url: {base_url}/hook\n"
        "      secret: whsec_Y3Jhc2gtdGVzdC1rZXktbWF0ZXJpYWwtMzI=\n"
        if webhook
        else "  max_article_age: null\n"
    )
    config.write_text(
        f"database: sqlite:///{work / 'monitor.db'}\n"
        + settings
        + "feeds:\n"
        + "".join(
            f"  - {{name: {name}, url: '{base_url}{path}', interval: {interval_s}s}}\n"
            for name, path in feeds
        )
        + "alerts:\n"
        + hook
        + shipped[shipped.index("\nbases:") :]
    )
    env = {**os.environ, "MONITOR_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    return env if database is None else {**env, "MONITOR_DATABASE_URL": database}


def publish(
    site: Site,
    items: list[tuple[str, str, datetime]],
    expected: dict[str, tuple[str, str]],
    n: int,
    today: datetime,
) -> None:
    """One new attack: a base and a day no earlier item used."""
    day = today - timedelta(days=n // len(BASES))
    where = BASES[n % len(BASES)]
    title = f"Drone attack on {where}"
    body = (
        f"Two drones targeted {where} on {day:%B} {day.day}, {day.year}, security sources "
        "said, adding that there were no casualties."
    )
    path = f"/story/{n}"
    site.put(path, "text/html", PAGE.format(title=title, body=body))
    items.append((path, title, today))
    expected[path] = (where, day.date().isoformat())
    site.put("/feed.xml", "application/rss+xml", rss(site.base_url, items))


def rss(base: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{p}</link><guid>{p}</guid>"
        f"<pubDate>{format_datetime(d)}</pubDate></item>"
        for p, t, d in reversed(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>{entries}'
        "</channel></rss>"
    )


def delivered(site: Site) -> int:
    return len({post.headers["webhook-id"] for post in site.accepted()})


def _report(
    site: Site, expected: dict[str, tuple[str, str]], kills: int, outage_s: float, seconds: float
) -> CrashReport:
    accepted = site.accepted()
    by_id = Counter(post.headers["webhook-id"] for post in accepted)
    alerted: set[str] = set()
    wrong = []
    for post in {p.headers["webhook-id"]: p for p in accepted}.values():
        event = json.loads(post.body)["event"]
        paths = {
            s["url"].split("127.0.0.1", 1)[-1].split(":", 1)[-1].split("/", 1)[-1]
            for s in event["sources"]
        }
        matched = [p for p in expected if p.lstrip("/") in paths]
        if len(matched) != 1 or event["date"] != expected[matched[0]][1]:
            wrong.append(f"{event['base']} {event['date']} {sorted(paths)}")
        alerted.update(matched)
    return CrashReport(
        kills=kills,
        outage_s=outage_s,
        published=len(expected),
        delivered=len(by_id),
        accepted_posts=len(accepted),
        repeats=sum(count - 1 for count in by_id.values()),
        missing=sorted(set(expected) - alerted),
        wrong=wrong,
        seconds=seconds,
    )
