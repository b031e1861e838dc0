"""The configuration's URLs: why one is unusable (``http_url_problem``, ``database_url_problem``)
and how to show one without its secrets (``mask_url``, ``mask_database_url``,
``mask_webhook_url``).

URLs are split by a parser, never by a regex: the standard library's ``urlsplit`` for http(s)
and SQLAlchemy's ``make_url`` for the database, the very parser that will connect with it, so
that what is checked and shown is what is used. A problem is described without quoting the URL,
which may hold a secret.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

MASK = "********"
DATABASE_BACKENDS = ("sqlite", "postgresql")  # the dialects the store and its migrations know
MAX_URL_CHARS = 2048  # the store's URL columns (PostgreSQL refuses a longer value)
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")


def _text_problem(text: str) -> str | None:
    """Why ``text`` cannot be one token of configuration: a control character or a space."""
    for position, char in enumerate(text, start=1):
        if char.isspace() or not char.isprintable():
            return f"has a space or control character (at position {position})"
    return None


def is_host(host: str) -> bool:
    """An IP address, or a DNS name (IDNA) whose labels are letters, digits, ``-`` and ``_``."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    if _DOTTED_NUMBERS.fullmatch(host):
        return False  # "999.1.1.1", "1.2.3.4.5": numbers that are no IPv4 address
    name = host.removesuffix(".")
    try:
        encoded = name.encode("idna").decode("ascii").lower()
    except UnicodeError:  # an empty or over-long label, a character IDNA refuses
        return False
    return len(encoded) <= 253 and all(_LABEL.fullmatch(label) for label in encoded.split("."))


def http_url_problem(url: str) -> str | None:
    """Why ``url`` is not an http(s) URL with a valid host and port, or None."""
    parts = _split(url)
    if isinstance(parts, str):
        return parts
    if parts.scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if len(url) > MAX_URL_CHARS:
        return f"is longer than {MAX_URL_CHARS} characters"
    if not parts.hostname:
        return "has no host"
    if not is_host(parts.hostname):
        return "has an invalid host"
    if parts.port == 0:
        return "has port 0"
    return None


def database_url_problem(url: str) -> str | None:
    """Why ``url`` is not an SQLite or PostgreSQL URL the store can open, or None."""
    if problem := _text_problem(url):
        return problem
    parsed = _database_url(url)
    if parsed is None:
        return (
            "is not a database URL (use sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME; "
            "percent-encode special characters of a password)"
        )
    if parsed.get_backend_name() not in DATABASE_BACKENDS:
        return "is not an SQLite or PostgreSQL URL (the store knows no other database)"
    try:
        parsed.get_dialect()  # the driver's dialect (not the driver itself, loaded on connect)
    except NoSuchModuleError:
        return f"names an unknown driver {parsed.drivername!r}"
    if parsed.get_backend_name() == "sqlite" and (parsed.host or parsed.username or parsed.port):
        return "names a server, but SQLite opens a file: use sqlite:///PATH"
    if parsed.host and not is_host(parsed.host):
        return "has an invalid host (percent-encode '@', ':' or '/' in a password)"
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return "has a port out of range"
    return None


def mask_url(url: str) -> str:
    """``url`` for display: scheme, host, port and path kept; the userinfo's password (or its
    lone token), every query value and the fragment masked.

    A URL that cannot be split without guessing shows its scheme only (see ``_shown_parts``).
    """
    parts = _shown_parts(url)
    if parts is None:
        return _scheme_only(url)
    user, has_password, _ = parts.netloc.rpartition("@")[0].partition(":")
    userinfo = "" if "@" not in parts.netloc else f"{user}:{MASK}@" if has_password else f"{MASK}@"
    host = parts.netloc.rpartition("@")[2]
    return (
        f"{url[: len(parts.scheme)]}://{userinfo}{host}{parts.path}"
        + (f"?{_mask_query(parts.query)}" if parts.query else "")
        + (f"#{MASK}" if parts.fragment else "")
    )


def mask_webhook_url(url: str) -> str:
    """A webhook URL is itself a credential (Slack, Discord, Teams put the token in the path):
    only its scheme, host and port are shown."""
    parts = _shown_parts(url)
    if parts is None:
        return _scheme_only(url)
    return f"{url[: len(parts.scheme)]}://{parts.netloc.rpartition('@')[2]}/{MASK}"


def mask_database_url(url: str) -> str:
    """A database URL for display, as the store parses it: its password and every query value
    masked. An unusable URL (see ``database_url_problem``) shows its scheme only."""
    parsed = None if database_url_problem(url) else _database_url(url)
    if parsed is None:
        return _scheme_only(url)
    user = parsed.username or ""
    userinfo = f"{user}:{MASK}@" if parsed.password else f"{user}@" if user else ""
    host = f"[{parsed.host}]" if parsed.host and ":" in parsed.host else parsed.host or ""
    port = f":{parsed.port}" if parsed.port is not None else ""
    database = f"/{parsed.database}" if parsed.database else ""
    query = "&".join(f"{key}={MASK}" for key in parsed.query)
    return f"{parsed.drivername}://{userinfo}{host}{port}{database}" + (
        f"?{query}" if query else ""
    )


def _split(url: str) -> SplitResult | str:
    """The parts of ``url``, or why it has none: a space or control character (``urlsplit``
    would silently drop some), a port that is not a number, no ``//`` authority."""
    if problem := _text_problem(url):
        return problem
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError when not a number in range
    except ValueError:
        return "is not a URL (a bad port or brackets; percent-encode special characters)"
    if not url[len(parts.scheme) :].startswith("://"):
        return "is not a URL with a host (scheme://host/...)"
    return parts


def _shown_parts(url: str) -> SplitResult | None:
    """The parts of ``url`` that may be shown in part, or None: not a URL, or one with an "@"
    after its authority. That "@" may be a path's (Teams webhooks, Medium feeds) or end a
    password holding "/", "?" or "#" that ended the authority early; nothing tells which."""
    parts = _split(url)
    if isinstance(parts, str) or "@" in url[len(parts.scheme) + 3 + len(parts.netloc) :]:
        return None
    return parts


def _database_url(url: str) -> URL | None:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None


def _mask_query(query: str) -> str:
    """Every value of a query string masked, its keys kept; a bare token masked whole."""
    pairs = (pair.partition("=") for pair in query.split("&"))
    return "&".join(f"{key}={MASK}" if equals else MASK for key, equals, _ in pairs)


def _scheme_only(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://{MASK}" if sep and scheme.isalnum() else MASK
