"""The daemon end to end: `monitor run` as a subprocess against loopback feed and webhook sink."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.store import open_store
from tests.conftest import ROOT
from tests.loopback import Site, serve

SECRET = "whsec_" + base64.b64encode(b"test-signing-secret-of-32-bytes!").decode()
MONITOR = [sys.executable, "-m", "monitor"]

PAGE = """<html><head><title>{title}</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/iraq">Iraq</a></nav>
<article><h1>{title}</h1>
<p>{body}</p>
<p>The Islamic Resistance in Iraq, an umbrella of Iran-backed militias, has claimed most of the
attacks on US forces in the region since the war in Gaza began, according to analysts.</p>
</article>
<aside><h3>Related stories</h3><ul>
<li><a href="/old1">Drone attack on Tower 22 in Jordan kills three US troops on Sunday</a></li>
<li><a href="/old2">Rockets hit Victory base near Baghdad airport overnight</a></li>
<li><a href="/old3">Militia threatens to attack Ain al-Asad if US troops stay</a></li></ul></aside>
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
        "alerts:\n  max_article_age: 1d\n  retry: {initial: 1s, max: 2s, attempts: 30}\n"
        "  webhooks:\n"
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
        + base64.b64encode(
            hmac.new(base64.b64decode(SECRET[6:]), signed, hashlib.sha256).digest()
        ).decode()
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


