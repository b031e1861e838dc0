"""Configuration loading and validation (monitor/settings.py)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.settings import load_settings, parse_duration, parse_settings

BASE = """
bases:
  - id: tower-22
    name: Tower 22
    country: JO
    location: [33.3, 38.7]
    aliases: [Tower 22]
"""


def test_shipped_config_is_valid(settings) -> None:  # type: ignore[no-untyped-def]
    """The shipped config.yaml loads, tracks every canonical base and polls real feeds."""
    ids = {b.id for b in settings.bases}
    assert {"ain-al-asad", "harir", "erbil-air-base", "tower-22", "al-tanf", "conoco"} <= ids
    assert len(ids) >= 20
    assert all(f.url.startswith("https://") for f in settings.feeds)
    assert settings.database_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("2d", 172800.0), ("1.5m", 90.0)],
    ids=["int", "seconds", "minutes", "hours", "days", "fraction"],
)
def test_parse_duration(value: object, seconds: float) -> None:
    """Durations accept plain seconds and s/m/h/d suffixes."""
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds:\n  - name: x\n    url: ftp://x\n", "line 3: feeds[0].url"),
        ("feeds:\n  - url: https://a.example/\n    interval: soon\n", "line 3: feeds[0].interval"),
        ("bases:\n  - id: Bad Id\n    name: x\n", "line 2: bases[0].id"),
        (BASE + "    colour: red\n", "bases[0].colour: unknown key"),
        (BASE.replace("[33.3, 38.7]", "[133.3, 38.7]"), "line 6: bases[0].location"),
        ("alerts:\n  webhooks:\n    - url: ${NOPE_UNSET}\n", "environment variable NOPE_UNSET"),
        ("alerts:\n  webhooks:\n    - url: https://h.example/\n      format: fax\n", "format"),
        ("feeds: [\n", "invalid YAML"),
        ("databse: x\n", "line 1: databse: unknown key"),
    ],
    ids=[
        "feed-scheme",
        "interval",
        "base-id",
        "unknown-key",
        "latitude",
        "missing-env",
        "format",
        "yaml-syntax",
        "typo",
    ],
)
def test_invalid_config_names_key_and_line(text: str, message: str) -> None:
    """Each validation error names the offending key (and its line where there is one)."""
    with pytest.raises(ConfigError, match="config: ") as raised:
        parse_settings(text, {}, path=Path("c.yaml"))
    assert message in str(raised.value)


def test_environment_overrides_database_and_fills_secrets(tmp_path: Path) -> None:
    """MONITOR_DATABASE_URL wins over the file; ${NAME} and NAME_FILE fill webhook values."""
    secret_file = tmp_path / "secret"
    secret_file.write_text("whsec_czNjcmV0LWZyb20tZmlsZS0yNC1ieXRlcw==\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: sqlite:///local.db\n"
        "alerts:\n  webhooks:\n    - url: ${HOOK_URL}\n      secret: ${HOOK_SECRET}\n"
    )
    env = {
        "MONITOR_DATABASE_URL": "postgresql+psycopg://u:pw@db/m",
        "HOOK_URL": "https://hooks.example/x",
        "HOOK_SECRET_FILE": str(secret_file),
    }
    settings = load_settings(config, env)
    assert settings.database_url == "postgresql+psycopg://u:pw@db/m"
    (hook,) = settings.alerts.webhooks
    assert (hook.url, hook.secret) == (
        "https://hooks.example/x",
        "whsec_czNjcmV0LWZyb20tZmlsZS0yNC1ieXRlcw==",
    )
    shown = str(settings.redacted())
    assert "pw" not in shown
    assert "czNjcmV0" not in shown
    assert "czNjcmV0" not in repr(settings)


def test_relative_sqlite_path_is_relative_to_config(tmp_path: Path) -> None:
    """A relative SQLite path in the file resolves beside the config file, not the cwd."""
    config = tmp_path / "config.yaml"
    config.write_text("database: sqlite:///var/m.db\n")
    assert load_settings(config, {}).database_url == f"sqlite:///{tmp_path / 'var' / 'm.db'}"


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A missing config file is reported with its path."""
    with pytest.raises(ConfigError, match=r"cannot read .*nope\.yaml"):
        load_settings(tmp_path / "nope.yaml", {})


def test_config_path_defaults_to_environment(tmp_path: Path) -> None:
    """Without a path, MONITOR_CONFIG names the file."""
    config = tmp_path / "elsewhere.yaml"
    config.write_text(BASE)
    settings = load_settings(None, {"MONITOR_CONFIG": str(config)})
    assert [b.id for b in settings.bases] == ["tower-22"]


def test_malformed_whsec_secret_is_a_config_error() -> None:
    """A whsec_ secret that is not base64 is refused when the config loads, naming the key."""
    text = "alerts:\n  webhooks:\n    - url: https://h.example/x\n      secret: whsec_abc\n"
    with pytest.raises(ConfigError, match=r"alerts\.webhooks\[0\]\.secret: a whsec_ secret"):
        parse_settings(text, {}, path=Path("c.yaml"))


def test_item_retention_defaults_to_a_week_and_is_validated() -> None:
    """``item_retention`` is a duration (7 days unless set); a bad one names the key."""
    assert parse_settings("", {}).item_retention_s == 7 * 86400.0
    assert parse_settings("item_retention: 2d\n", {}).item_retention_s == 172800.0
    with pytest.raises(ConfigError, match="line 1: item_retention"):
        parse_settings("item_retention: soon\n", {}, path=Path("c.yaml"))


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("plain-text-secret-of-decent-length", "must be a Standard Webhooks secret"),
        ("whsec_", "holds 0"),
        ("whsec_QQ==", "holds 1"),
        ("whsec_" + "QUFB" * 7, "holds 21"),
        ("whsec_" + "QUFB" * 22, "holds 66"),
        ("whsec_not base64!", "must be base64"),
    ],
    ids=["plain", "empty-key", "one-byte", "21-bytes", "66-bytes", "not-base64"],
)
def test_webhook_secret_outside_the_standard_is_refused(secret: str, message: str) -> None:
    """A secret that is not whsec_ + base64 of 24 to 64 bytes stops the load with one line
    naming the key, and the line never quotes the secret."""
    text = "alerts:\n  webhooks:\n    - url: https://h.example/x\n      secret: ${S}\n"
    with pytest.raises(ConfigError, match=r"alerts\.webhooks\[0\]\.secret: ") as raised:
        parse_settings(text, {"S": secret}, path=Path("c.yaml"))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    if len(secret) > len("whsec_"):
        assert secret.removeprefix("whsec_") not in str(raised.value)


@pytest.mark.parametrize("size", [24, 64], ids=["24-bytes", "64-bytes"])
def test_webhook_secret_within_the_standard_is_taken(size: int) -> None:
    """Keys of 24 and 64 bytes, padded or not, are accepted."""
    key = base64.b64encode(bytes(range(size))).decode().rstrip("=")
    text = "alerts:\n  webhooks:\n    - url: https://h.example/x\n      secret: ${S}\n"
    (hook,) = parse_settings(text, {"S": "whsec_" + key}, path=Path("c.yaml")).alerts.webhooks
    assert hook.secret == "whsec_" + key
