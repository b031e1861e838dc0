"""Hostile and broken input on the real HTTP path: the daemon stays up and lets nothing in.

One `monitor run --once` (a subprocess) polls a loopback server that serves every feed of
../shared/fixtures/feeds plus truncated, non-XML, entity-bomb, oversized, gzip-bomb, trickling,
redirect-looping, mistyped and foreign-language documents, and a feed listing links to internal
addresses. Afterwards: every feed has a row with its error (or success), no internal address
was fetched, and the process's peak memory stayed under a bound.
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.http import link_guard
from tests.conftest import ROOT, SHARED
from tests.loopback import Site, serve

FIXTURES = SHARED / "fixtures" / "feeds"
MEMORY_BOUND_MB = 300
INTERNAL_LINKS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/admin",
    "file:///etc/passwd",
]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>
"""


def _rss(base: str, links: list[str]) -> str:
    now = format_datetime(datetime.now(UTC))
    items = "".join(
        f"<item><title>Rockets hit Harir air base</title><link>{link}</link><guid>{link}</guid>"
        f"<description>Rockets hit Harir air base on Monday, officials said, and there was "
        f"no damage to the base or its aircraft, the statement added.</description>"
        f"<pubDate>{now}</pubDate></item>"
        for link in links
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    )


def _documents(base: str) -> dict[str, tuple[str, bytes]]:
    loopback_secret = base.replace("localhost", "127.0.0.1") + "/secret"
    french = (
        "<html><body><article><p>"
        + "Le conseil municipal a voté le budget annuel. " * 40
        + "</p></article></body></html>"
    ).encode()
    docs: dict[str, tuple[str, bytes]] = {
        "/truncated.xml": ("application/rss+xml", _rss(base, [base + "/fr"]).encode()[:150]),
        "/not-xml.xml": ("application/rss+xml", b"\x89PNG\r\n\x1a\n" + os.urandom(2000)),
        "/lol.xml": ("application/rss+xml", BILLION_LAUGHS),
        "/huge.xml": ("application/rss+xml", b"<rss>" + b"x" * 3_000_000 + b"</rss>"),
        "/bomb.xml": ("application/rss+xml", gzip.compress(b"<rss>" + b"\x00" * 50_000_000)),
        "/html-instead.xml": ("text/html", french),
        "/wrong-type.xml": ("image/png", _rss(base, [base + "/fr"]).encode()),
        "/fr": ("text/html", french),
        "/internal.xml": (
            "application/rss+xml",
            _rss(base, [loopback_secret, *INTERNAL_LINKS]).encode(),
        ),
        "/secret": ("text/plain", b"must never be fetched"),
    }
    if FIXTURES.is_dir():
        for path in sorted(FIXTURES.glob("*/*.xml")):
            docs[f"/fixtures/{path.parent.name}/{path.name}"] = (
                "application/xml",
                path.read_bytes(),
            )
    return docs


@pytest.fixture
def hostile() -> Iterator[Site]:
    with serve(Site()) as site:
        site.base_url = site.base_url.replace("127.0.0.1", "localhost")
        for path, (kind, body) in _documents(site.base_url).items():
            site.put(path, kind, body)
        site.encodings["/bomb.xml"] = "gzip"
        site.trickle.add("/trickle.xml")
        site.redirects["/loop-a.xml"] = site.base_url + "/loop-b.xml"
        site.redirects["/loop-b.xml"] = site.base_url + "/loop-a.xml"
        yield site


# Runs its arguments and writes their peak RSS (KB) to $PEAK_FILE. A child's peak includes the
# memory of the process it was forked from (the whole pytest session, here), so the daemon is
# started from this small one.
_MEASURED = """
import os, resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
with open(os.environ["PEAK_FILE"], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def _run_measured(command: list[str], *, env: dict[str, str]) -> tuple[int, str, float]:
    """Run ``command``; its exit code, stderr and its own peak RSS in MB."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        run = subprocess.run(
            [sys.executable, "-c", _MEASURED, *command],
            env={**env, "PEAK_FILE": str(peak_file)},
            capture_output=True,
            timeout=300,
        )
        return (
            run.returncode,
            run.stderr.decode(errors="replace"),
            int(peak_file.read_text()) / 1024,
        )


def test_daemon_survives_hostile_feeds(hostile: Site, tmp_path: Path) -> None:
    """Every hostile feed is refused or read within bounds; internal links are never fetched."""
    for link in INTERNAL_LINKS:
        assert link_guard(hostile.base_url + "/internal.xml", allow_private=False)(link).refused
    paths = sorted(
        [p for p in hostile.documents if p.endswith(".xml")] + ["/trickle.xml", "/loop-a.xml"]
    )
    shipped = (ROOT / "config.yaml").read_text()
    feeds = "".join(f"  - url: {hostile.base_url}{p}\n" for p in paths)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\n"
        "http: {max_body_bytes: 1000000, deadline: 5s, timeout: 3s}\n"
        f"feeds:\n{feeds}" + shipped[shipped.index("\nbases:") :]
    )
    env = {**os.environ, "MONITOR_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    monitor = [sys.executable, "-m", "monitor", "--log-level", "warning"]
    subprocess.run([*monitor, "db", "upgrade"], env=env, check=True, capture_output=True)
    started = time.monotonic()
    returncode, stderr, peak_mb = _run_measured([*monitor, "run", "--once"], env=env)
    assert returncode == 0, stderr[-3000:]
    assert peak_mb < MEMORY_BOUND_MB, f"peak RSS {peak_mb:.0f} MB"
    assert time.monotonic() - started < 240
    requested = {path for path, _ in hostile.requests}
    assert "/secret" not in requested
    with sqlite3.connect(tmp_path / "m.db") as db:
        rows = dict(db.execute("SELECT url, last_error FROM feeds").fetchall())
        items = dict(db.execute("SELECT link, last_error FROM items").fetchall())
    assert len(rows) == len(paths)
    errors = {url.rsplit("/", 1)[-1]: error for url, error in rows.items()}
    for name in (
        "truncated.xml",
        "not-xml.xml",
        "huge.xml",
        "bomb.xml",
        "html-instead.xml",
        "trickle.xml",
        "loop-a.xml",
    ):
        assert errors[name], name
    assert "too slow" in errors["trickle.xml"]
    assert "redirects" in errors["loop-a.xml"]
    assert "larger than 1000000" in errors["huge.xml"]
    assert "larger than 1000000" in errors["bomb.xml"]
    internal = [*INTERNAL_LINKS, hostile.base_url.replace("localhost", "127.0.0.1") + "/secret"]
    for link in internal:
        # feedparser writes file:///etc/passwd as file://etc/passwd
        (error,) = [e for url, e in items.items() if url and url in (link, link[:7] + link[8:])]
        assert "refused" in (error or ""), link
