"""The systemd unit in deploy/: hardened (exposure <= 2.0) and accepted by systemd-analyze."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "monitor.service"
ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


@needs_systemd
def test_unit_exposure_is_low() -> None:
    """`systemd-analyze security --offline=true` rates the unit's exposure 2.0 or lower."""
    assert ANALYZE is not None
    out = subprocess.run(
        [ANALYZE, "security", "--offline=true", str(UNIT)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    match = re.search(r"Overall exposure level for monitor\.service: ([\d.]+)", out)
    assert match is not None, out[-500:]
    assert float(match.group(1)) <= 2.0


@needs_systemd
def test_unit_verifies(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit (its ExecStart pointed at this install)."""
    assert ANALYZE is not None
    monitor = Path(sys.executable).parent / "monitor"
    unit = tmp_path / "monitor.service"
    unit.write_text(UNIT.read_text().replace("/opt/monitor/.venv/bin/monitor", str(monitor)))
    result = subprocess.run(
        [ANALYZE, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_unit_has_what_the_daemon_needs() -> None:
    """The unit is Type=notify with a watchdog, restarts, and keeps secrets in a file."""
    text = UNIT.read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "DynamicUser=yes",
        "StateDirectory=monitor",
        "EnvironmentFile=",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
    ):
        assert line in text, line
