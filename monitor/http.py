"""HTTP at the edge: the client, capped conditional fetches, and signed webhook posts.

``make_client`` is the transport seam: tests and replay pass an ``httpx.MockTransport``.
httpx exceptions are mapped here to ``FetchError`` / ``DeliveryError`` and never leak.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from monitor import __version__
from monitor.errors import DeliveryError, FetchError
from monitor.settings import webhook_key

USER_AGENT = f"monitor/{__version__} (+https://github.com/; news monitoring for base security)"
DEFAULT_TIMEOUT_S = 15.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_DEADLINE_S = 60.0
MAX_REDIRECTS = 5
WEBHOOK_REPLY_BYTES = 4096  # of a webhook's reply, read only to end the exchange cleanly


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched document, or a 304 with no body."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_client(
    *, timeout_s: float = DEFAULT_TIMEOUT_S, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The one HTTP client: our User-Agent, timeouts, and redirects followed by ``fetch``."""
    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        follow_redirects=False,  # fetch() follows them itself, checking each hop
        transport=transport,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
    )


class HostLimiter:
    """At most ``per_host`` requests in flight to any one host."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    def slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            if host not in self._semaphores:
                self._semaphores[host] = threading.BoundedSemaphore(self._per_host)
            return self._semaphores[host]


Guard = Callable[[str], str | None]
_UNRESOLVED = "cannot resolve"  # a URL -> why it must not be fetched, or None


def link_guard(feed_url: str, *, allow_private: bool) -> Guard:
    """A guard for links a feed lists: http(s) only, and a public address unless on the feed's host.

    A compromised feed must not make the monitor fetch internal services (169.254.169.254,
    127.0.0.1, 10.0.0.0/8, file://).
    """
    feed_host = (urlsplit(feed_url).hostname or "").lower()

    def check(url: str) -> str | None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            return f"not a valid URL ({exc})"
        if parts.scheme.lower() not in {"http", "https"}:
            return f"scheme {parts.scheme or 'none'!r} is not http(s)"
        host = (parts.hostname or "").lower()
        if not host:
            return "no host"
        if host == feed_host or allow_private:
            return None
        try:
            infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            # Not fetched: a name that resolves later could point anywhere. Tried again later.
            return f"{_UNRESOLVED} {host}"
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not address.is_global:
                return f"{host} resolves to non-public address {address}"
        return None

    return check


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    guard: Guard | None = None,
    limiter: HostLimiter | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> Fetched:
    """GET a URL with conditional headers, following redirects itself (each hop guarded).

    The body is capped at ``max_bytes`` after decompression, enforced while streaming, and the
    whole fetch at ``deadline_s``: a server that trickles a byte a second is cut off.
    """
    give_up_at = time.monotonic() + deadline_s
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if guard is not None and (reason := guard(current)):
            if reason.startswith(_UNRESOLVED):
                raise FetchError(f"http: {current}: {reason}", transient=True)
            raise FetchError(f"http: {current}: refused: {reason}", transient=False, refused=True)
        if limiter is None:
            result = _get(client, current, headers, max_bytes, give_up_at)
        else:
            with limiter.slot(current):
                result = _get(client, current, headers, max_bytes, give_up_at)
        if isinstance(result, Fetched):
            return result
        current = urljoin(current, result)
    raise FetchError(f"http: {url}: more than {MAX_REDIRECTS} redirects", transient=False)


def _get(
    client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int, give_up_at: float
) -> Fetched | str:
    """One request: the document, or the URL a redirect points to."""
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in {301, 302, 303, 307, 308} and "location" in response.headers:
                return response.headers["location"]
            if status == 304:
                return Fetched(
                    str(response.url),
                    304,
                    b"",
                    "",
                    headers.get("If-None-Match"),
                    headers.get("If-Modified-Since"),
                )
            if status >= 400:
                transient = status in {408, 425, 429} or status >= 500
                raise FetchError(
                    f"http: {url}: status {status}",
                    transient=transient,
                    retry_after_s=_retry_after(response.headers.get("retry-after")),
                )
            chunks = []
            size = 0
            for chunk in response.iter_bytes():
                if time.monotonic() > give_up_at:
                    raise FetchError(f"http: {url}: too slow, gave up", transient=True)
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(
                        f"http: {url}: body larger than {max_bytes} bytes", transient=False
                    )
                chunks.append(chunk)
            return Fetched(
                url=str(response.url),
                status=status,
                body=b"".join(chunks),
                content_type=response.headers.get("content-type", ""),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    except httpx.TimeoutException as exc:
        raise FetchError(f"http: {url}: timed out", transient=True) from exc
    except httpx.DecodingError as exc:
        raise FetchError(f"http: {url}: undecodable body: {exc}", transient=False) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"http: {url}: {type(exc).__name__}: {exc}", transient=True) from exc
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise FetchError(f"http: {url}: not a valid URL ({exc})", transient=False) from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """A Standard Webhooks signature: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``,
    keyed with the base64 key of a ``whsec_`` secret (checked when the settings load)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(webhook_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def post_webhook(
    client: httpx.Client,
    url: str,
    body: bytes,
    *,
    message_id: str,
    secret: str | None,
    timestamp: int | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> None:
    """POST one alert; DeliveryError unless the endpoint answers 2xx within ``deadline_s``.

    ``webhook-timestamp`` is the moment of sending (receivers reject stale ones), unless given.
    Only the status matters, so at most ``WEBHOOK_REPLY_BYTES`` of the reply are read: an
    endless reply costs nothing, and one still trickling in at the deadline is a failure.
    """
    give_up_at = time.monotonic() + deadline_s
    if timestamp is None:
        timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        headers["webhook-signature"] = sign(secret, message_id, timestamp, body)
    try:
        with client.stream("POST", url, content=body, headers=headers) as response:
            if not 200 <= response.status_code < 300:
                raise DeliveryError(f"deliver: endpoint answered {response.status_code}")
            _read_reply(response, give_up_at, deadline_s)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"deliver: {type(exc).__name__}: {exc}") from exc


def _read_reply(response: httpx.Response, give_up_at: float, deadline_s: float) -> None:
    """End a 2xx exchange: read the reply up to ``WEBHOOK_REPLY_BYTES``, before the deadline.

    Raw bytes: a compressed reply is not inflated. A reply already in memory (a test transport's)
    has nothing left to read.
    """
    if response.is_stream_consumed:
        return
    read = 0
    for chunk in response.iter_raw():
        if time.monotonic() > give_up_at:
            raise DeliveryError(f"deliver: no complete reply within {deadline_s:g}s")
        read += len(chunk)
        if read >= WEBHOOK_REPLY_BYTES:
            return  # accepted; the rest is not read (the connection is dropped)
