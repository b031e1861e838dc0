"""Configuration loading and validation (monitor/settings.py)."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.settings import (
    MAX_BASE_ID_CHARS,
    MAX_NAME_CHARS,
    load_settings,
    parse_duration,
    parse_settings,
    with_database,
)
from monitor.store import Store
from monitor.store import feeds as feed_store
from monitor.store.schema import EventRow, FeedRow, OutboxRow
from monitor.urls import MAX_URL_CHARS

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


HOOK = "alerts:\n  webhooks:\n    - url: {url}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("defaults:\n  interval: 1ms\n", "line 2: defaults.interval: a duration must be at least"),
        ("feeds:\n  - url: https://a.example/\n    interval: 0.5s\n", "line 3: feeds[0].interval"),
        ("alerts:\n  retry: {initial: 1ms}\n", "line 2: alerts.retry.initial"),
        ("alerts:\n  retry: {max: 100ms}\n", "line 2: alerts.retry.max"),
        ("alerts:\n  max_article_age: 0s\n", "line 2: alerts.max_article_age"),
        ("http:\n  timeout: 10ms\n", "line 2: http.timeout"),
        ("http:\n  deadline: 0.001\n", "line 2: http.deadline"),
        ("feeds:\n  - url: 'http://'\n", "line 2: feeds[0].url: the URL has no host"),
        ("feeds:\n  - url: 'https:///feed'\n", "line 2: feeds[0].url: the URL has no host"),
        ('feeds:\n  - url: "https://a.example/x\\ny"\n', "line 2: feeds[0].url: the URL has a "),
        ('feeds:\n  - url: "https://a.example/x y"\n', "line 2: feeds[0].url: the URL has a "),
        ('feeds:\n  - url: "https://a.example/\\t"\n', "line 2: feeds[0].url: the URL has a "),
        ('feeds:\n  - url: "https://a.example/\\u200b"\n', "line 2: feeds[0].url: the URL has a "),
        ("feeds:\n  - url: https://-/\n", "line 2: feeds[0].url: the URL has an invalid host"),
        ("feeds:\n  - url: https://a..example/\n", "feeds[0].url: the URL has an invalid host"),
        ("feeds:\n  - url: https://1.2.3.4.5/\n", "feeds[0].url: the URL has an invalid host"),
        ("feeds:\n  - url: https://a.example:99999/\n", "line 2: feeds[0].url: the URL is not"),
        ("feeds:\n  - url: https://a.example:0/\n", "line 2: feeds[0].url: the URL has port 0"),
        (HOOK.format(url="'https://'"), "line 3: alerts.webhooks[0].url: the URL has no host"),
        (HOOK.format(url="${HOOK_URL_NL}"), "line 3: alerts.webhooks[0].url: the URL has a "),
        ("database: garbage\n", "line 1: database: the URL is not a database URL"),
        ("database: 'mysql://h/db'\n", "line 1: database: the URL is not an SQLite or PostgreSQL"),
        ("database: 'postgresql+nodriver://h/db'\n", "database: the URL names an unknown driver"),
        ("database: 'postgresql://h:port/db'\n", "line 1: database: the URL is not a database"),
        ("database: 'postgresql://h:99999/db'\n", "line 1: database: the URL has a port out"),
        ("database: 'postgresql://-/db'\n", "line 1: database: the URL has an invalid host"),
        (
            "database: 'sqlite://host/m.db'\n",
            "line 1: database: the URL names a server, but SQLite",
        ),
        ('database: "sqlite:///m.db\\n"\n', "line 1: database: the URL has a space or control"),
        (BASE.replace("[Tower 22]", "['-']"), "line 7: bases[0].aliases[0]: '-' has no letter"),
        (BASE.replace("[Tower 22]", "['']"), "line 7: bases[0].aliases[0]: '' has no letter"),
        (BASE.replace("[Tower 22]", "['  ']"), "bases[0].aliases[0]: '  ' has no letter"),
        (BASE + "    weak_aliases: ['()']\n", "line 8: bases[0].weak_aliases[0]: '()' has no"),
        (BASE.replace("name: Tower 22", "name: '--'"), "line 4: bases[0].name: '--' has no"),
        (BASE.replace("name: Tower 22", 'name: "T\\n22"'), "line 4: bases[0].name: has a control"),
        (BASE + "    region: '?'\n", "line 8: bases[0].region: '?' has no letter or digit"),
        ("feeds:\n  - url: https://a.example/\n    name: '-'\n", "line 3: feeds[0].name: '-'"),
        (HOOK.format(url="https://h.example/") + "      name: ''\n", "webhooks[0].name: '' has"),
        ("metrics:\n  listen: '-:9464'\n", "line 2: metrics.listen"),
    ],
    ids=[
        "interval-1ms",
        "feed-interval-half-second",
        "retry-initial",
        "retry-max",
        "max-article-age-zero",
        "http-timeout",
        "http-deadline-number",
        "url-no-host",
        "url-empty-host",
        "url-newline",
        "url-space",
        "url-tab",
        "url-zero-width-space",
        "url-host-dash",
        "url-host-empty-label",
        "url-host-bad-ipv4",
        "url-port-range",
        "url-port-zero",
        "webhook-no-host",
        "webhook-newline-from-env",
        "database-garbage",
        "database-other-dialect",
        "database-unknown-driver",
        "database-port-text",
        "database-port-range",
        "database-host-dash",
        "database-sqlite-host",
        "database-newline",
        "alias-dash",
        "alias-empty",
        "alias-blank",
        "weak-alias-punctuation",
        "base-name-dashes",
        "base-name-newline",
        "region-punctuation",
        "feed-name-dash",
        "webhook-name-empty",
        "metrics-host-dash",
    ],
)
def test_hostile_values_name_key_and_line(text: str, message: str) -> None:
    """Every URL, duration and name of the file is checked: one line naming the key and line."""
    env = {"HOOK_URL_NL": "https://h.example/x\nInjected: 1"}
    with pytest.raises(ConfigError) as raised:
        parse_settings(text, env, path=Path("c.yaml"))
    assert str(raised.value).startswith("config: c.yaml line ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "line 1: a: nested more than 32 levels deep"),
        (
            "feeds:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)),
            "line 33: feeds: nested more than 32 levels deep",
        ),
    ],
    ids=["flow", "block"],
)
def test_deep_nesting_is_a_config_error(text: str, message: str) -> None:
    """YAML nested thousands deep is refused at its line, before PyYAML's composer recurses."""
    with pytest.raises(ConfigError, match=r"config: c\.yaml ") as raised:
        parse_settings(text, {}, path=Path("c.yaml"))
    assert message in str(raised.value)


