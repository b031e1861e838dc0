"""Configuration: ``load_settings(path, environ) -> Settings``.

The order is file, then environment, then validation, as in miniflux. The result is frozen and
passed in explicitly; there is no module-level settings object. Every validation error names the
key and the line of ``config.yaml`` it comes from.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError
from monitor.records import Base
from monitor.urls import (
    MASK,
    database_url_problem,
    http_url_problem,
    is_host,
    mask_database_url,
    mask_url,
    mask_webhook_url,
)

DEFAULT_INTERVAL_S = 300.0
DEFAULT_ITEM_RETENTION_S = 7 * 86400.0  # a read entry its feed dropped is remembered this long
WEBHOOK_FORMATS = ("json", "slack", "discord", "teams")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BASE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MAX_DURATION_S = 10 * 365 * 86400.0
_WEBHOOK_KEY_BYTES = (24, 64)  # the key sizes Standard Webhooks allows
# Every duration: a poll or retry more often than once a second is a hot loop against a
# publisher or a webhook, and no fetch finishes sooner.
_MIN_DURATION_S = 1.0
# Deeper YAML is no configuration, and would exhaust the recursion of PyYAML's composer.
_MAX_DEPTH = 32
# The store keeps feed, webhook and base names in columns of 200 to 300 characters, and a base's
# id in one of 100 (PostgreSQL refuses a longer value; tests/test_settings.py checks the fit).
MAX_NAME_CHARS = 200
MAX_BASE_ID_CHARS = 100
# Counts beyond any use, which would overflow an SQL LIMIT or make the body cap no cap.
_MAX_COUNT = {"max_body_bytes": 1 << 30, "attempts": 1000}
_MAX_WORKERS = 256  # page_workers, per_host_concurrency


@dataclass(frozen=True, slots=True)
class FeedConfig:
    name: str
    url: str
    interval_s: float


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    name: str
    url: str
    format: str
    secret: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """The outbox's backoff: ``initial_s`` doubling per failure up to ``max_s``."""

    initial_s: float = 30.0
    max_s: float = 4 * 3600.0
    max_attempts: int = 12


@dataclass(frozen=True, slots=True)
class AlertSettings:
    webhooks: tuple[WebhookConfig, ...]
    max_article_age_s: float | None
    retry: RetrySettings = RetrySettings()


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How feeds and pages are fetched."""

    timeout_s: float = 15.0
    deadline_s: float = 60.0  # a whole fetch, however slowly the server sends
    max_body_bytes: int = 10 * 1024 * 1024
    per_host_concurrency: int = 2
    # Article links that resolve to private, loopback or link-local addresses are refused
    # unless they are on the host of the feed that listed them, or this is true.
    allow_private_addresses: bool = False
    page_workers: int = 4


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path | None
    database_url: str = field(repr=False)
    default_interval_s: float
    feeds: tuple[FeedConfig, ...]
    bases: tuple[Base, ...]
    alerts: AlertSettings
    http: HttpSettings = HttpSettings()
    metrics_listen: tuple[str, int] | None = None  # where /metrics is served; None: nowhere
    item_retention_s: float = DEFAULT_ITEM_RETENTION_S

    def redacted(self) -> dict[str, Any]:
        """A plain view of the settings for display, with every secret masked."""
        return {
            "database": mask_database_url(self.database_url),
            "default_interval": f"{self.default_interval_s:g}s",
            "feeds": [
                {
                    "name": mask_url(f.name) if f.name == f.url else f.name,
                    "url": mask_url(f.url),
                    "interval": f"{f.interval_s:g}s",
                }
                for f in self.feeds
            ],
            "bases": [b.id for b in self.bases],
            "item_retention": f"{self.item_retention_s:g}s",
            "metrics": (
                None
                if self.metrics_listen is None
                else f"{self.metrics_listen[0]}:{self.metrics_listen[1]}"
            ),
            "alerts": {
                "max_article_age": (
                    None
                    if self.alerts.max_article_age_s is None
                    else f"{self.alerts.max_article_age_s:g}s"
                ),
                "webhooks": [
                    {
                        "name": w.name,
                        "url": mask_webhook_url(w.url),
                        "format": w.format,
                        "secret": MASK if w.secret else None,
                    }
                    for w in self.alerts.webhooks
                ],
            },
        }


def webhook_key(secret: str) -> bytes:
    """The HMAC key of a webhook secret; ValueError (never quoting the secret) if it is not one.

    Only Standard Webhooks secrets are taken: ``whsec_`` + base64 of 24 to 64 bytes, as the
    standard asks. A receiver checks them with ``standardwebhooks.Webhook(secret)``, which reads
    any secret as base64: a plain text secret would be decoded there into another key.
    """
    if not secret.startswith("whsec_"):
        raise ValueError(
            "must be a Standard Webhooks secret: whsec_ + base64 of 24 to 64 random bytes "
            '(make one with: python -c "import base64,os; '
            "print('whsec_' + base64.b64encode(os.urandom(32)).decode())\")"
        )
    encoded = secret.removeprefix("whsec_").rstrip("=")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("a whsec_ secret must be base64 after the prefix") from None
    if not _WEBHOOK_KEY_BYTES[0] <= len(key) <= _WEBHOOK_KEY_BYTES[1]:
        raise ValueError(
            f"a whsec_ secret must hold 24 to 64 bytes of key (this one holds {len(key)})"
        )
    return key


def parse_duration(value: object) -> float:
    """``90`` / ``"90s"`` / ``"5m"`` / ``"1h"`` / ``"2d"`` -> seconds; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 5m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise ValueError(f"{value!r} is not a duration (use e.g. 90s, 5m, 1h, 2d)")
        seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if not math.isfinite(seconds) or not _MIN_DURATION_S <= seconds <= _MAX_DURATION_S:
        raise ValueError(f"a duration must be at least 1s and at most 10 years, got {value!r}")
    return seconds


