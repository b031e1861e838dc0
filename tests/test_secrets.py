"""Secrets never show: not in logs, errors, `monitor config show` or alerts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEEDS
from tests.loopback import Site, serve

HOOK_SECRET = "whsec_c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3OA=="
HOOK_TOKEN = "T0000-B0000-XXXXsecrettokenXXXX"
DB_PASSWORD = "db-pass-9f8e7d"


def test_secrets_stay_out_of_logs_errors_and_output(tmp_path: Path) -> None:
    """A replay that sends alerts to a failing webhook, and config show, never print a secret."""
    with serve(Site()) as site:
        site.refuse_posts_until = float("inf")  # every delivery fails and is logged
        secret_file = tmp_path / "secret"
        secret_file.write_text(HOOK_SECRET + "\n")
        shipped = (ROOT / "config.yaml").read_text()
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database: sqlite:///{tmp_path / 'm.db'}\n"
            "alerts:\n  webhooks:\n"
            f"    - name: ops\n      url: {site.base_url}/hooks/${{HOOK_TOKEN}}\n"
            "      secret: ${HOOK_SECRET}\n" + shipped[shipped.index("\nbases:") :]
        )
        env = {
            **os.environ,
            "MONITOR_CONFIG": str(config),
            "PYTHONPATH": str(ROOT),
            "HOOK_TOKEN": HOOK_TOKEN,
            "HOOK_SECRET_FILE": str(secret_file),
        }
        monitor = [sys.executable, "-m", "monitor", "--log-level", "debug"]
        replay = subprocess.run(
            [*monitor, "replay", "--send-alerts", "--retry-for", "0", str(SEEDS)],
            env=env,
            capture_output=True,
            timeout=120,
        )
        shown = subprocess.run(
            [*monitor, "config", "show"],
            env={**env, "MONITOR_DATABASE_URL": f"postgresql+psycopg://monitor:{DB_PASSWORD}@db/m"},
            capture_output=True,
            timeout=60,
        )
        broken = subprocess.run(
            [*monitor, "events"],
            env={
                **env,
                "MONITOR_DATABASE_URL": f"postgresql+psycopg://monitor:{DB_PASSWORD}@127.0.0.1:1/m",
            },
            capture_output=True,
            timeout=60,
        )
    assert replay.returncode == 0, replay.stderr.decode()[-2000:]
    assert "`monitor run` delivers them" in replay.stdout.decode()
    assert site.posts, "the webhook was called"
    assert all(HOOK_TOKEN in post.path for post in site.posts)
    everything = b"".join(
        [replay.stdout, replay.stderr, shown.stdout, shown.stderr, broken.stdout, broken.stderr]
    ).decode()
    for secret in (HOOK_SECRET, HOOK_TOKEN, DB_PASSWORD, HOOK_SECRET.removeprefix("whsec_")):
        assert secret not in everything
    assert json.loads(shown.stdout)["alerts"]["webhooks"][0]["secret"] == "********"
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr.decode()
    for post in site.posts:
        assert HOOK_SECRET.encode() not in post.body