def test_run_stops_cleanly_on_sigterm(site: Site, workdir: Workdir, tmp_path: Path) -> None:
    """The daemon tells systemd it is ready, delivers, and on SIGTERM says so and exits 0."""
    _, env = workdir
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify_socket:
        notify_socket.bind(str(notify_path))
        notify_socket.settimeout(0.5)
        metrics_port = _free_port()
        config = Path(env["MONITOR_CONFIG"])
        config.write_text(f"metrics: {{listen: 127.0.0.1:{metrics_port}}}\n" + config.read_text())
        daemon = subprocess.Popen(
            [*MONITOR, "run"],
            env={**env, "NOTIFY_SOCKET": str(notify_path)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for(lambda: len(site.posts) == 1, daemon)
            metrics = _scrape(metrics_port, daemon)
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=30) == 0
        finally:
            if daemon.poll() is None:
                daemon.kill()
        states = []
        with contextlib.suppress(TimeoutError):
            while True:
                states.append(notify_socket.recv(256).decode())
    _verify(site.posts[0])
    assert states[0] == "READY=1"
    assert 'monitor_alert_deliveries_total{result="sent"} 1.0' in metrics
    assert 'monitor_events_total{kind="created"} 1.0' in metrics
    assert "monitor_outbox_pending 0.0" in metrics
    assert "monitor_delivery_latency_seconds_count 1.0" in metrics
    assert 'monitor_replica_info{replica="' in metrics
    assert "monitor_feeds_held " in metrics
    assert states[-1] == "STOPPING=1"


HARIR = (
    "Rockets struck Harir air base north of Erbil on Monday, Kurdistan Region security officials "
    "said. There was no damage to the base, they said."
)
FOLLOW_UP = (
    "Two US service members suffered minor injuries in Tuesday's drone attack on Ain al-Asad air "
    "base in western Iraq, a US defense official said on Saturday."
)


@pytest.mark.parametrize("receiver_down_s", [0.0, 4.0], ids=["receiver-up", "receiver-503-first"])
def test_live_feed_alerts_each_attack_once(
    site: Site, workdir: Workdir, receiver_down_s: float
) -> None:
    """Items appearing over time give one signed alert per attack (and one update), exactly once.

    The pages carry menus, footers and "related stories" naming other attacks, which must not
    alert; with the receiver answering 503 at first, every alert still arrives exactly once, in
    order of detection, and every retry of an alert carries the same webhook-id and body.
    """
    _, env = workdir
    site.refuse_posts_until = time.monotonic() + receiver_down_s
    daemon = subprocess.Popen(
        [*MONITOR, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for(lambda: len(site.posts) >= 1, daemon)
        base = site.base_url
        site.put("/a3", "text/html", PAGE.format(title="Rockets hit Harir", body=HARIR))
        site.put("/a4", "text/html", PAGE.format(title="Troops hurt", body=FOLLOW_UP))
        site.put(
            "/feed.xml",
            "application/rss+xml",
            _rss(
                base,
                [
                    ("/a4", "Troops hurt"),
                    ("/a3", "Rockets hit Harir"),
                    ("/a1", "Drones target Ain al-Asad"),
                    ("/a2", "Budget debate"),
                ],
            ),
        )
        _wait_for(lambda: len(site.accepted()) >= 3, daemon)
        time.sleep(2.5)  # room for a duplicate to show up, were there one
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    accepted = site.accepted()
    alerts = [_verify(post) for post in accepted]
    summary = [(a["type"], a["event"]["base"], a["event"]["outcome"]) for a in alerts]
    assert sorted(summary) == sorted(
        [
            ("event.created", "ain-al-asad", "no_damage"),
            ("event.created", "harir", "no_damage"),
            ("event.updated", "ain-al-asad", "casualties"),
        ]
    )
    ids = [post.headers["webhook-id"] for post in accepted]
    assert len(set(ids)) == len(ids) == 3
    first = next(
        i
        for i, a in enumerate(alerts)
        if a["type"] == "event.created" and a["event"]["base"] == "ain-al-asad"
    )
    update = next(i for i, a in enumerate(alerts) if a["type"] == "event.updated")
    assert first < update
    bodies = {post.headers["webhook-id"]: post.body for post in accepted}
    refused = [post for post in site.posts if post.status >= 300]
    assert bool(refused) == (receiver_down_s > 0)
    for post in refused:
        assert bodies[post.headers["webhook-id"]] == post.body
    assert ("/feed.xml", 304) in site.requests


def _wait_for(condition: Callable[[], bool], daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert daemon.poll() is None, daemon.stderr.read().decode()[-2000:] if daemon.stderr else ""
        if time.monotonic() > deadline:
            daemon.kill()
            log = daemon.stderr.read().decode()[-4000:] if daemon.stderr else ""
            raise AssertionError(f"timed out waiting for the daemon; its log ends:\n{log}")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape(port: int, daemon: subprocess.Popen[bytes]) -> str:
    """The daemon's /metrics page, once its counters show the delivery."""
    import httpx

    text = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and 'result="sent"} 1.0' not in text:
        assert daemon.poll() is None
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.HTTPError:
            time.sleep(0.2)
    return text


def _stop(daemon: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> int:
    """Send ``signum`` and wait for the exit status; kill the daemon if it does not stop."""
    if daemon.poll() is None:
        daemon.send_signal(signum)
    try:
        return daemon.wait(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()


def test_second_daemon_on_one_sqlite_file_is_refused(site: Site, workdir: Workdir) -> None:
    """While one daemon runs on an SQLite file, a second (`run` or `run --once`) is refused
    in one line naming the first; the first goes on alone, each alert is sent once, and
    once it stops the file is free again."""
    _, env = workdir
    quiet = [*MONITOR, "--log-level", "warning"]
    first = subprocess.Popen(
        [*quiet, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for(lambda: len(site.posts) == 1, first)
        for args in (["run"], ["run", "--once"]):
            second = subprocess.run(
                [*quiet, *args], env=env, capture_output=True, text=True, timeout=60
            )
            assert second.returncode == 1
            (line,) = second.stderr.splitlines()
            assert f"m.db is in use by another daemon (pid {first.pid} on " in line
            assert "SQLite serves one daemon" in line
        time.sleep(1.5)  # room for a repeat to show up, were there one
        assert first.poll() is None
        assert len(site.posts) == 1
    finally:
        assert _stop(first) == 0
    again = subprocess.run([*quiet, "run", "--once"], env=env, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(site.posts) == 1


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_daemon_stops_when_its_database_file_goes(
    site: Site, workdir: Workdir, tmp_path: Path, how: str
) -> None:
    """A daemon whose SQLite file is deleted or replaced under it stops with one error line and
    a non-zero status (so systemd restarts it, visibly), instead of writing on into a file
    nobody sees; `monitor health` then says the database is missing and creates none."""
    _, env = workdir
    database = tmp_path / "m.db"
    daemon = subprocess.Popen(
        [*MONITOR, "--log-level", "warning", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: len(site.posts) == 1, daemon)
        if how == "deleted":
            database.unlink()
        else:
            other = tmp_path / "other.db"
            other.write_bytes(database.read_bytes())
            other.replace(database)
        assert daemon.wait(timeout=60) == 1
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.stderr is not None
    last = daemon.stderr.read().decode().strip().splitlines()[-1]
    assert last == f"Error: store: the database file {database} was {how} while in use"
    if how == "deleted":
        health = subprocess.run(
            [*MONITOR, "health"], env=env, capture_output=True, text=True, timeout=60
        )
        assert health.returncode == 1
        assert f"no database at {database}" in health.stderr
        assert not database.exists()


@pytest.mark.parametrize(
    "signum",
    [signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2],
    ids=lambda s: signal.Signals(s).name,
)
def test_stop_signals_stop_cleanly(site: Site, workdir: Workdir, signum: int) -> None:
    """SIGHUP (a closed terminal, or `kill -HUP`) and the other signals that would end the
    process outright stop it as SIGTERM does: drained, leases given back, exit status 0."""
    _, env = workdir
    daemon = subprocess.Popen(
        [*MONITOR, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _wait_for(lambda: len(site.posts) == 1, daemon)
    assert _stop(daemon, signum) == 0
    assert daemon.stderr is not None
    log = daemon.stderr.read().decode()
    assert '"event": "leases_released"' in log
    assert '"event": "daemon_stopped"' in log


def test_a_link_to_the_database_takes_the_same_lock(tmp_path: Path) -> None:
    """A daemon given a symbolic link to the SQLite file is refused while another daemon holds
    the file itself: the lock is the file's, not the path's."""
    started = datetime(2024, 5, 1, tzinfo=UTC)
    real = tmp_path / "data" / "m.db"
    real.parent.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    first, second = open_store(f"sqlite:///{real}"), open_store(f"sqlite:///{link}")
    first.upgrade()
    with (
        first.sole_daemon(started_at=started),
        pytest.raises(StoreError, match=r"link\.db is in use by another daemon \(pid "),
        second.sole_daemon(started_at=started),
    ):
        pass
    with second.sole_daemon(started_at=started):
        pass  # free again once the first lets go