def load_settings(path: Path | str | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, override from the environment, validate and freeze the configuration."""
    env = dict(os.environ if environ is None else environ)
    if path is None:
        path = env.get("MONITOR_CONFIG") or "config.yaml"
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config: cannot read {path}: {exc.strerror or exc}") from exc
    return parse_settings(_utf8(data, str(path)), env, path=path)


def _utf8(data: bytes, name: str) -> str:
    """The text of a file; ConfigError naming the line of its first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"config: {name} line {line}: not UTF-8 text (byte {exc.start + 1})"
        ) from None


def parse_settings(
    source: str, environ: Mapping[str, str], *, path: Path | None = None
) -> Settings:
    """Validate configuration text; ``path`` names it in errors and anchors relative paths."""
    name = str(path) if path else "<config>"
    try:
        _check_depth(source, name)
        raw = yaml.safe_load(source)
        root = yaml.compose(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"config: {name}{line}: invalid YAML: {problem}") from exc
    reader = _Reader(name, root, environ)
    if raw is None:
        raw = {}
    mapping = reader.mapping(raw, ())
    reader.reject_unknown(
        mapping,
        (),
        {"database", "defaults", "feeds", "bases", "alerts", "http", "metrics", "item_retention"},
    )

    database_url = _database_url(reader, mapping, environ, path)
    defaults = reader.mapping(mapping.get("defaults") or {}, ("defaults",))
    reader.reject_unknown(defaults, ("defaults",), {"interval"})
    default_interval_s = (
        reader.duration(defaults, ("defaults", "interval"))
        if "interval" in defaults
        else DEFAULT_INTERVAL_S
    )
    feeds = tuple(
        _feed(reader, item, ("feeds", i), default_interval_s)
        for i, item in enumerate(reader.sequence(mapping.get("feeds") or [], ("feeds",)))
    )
    reader.unique([f.url for f in feeds], ("feeds",), "url")
    bases = tuple(
        _base(reader, item, ("bases", i))
        for i, item in enumerate(reader.sequence(mapping.get("bases") or [], ("bases",)))
    )
    reader.unique([b.id for b in bases], ("bases",), "id")
    return Settings(
        path=path,
        database_url=database_url,
        default_interval_s=default_interval_s,
        feeds=feeds,
        bases=bases,
        alerts=_alerts(reader, mapping.get("alerts") or {}),
        http=_http(reader, mapping.get("http") or {}),
        metrics_listen=_metrics(reader, mapping.get("metrics") or {}),
        item_retention_s=(
            reader.duration(mapping, ("item_retention",))
            if "item_retention" in mapping
            else DEFAULT_ITEM_RETENTION_S
        ),
    )