def test_non_utf8_files_name_their_line(tmp_path: Path) -> None:
    """A config file (or a secret's _FILE) that is not UTF-8 is one error naming it."""
    config = tmp_path / "config.yaml"
    config.write_bytes(b"feeds: []\n\n# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"config\.yaml line 3: not UTF-8 text \(byte 17\)"):
        load_settings(config, {})
    secret = tmp_path / "db-url"
    secret.write_bytes(b"postgresql://u:p\xff@h/db\n")
    config.write_text("feeds: []\n")
    with pytest.raises(ConfigError, match=r"db-url line 1: not UTF-8 text"):
        load_settings(config, {"MONITOR_DATABASE_URL_FILE": str(secret)})


def test_database_url_from_environment_or_option_is_checked() -> None:
    """MONITOR_DATABASE_URL and --database are checked as the file's database is, and the
    error does not repeat the URL (it may hold a password)."""
    env = {"MONITOR_DATABASE_URL": "postgresql://u:Zq@Xw@h/db"}
    with pytest.raises(ConfigError, match="MONITOR_DATABASE_URL: the URL has an invalid host") as e:
        parse_settings("", env)
    assert "Zq" not in str(e.value)
    with pytest.raises(ConfigError, match="--database: the URL is not a database URL") as e:
        with_database(parse_settings("", {}), "postgresql://u:secret-pw@h:port/db")
    assert "secret-pw" not in str(e.value)


SECRETS = ["p/ss", "p@ss", "p?ss", "p#ss", "p:ss", "p%2Fss", "a/b@c?d#e:f", "p&q=r", "p]ss"]


@pytest.mark.parametrize("secret", SECRETS, ids=SECRETS)
@pytest.mark.parametrize(
    ("key", "template"),
    [
        ("MONITOR_DATABASE_URL", "postgresql+psycopg://monitor:Zq{s}Xw@db.example/m"),
        ("MONITOR_DATABASE_URL", "postgresql+psycopg://monitor@db.example/m?password=Zq{s}Xw"),
        ("HOOK_URL", "https://Zq{s}Xw@hooks.example/services/x"),
        ("HOOK_URL", "https://user:Zq{s}Xw@hooks.example/services/x"),
        ("HOOK_URL", "https://hooks.example/services/x?token=Zq{s}Xw"),
        ("HOOK_URL", "https://hooks.example/services/Zq{s}Xw"),
    ],
    ids=["db-password", "db-query", "hook-token", "hook-password", "hook-query", "hook-path"],
)
def test_secrets_in_urls_never_show(key: str, template: str, secret: str) -> None:
    """A secret in a database or webhook URL (password, lone userinfo token, query value or
    path), whatever characters it holds, shows in neither config show nor a config error."""
    env = {key: template.format(s=secret)}
    text = "alerts:\n  webhooks:\n    - url: ${HOOK_URL}\n" if key == "HOOK_URL" else ""
    try:
        shown = str(parse_settings(text, env).redacted())
    except ConfigError as exc:
        shown = str(exc)
    assert "Zq" not in shown
    assert "Xw" not in shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://feeds.example/rss?key=Zq&format=xml",
            "https://feeds.example/rss?key=********&format=********",
        ),
        ("https://user:Zq@feeds.example/rss", "https://user:********@feeds.example/rss"),
        ("https://feeds.example/rss#Zq", "https://feeds.example/rss#********"),
        ("https://feeds.example/rss", "https://feeds.example/rss"),
        ("https://medium.com/feed/@Zq", "https://********"),
    ],
    ids=["query", "password", "fragment", "plain", "at-in-path"],
)
def test_feed_urls_show_without_secrets(url: str, shown: str) -> None:
    """A feed URL (and the name it defaults to) shows its query values, password and fragment
    masked; one with an "@" after its host is masked whole, since that "@" may end a password."""
    (feed,) = parse_settings(f"feeds:\n  - url: '{url}'\n", {}).redacted()["feeds"]
    assert feed["url"] == shown
    assert feed["name"] == shown


