"""The daemon end to end: `monitor run` as a subprocess against loopback feed and webhook sink."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.loopback import Site, serve

SECRET = "test-signing-secret"
MONITOR = [sys.executable, "-m", "monitor"]

PAGE = """<html><head><title>{title}</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/iraq">Iraq</a></nav>
<article><h1>{title}</h1>
<p>{body}</p>
<p>The Islamic Resistance in Iraq, an umbrella of Iran-backed militias, has claimed most of the
attacks on US forces in the region since the war in Gaza began, according to analysts.</p>
</article>
<aside><h3>Related stories</h3><ul>
<li>Rockets hit Harir air base in 2021 attack</li>
<li>Militia threatens to attack Ain al-Asad if US troops stay</li></ul></aside>
<footer>Copyright News Example. All rights reserved. Contact us.</footer>
</body></html>"""

ATTACK = (
    "Two armed drones targeted the Ain al-Asad air base in western Iraq on Tuesday, a security "
    "source told reporters. One of the drones was shot down, and the attack caused no damage or "
    "casualties, the source said. The Islamic Resistance in Iraq claimed responsibility for the "
    "attack in a statement on Telegram."
)
OTHER = (
    "Iraq's parliament met on Tuesday to debate the federal budget for next year, with lawmakers "
    "from several blocs calling for more spending on electricity and water projects in the south."
)


def _rss(base: str, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>{format_datetime(datetime.now(UTC))}</pubDate></item>"
        for path, title in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>'
        f"<link>{base}/</link><description>news</description>{entries}</channel></rss>"
    )


@pytest.fixture
def site() -> Iterator[Site]:
    with serve(Site()) as running:
        base = running.base_url
        running.put("/a1", "text/html", PAGE.format(title="Drones target Ain al-Asad", body=ATTACK))
        running.put("/a2", "text/html", PAGE.format(title="Budget debate", body=OTHER))
        running.put(
            "/feed.xml",
            "application/rss+xml",
            _rss(base, [("/a1", "Drones target Ain al-Asad"), ("/a2", "Budget debate")]),
        )
        yield running


@pytest.fixture
def workdir(tmp_path: Path, site: Site) -> tuple[Path, dict[str, str]]:
    """A config pointing at the loopback feed and webhook, and the environment to run it."""
    shipped = (ROOT / "config.yaml").read_text()
    bases = shipped[shipped.index("\nbases:") :]
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\n"
        f"feeds:\n  - name: loopback\n    url: {site.base_url}/feed.xml\n    interval: 1s\n"
        "alerts:\n  max_article_age: 1d\n  webhooks:\n"
        f"    - name: ops\n      url: {site.base_url}/hook\n      secret: ${{HOOK_SECRET}}\n"
        + bases
    )
    env = {
        **os.environ,
        "HOOK_SECRET": SECRET,
        "MONITOR_CONFIG": str(config),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([*MONITOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    return config, env


def _verify(received: object) -> dict[str, object]:
    headers, body = received.headers, received.body  # type: ignore[attr-defined]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = (
        "v1,"
        + base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest()).decode()
    )
    assert headers["webhook-signature"] == expected
    return json.loads(body)  # type: ignore[no-any-return]


Workdir = tuple[Path, dict[str, str]]


def test_run_once_alerts_once_per_attack(site: Site, workdir: Workdir) -> None:
    """One cycle alerts the attack once (signed), ignores boilerplate; the next poll is a 304."""
    _, env = workdir
    subprocess.run(
        [*MONITOR, "run", "--once"], env=env, check=True, capture_output=True, timeout=120
    )
    assert len(site.posts) == 1
    alert = _verify(site.posts[0])
    assert alert["type"] == "event.created"
    event = alert["event"]
    assert (event["base"], event["weapons"], event["munitions_count"]) == (
        "ain-al-asad",
        ["drone"],
        2,
    )
    assert event["claimed_by"] == "Islamic Resistance in Iraq"
    assert event["outcome"] == "no_damage"
    subprocess.run(
        [*MONITOR, "run", "--once"], env=env, check=True, capture_output=True, timeout=120
    )
    assert len(site.posts) == 1
    assert ("/feed.xml", 304) in site.requests


def test_run_stops_cleanly_on_sigterm(site: Site, workdir: tuple[Path, dict[str, str]]) -> None:
    """The daemon polls, delivers, and exits 0 on SIGTERM."""
    _, env = workdir
    daemon = subprocess.Popen(
        [*MONITOR, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not site.posts and time.monotonic() < deadline and daemon.poll() is None:
            time.sleep(0.1)
        assert len(site.posts) == 1
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    _verify(site.posts[0])