def _check_depth(source: str, name: str) -> None:
    """ConfigError naming the top-level key and the line where the YAML nests deeper than
    ``_MAX_DEPTH``, found from the parser's events (which, unlike composing, do not recurse)."""
    depth, key, in_mapping, at_key = 0, "", False, True
    for event in yaml.parse(source, Loader=yaml.SafeLoader):
        if depth == 1 and in_mapping and isinstance(event, yaml.NodeEvent):
            key = event.value if at_key and isinstance(event, yaml.ScalarEvent) else key
            at_key = not at_key
        if isinstance(event, yaml.CollectionStartEvent):
            in_mapping = in_mapping if depth else isinstance(event, yaml.MappingStartEvent)
            depth += 1
            if depth > _MAX_DEPTH:
                line = f" line {event.start_mark.line + 1}" if event.start_mark else ""
                raise ConfigError(
                    f"config: {name}{line}: {key or '(top level)'}: "
                    f"nested more than {_MAX_DEPTH} levels deep"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def with_database(settings: Settings, url: str) -> Settings:
    """The same settings pointed at another database (``--database``), checked as the file's."""
    if problem := database_url_problem(url):
        raise ConfigError(f"config: --database: the URL {problem}")
    return replace(settings, database_url=url)


def _database_url(
    reader: _Reader, mapping: Mapping[str, Any], environ: Mapping[str, str], path: Path | None
) -> str:
    url = environ.get("MONITOR_DATABASE_URL") or _read_secret_file(environ, "MONITOR_DATABASE_URL")
    if url:
        if problem := database_url_problem(url):
            raise ConfigError(f"config: MONITOR_DATABASE_URL: the URL {problem}")
    else:
        url = reader.string(mapping, ("database",), default="sqlite:///monitor.db")
        if problem := database_url_problem(url):
            raise reader.error(("database",), f"the URL {problem}")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and path is not None:
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            url = f"sqlite:///{(path.parent / relative).resolve()}"
    return url


def _read_secret_file(environ: Mapping[str, str], name: str) -> str | None:
    file_name = environ.get(f"{name}_FILE")
    if not file_name:
        return None
    try:
        return _utf8(Path(file_name).read_bytes(), file_name).strip()
    except OSError as exc:
        raise ConfigError(f"config: {name}_FILE: cannot read {file_name}: {exc.strerror}") from exc


def _feed(reader: _Reader, raw: object, where: tuple[str | int, ...], default: float) -> FeedConfig:
    item = reader.mapping(raw, where)
    reader.reject_unknown(item, where, {"name", "url", "interval"})
    url = reader.http_url(reader.string(item, (*where, "url")), (*where, "url"))
    interval = reader.duration(item, (*where, "interval")) if "interval" in item else default
    return FeedConfig(
        name=reader.name(item, (*where, "name"), default=_clipped(url, MAX_NAME_CHARS)),
        url=url,
        interval_s=interval,
    )


def _base(reader: _Reader, raw: object, where: tuple[str | int, ...]) -> Base:
    item = reader.mapping(raw, where)
    reader.reject_unknown(
        item, where, {"id", "name", "country", "location", "aliases", "weak_aliases", "region"}
    )
    base_id = reader.string(item, (*where, "id"))
    if not _BASE_ID.match(base_id) or len(base_id) > MAX_BASE_ID_CHARS:
        raise reader.error(
            (*where, "id"),
            f"{base_id[:40]!r}: use at most {MAX_BASE_ID_CHARS} lowercase letters, digits and -",
        )
    country = reader.string(item, (*where, "country"))
    if not re.match(r"^[A-Z]{2}$", country):
        raise reader.error((*where, "country"), f"{country!r} is not an ISO 3166 alpha-2 code")
    location = item.get("location")
    if (
        not isinstance(location, list)
        or len(location) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in location)
        or not (-90 <= location[0] <= 90 and -180 <= location[1] <= 180)
    ):
        raise reader.error((*where, "location"), "expected [latitude, longitude] in degrees")
    return Base(
        id=base_id,
        name=reader.name(item, (*where, "name")),
        country=country,
        location=(float(location[0]), float(location[1])),
        aliases=reader.strings(item, (*where, "aliases")),
        weak_aliases=reader.strings(item, (*where, "weak_aliases"), required=False),
        region=reader.name(item, (*where, "region"), default="") or None,
    )