LONG_URL = "https://news.example/rss/search?q=" + "x" * 400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "http:\n  max_body_bytes: 100000000000000000000\n",
            "line 2: http.max_body_bytes: at most",
        ),
        ("http:\n  page_workers: 100000000000000000000\n", "line 2: http.page_workers: at most"),
        ("http:\n  per_host_concurrency: 100000\n", "line 2: http.per_host_concurrency: at most"),
        ("alerts:\n  retry: {attempts: 10000000000000}\n", "line 2: alerts.retry.attempts: at"),
        (f"feeds:\n  - url: https://a.example/\n    name: {'n' * 201}\n", "feeds[0].name: longer"),
        (BASE.replace("name: Tower 22", f"name: {'T' * 201}"), "line 4: bases[0].name: longer"),
        (BASE.replace("id: tower-22", f"id: {'t' * 101}"), "line 3: bases[0].id: 'tttt"),
        (f"feeds:\n  - url: {LONG_URL + 'x' * 2000}\n", "feeds[0].url: the URL is longer than"),
        ("~: 1\n", "line 1: None: unknown key"),
        ("2024-01-01: 1\n", "line 1: 2024-01-01: unknown key"),
    ],
    ids=[
        "body-cap-huge",
        "page-workers-huge",
        "per-host-huge",
        "attempts-huge",
        "feed-name-long",
        "base-name-long",
        "base-id-long",
        "feed-url-long",
        "null-key",
        "date-key",
    ],
)
def test_values_beyond_what_the_store_or_a_count_holds(text: str, message: str) -> None:
    """A name or URL longer than its column, a count past any use, a key that is no text: one
    line naming the key and line (PostgreSQL would refuse the value at start; a huge count
    overflows an SQL LIMIT), never a traceback."""
    with pytest.raises(ConfigError) as raised:
        parse_settings(text, {}, path=Path("c.yaml"))
    assert str(raised.value).startswith("config: c.yaml line ")
    assert message in str(raised.value)


def test_name_limits_fit_their_columns() -> None:
    """Every name the configuration lets through fits the column the store keeps it in."""
    columns = {
        "feed name": FeedRow.__table__.c.name,
        "base name": EventRow.__table__.c.base_name,
        "webhook name": OutboxRow.__table__.c.webhook,
        "feed url": FeedRow.__table__.c.url,
    }
    assert all(c.type.length >= MAX_NAME_CHARS for c in columns.values())
    assert FeedRow.__table__.c.url.type.length >= MAX_URL_CHARS
    assert EventRow.__table__.c.base_id.type.length >= MAX_BASE_ID_CHARS


def test_an_unnamed_feed_with_a_long_url_is_stored(store: Store, now: datetime) -> None:
    """A feed without a name is named by its URL, shortened to fit the name column: a long
    search URL must not stop the daemon at start on PostgreSQL."""
    settings = parse_settings(f"feeds:\n  - url: {LONG_URL}\n", {}, path=Path("c.yaml"))
    (feed,) = settings.feeds
    assert len(feed.name) == MAX_NAME_CHARS
    assert LONG_URL.startswith(feed.name[:-1])
    with store.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [(feed.url, feed.name, feed.interval_s)], now=now)
    assert state.url == LONG_URL
