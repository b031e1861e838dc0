"""The systemd unit in deploy/ and its optional drop-in: hardened (exposure 1.1 alone, 1.0 with
the drop-in), accepted by systemd-analyze, and the drop-in lets through public addresses only."""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "monitor.service"
DROP_IN = ROOT / "deploy" / "monitor.service.d" / "deny-private.conf"
ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def _install(tmp_path: Path, *, drop_in: bool) -> Path:
    """The unit in a directory of its own (systemd-analyze reads the drop-ins beside a unit),
    its ExecStart pointed at this install."""
    monitor = Path(sys.executable).parent / "monitor"
    unit = tmp_path / "monitor.service"
    unit.write_text(UNIT.read_text().replace("/opt/monitor/.venv/bin/monitor", str(monitor)))
    if drop_in:
        (tmp_path / "monitor.service.d").mkdir()
        shutil.copy(DROP_IN, tmp_path / "monitor.service.d" / DROP_IN.name)
    return unit


@needs_systemd
@pytest.mark.parametrize(("drop_in", "most"), [(False, 1.1), (True, 1.0)], ids=["unit", "drop-in"])
def test_unit_exposure_is_low(tmp_path: Path, drop_in: bool, most: float) -> None:
    """`systemd-analyze security --offline=true` rates the unit's exposure 1.1 or lower, and
    1.0 with the drop-in: what is left is the network, AF_UNIX for sd_notify, and the RTC
    that ProtectClock= itself allows."""
    assert ANALYZE is not None
    unit = _install(tmp_path, drop_in=drop_in)
    out = subprocess.run(
        [ANALYZE, "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    match = re.search(r"Overall exposure level for monitor\.service: ([\d.]+)", out)
    assert match is not None, out[-500:]
    assert float(match.group(1)) <= most


@needs_systemd
@pytest.mark.parametrize("drop_in", [False, True], ids=["unit", "drop-in"])
def test_unit_verifies(tmp_path: Path, drop_in: bool) -> None:
    """`systemd-analyze verify` accepts the unit and the drop-in without a word."""
    assert ANALYZE is not None
    unit = _install(tmp_path, drop_in=drop_in)
    result = subprocess.run(
        [ANALYZE, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# What the drop-in must keep the daemon from reaching: the IPv4 ranges that are not the public
# internet (this host, private networks, link-local and cloud metadata, carrier-grade NAT,
# IETF protocol assignments, benchmarking, multicast and reserved); in IPv6, everything
# outside global unicast 2000::/3 (ULA, link-local, loopback, IPv4-mapped, NAT64...).
NOT_PUBLIC_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/3",
]


def _allowed() -> tuple[list[str], list[ipaddress.IPv4Network], list[ipaddress.IPv6Network]]:
    """The drop-in's IPAddressAllow= words: names (localhost), IPv4 and IPv6 prefixes."""
    words = [
        word
        for line in DROP_IN.read_text().splitlines()
        if line.startswith("IPAddressAllow=")
        for word in line.removeprefix("IPAddressAllow=").split()
    ]
    names = [w for w in words if not w[0].isdigit()]
    prefixes = [ipaddress.ip_network(w) for w in words if w[0].isdigit()]
    v4 = [p for p in prefixes if isinstance(p, ipaddress.IPv4Network)]
    v6 = [p for p in prefixes if isinstance(p, ipaddress.IPv6Network)]
    return names, v4, v6


def test_drop_in_allows_public_addresses_only() -> None:
    """The drop-in denies everything, then allows loopback and exactly the public addresses:
    every IPv4 address outside NOT_PUBLIC_V4, and IPv6 global unicast."""
    text = DROP_IN.read_text()
    assert "\nIPAddressDeny=any\n" in text
    names, v4, v6 = _allowed()
    assert names == ["localhost"]
    assert v6 == [ipaddress.IPv6Network("2000::/3")]
    everything: list[ipaddress.IPv4Network] = [*v4, *map(ipaddress.IPv4Network, NOT_PUBLIC_V4)]
    assert list(ipaddress.collapse_addresses(everything)) == [ipaddress.IPv4Network("0.0.0.0/0")]
    assert sum(n.num_addresses for n in everything) == 2**32  # and no overlap
    for address in ("169.254.169.254", "10.1.2.3", "172.31.0.1", "192.168.1.1", "100.64.0.1"):
        assert not any(ipaddress.IPv4Address(address) in n for n in v4), address
    for address in ("fd00::1", "fe80::1", "::ffff:10.0.0.1", "64:ff9b::a00:1"):
        assert not any(ipaddress.IPv6Address(address) in n for n in v6), address
    assert any(ipaddress.IPv4Address("93.184.216.34") in n for n in v4)


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
        "PrivateMounts=yes",
        "PrivateUsers=yes",
    ):
        assert line in text, line