def _alerts(reader: _Reader, raw: object) -> AlertSettings:
    where: tuple[str | int, ...] = ("alerts",)
    item = reader.mapping(raw, where)
    reader.reject_unknown(item, where, {"webhooks", "max_article_age", "retry"})
    max_age = item.get("max_article_age")
    webhooks = []
    for i, hook in enumerate(reader.sequence(item.get("webhooks") or [], (*where, "webhooks"))):
        at = (*where, "webhooks", i)
        hook_map = reader.mapping(hook, at)
        reader.reject_unknown(hook_map, at, {"name", "url", "format", "secret"})
        url = reader.http_url(
            reader.expand(reader.string(hook_map, (*at, "url")), (*at, "url")), (*at, "url")
        )
        fmt = reader.string(hook_map, (*at, "format"), default="json")
        if fmt not in WEBHOOK_FORMATS:
            raise reader.error((*at, "format"), f"{fmt!r}: use one of {', '.join(WEBHOOK_FORMATS)}")
        secret = hook_map.get("secret")
        if secret is not None:
            secret = reader.expand(reader.string(hook_map, (*at, "secret")), (*at, "secret"))
            try:
                webhook_key(secret)
            except ValueError as exc:
                raise reader.error((*at, "secret"), str(exc)) from None
        webhooks.append(
            WebhookConfig(
                name=reader.name(hook_map, (*at, "name"), default=f"webhook-{i + 1}"),
                url=url,
                format=fmt,
                secret=secret or None,
            )
        )
    reader.unique([w.name for w in webhooks], (*where, "webhooks"), "name")
    retry_at = (*where, "retry")
    retry = reader.mapping(item.get("retry") or {}, retry_at)
    reader.reject_unknown(retry, retry_at, {"initial", "max", "attempts"})
    defaults = RetrySettings()
    return AlertSettings(
        webhooks=tuple(webhooks),
        max_article_age_s=(
            None if max_age is None else reader.duration(item, (*where, "max_article_age"))
        ),
        retry=RetrySettings(
            initial_s=reader.duration(retry, (*retry_at, "initial"))
            if "initial" in retry
            else defaults.initial_s,
            max_s=reader.duration(retry, (*retry_at, "max")) if "max" in retry else defaults.max_s,
            max_attempts=reader.integer(retry, (*retry_at, "attempts"), defaults.max_attempts),
        ),
    )


def _metrics(reader: _Reader, raw: object) -> tuple[str, int] | None:
    where: tuple[str | int, ...] = ("metrics",)
    item = reader.mapping(raw, where)
    reader.reject_unknown(item, where, {"listen"})
    listen = item.get("listen")
    if listen is None:
        return None
    match = re.match(r"^\[?([0-9a-zA-Z.:-]+?)\]?:(\d{1,5})$", str(listen))
    if match is None or not 0 < int(match.group(2)) < 65536 or not is_host(match.group(1)):
        raise reader.error((*where, "listen"), f"{listen!r}: use host:port, e.g. 127.0.0.1:9464")
    return match.group(1), int(match.group(2))


def _http(reader: _Reader, raw: object) -> HttpSettings:
    where: tuple[str | int, ...] = ("http",)
    item = reader.mapping(raw, where)
    known = {
        "timeout",
        "deadline",
        "max_body_bytes",
        "per_host_concurrency",
        "allow_private_addresses",
        "page_workers",
    }
    reader.reject_unknown(item, where, known)
    defaults = HttpSettings()
    allow = item.get("allow_private_addresses", False)
    if not isinstance(allow, bool):
        raise reader.error((*where, "allow_private_addresses"), "expected true or false")
    return HttpSettings(
        timeout_s=reader.duration(item, (*where, "timeout"))
        if "timeout" in item
        else defaults.timeout_s,
        deadline_s=reader.duration(item, (*where, "deadline"))
        if "deadline" in item
        else defaults.deadline_s,
        max_body_bytes=reader.integer(item, (*where, "max_body_bytes"), defaults.max_body_bytes),
        per_host_concurrency=reader.integer(
            item, (*where, "per_host_concurrency"), defaults.per_host_concurrency
        ),
        allow_private_addresses=allow,
        page_workers=reader.integer(item, (*where, "page_workers"), defaults.page_workers),
    )


class _Reader:
    """Typed access to the parsed YAML that reports errors with key path and line."""

    def __init__(self, name: str, root: yaml.Node | None, environ: Mapping[str, str]) -> None:
        self._name = name
        self._root = root
        self._environ = environ

    def error(self, where: Sequence[str | int], message: str) -> ConfigError:
        line = self._line(where)
        at = f" line {line}" if line else ""
        return ConfigError(f"config: {self._name}{at}: {_dotted(where)}: {message}")

    def mapping(self, value: object, where: Sequence[str | int]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, f"expected a mapping, got {_kind(value)}")
        return value

    def sequence(self, value: object, where: Sequence[str | int]) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(where, f"expected a list, got {_kind(value)}")
        return value

    def string(
        self, mapping: Mapping[str, Any], where: Sequence[str | int], *, default: str | None = None
    ) -> str:
        key = str(where[-1])
        if key not in mapping or mapping[key] is None:
            if default is None:
                raise self.error(where, "is required")
            return default
        value = mapping[key]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.error(where, f"expected text, got {_kind(value)}")
        return str(value)

    def strings(
        self, mapping: Mapping[str, Any], where: Sequence[str | int], *, required: bool = True
    ) -> tuple[str, ...]:
        value = mapping.get(str(where[-1]))
        if value is None and not required:
            return ()
        items = self.sequence(value, where)
        if required and not items:
            raise self.error(where, "needs at least one entry")
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise self.error((*where, i), f"expected text, got {_kind(item)}")
            self._check_name(item, (*where, i))
        return tuple(items)

    def name(
        self, mapping: Mapping[str, Any], where: Sequence[str | int], *, default: str | None = None
    ) -> str:
        """A name (of a feed, webhook or base, an alias, a region): printable text on one line
        that has a letter or digit. A default is taken as it is."""
        if mapping.get(str(where[-1])) is None and default is not None:
            return default
        value = self.string(mapping, where)
        self._check_name(value, where)
        return value

    def http_url(self, url: str, where: Sequence[str | int]) -> str:
        if problem := http_url_problem(url):
            raise self.error(where, f"the URL {problem}")
        return url

    def integer(self, mapping: Mapping[str, Any], where: Sequence[str | int], default: int) -> int:
        key = str(where[-1])
        value = mapping.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.error(where, f"expected a positive whole number, got {value!r}")
        ceiling = _MAX_COUNT.get(key, _MAX_WORKERS)
        if value > ceiling:
            raise self.error(where, f"at most {ceiling}, got {value}")
        return value

    def duration(self, mapping: Mapping[str, Any], where: Sequence[str | int]) -> float:
        try:
            return parse_duration(mapping[str(where[-1])])
        except ValueError as exc:
            raise self.error(where, str(exc)) from None

    def expand(self, value: str, where: Sequence[str | int]) -> str:
        """Replace ``${NAME}`` by the environment variable NAME (or the file in NAME_FILE)."""

        def lookup(match: re.Match[str]) -> str:
            var = match.group(1)
            found = self._environ.get(var) or _read_secret_file(self._environ, var)
            if found is None:
                raise self.error(where, f"environment variable {var} is not set")
            return found

        return _ENV_REF.sub(lookup, value)

    def unique(self, values: Sequence[str], where: Sequence[str | int], what: str) -> None:
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                raise self.error((*where, i, what), f"duplicate {what} {value!r}")
            seen.add(value)

    def reject_unknown(
        self, mapping: Mapping[str, Any], where: Sequence[str | int], known: set[str]
    ) -> None:
        for key in mapping:
            if key not in known:
                raise self.error(
                    (*where, key), f"unknown key (expected one of {', '.join(sorted(known))})"
                )

    def _check_name(self, value: str, where: Sequence[str | int]) -> None:
        if len(value) > MAX_NAME_CHARS:
            raise self.error(where, f"longer than {MAX_NAME_CHARS} characters")
        if not value.isprintable():
            raise self.error(where, "has a control character or line break")
        if not any(char.isalnum() for char in value):
            raise self.error(where, f"{value!r} has no letter or digit")

    def _line(self, where: Sequence[str | int]) -> int | None:
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for step in where:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == step), None)
                if found is None:
                    key = next((k for k, _ in node.value if k.value == step), None)
                    return key.start_mark.line + 1 if key is not None else line
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    return line
                node = node.value[step]
            else:
                return line
            line = node.start_mark.line + 1
        return line


def _dotted(where: Sequence[str | int]) -> str:
    out = ""
    for step in where:
        # str(): a YAML key may be null, a number or a date ("~: x", "2024-01-01: x")
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), type(value).__name__
    )
