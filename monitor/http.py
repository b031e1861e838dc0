"""HTTP at the edge: the client, capped conditional fetches, and signed webhook posts.

``make_client`` is the transport seam: tests and replay pass an ``httpx.MockTransport``.
httpx exceptions are mapped here to ``FetchError`` / ``DeliveryError`` and never leak.

Links a feed lists must not reach internal services. ``link_guard`` decides, per URL, whether
it may be fetched at all and whether only public addresses may serve it; the real transport
then resolves each connection's host once (``socket.getaddrinfo``, the one resolution seam),
checks every address it got, and connects to a checked address. Nothing resolves the name a
second time, so a name that answers a public address to a check and 127.0.0.2 to the connect
(DNS rebinding) cannot slip through. TLS still verifies the certificate for the name.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import hashlib
import hmac
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpcore
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
    # The response's headers (lower-case names): a feed's parser needs its charset and base.
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_client(
    *, timeout_s: float = DEFAULT_TIMEOUT_S, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The one HTTP client: our User-Agent, timeouts, and redirects followed by ``fetch``.

    Its transport checks the addresses of guarded requests at connection time (see the module
    docstring). Proxies from the environment are not used: a proxy resolves names itself, where
    no address can be checked.
    """
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        follow_redirects=False,  # fetch() follows them itself, checking each hop
        transport=transport if transport is not None else _GuardedTransport(limits),
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


@dataclass(frozen=True, slots=True)
class Access:
    """What a guard allows for one URL."""

    refused: str | None = None  # why it must not be fetched at all
    public_only: bool = True  # connect only to public addresses, checked at connection time


Guard = Callable[[str], Access]
_PUBLIC_ONLY = "monitor.public_only"  # the request extension that selects the checked pool
_DEFAULT_PORTS = {"http": 80, "https": 443}


def link_guard(feed_url: str, *, allow_private: bool) -> Guard:
    """A guard for links a feed lists: http(s) only, and public addresses only, except on the
    feed's own origin (its scheme, host and port: the operator chose it; another port of its
    host is another service) or when ``allow_private``.

    A compromised feed must not make the monitor fetch internal services (169.254.169.254,
    127.0.0.1, 10.0.0.0/8, file://). Names are checked when connecting, not here (see
    ``_ResolveOnceBackend``); an address written in the URL is refused here at once.
    """
    feed_origin = _origin(feed_url)

    def check(url: str) -> Access:
        try:
            parts = urlsplit(url)
            origin = _origin(url)
        except ValueError as exc:
            return Access(refused=f"not a valid URL ({exc})")
        if parts.scheme.lower() not in _DEFAULT_PORTS:
            return Access(refused=f"scheme {parts.scheme or 'none'!r} is not http(s)")
        host = origin[1]
        if not host:
            return Access(refused="no host")
        if allow_private or origin == feed_origin:
            return Access(public_only=False)
        try:
            literal = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
                return Access(refused=f"{host[:80]}...: not a valid host name (too long)")
            return Access()  # a name: its addresses are checked when connecting
        return Access(refused=non_public(literal))

    return check


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when none is written); ValueError if bad."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


# Never public, whatever the running Python's tables say (they have changed across versions).
_NEVER_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
        "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip
# IPv6 forms whose last 32 bits are an IPv4 address: IPv4-compatible (::a.b.c.d), IPv4-mapped,
# IPv4-translated (SIIT) and NAT64's well-known prefix.
_LAST_32_BITS_IPV4 = tuple(
    ipaddress.IPv6Network(net)
    for net in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)


def non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not a public one (loopback, private, link-local, ...), or None.

    Every IPv4 address an IPv6 one embeds (IPv4-compatible, IPv4-mapped, NAT64, 6to4, Teredo)
    is unwrapped and checked too: ``::127.0.0.1`` or ``2002:7f00:1::`` can reach loopback.
    """
    if not address.is_global or any(address in net for net in _NEVER_PUBLIC):
        return f"{address}, not a public address"
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in _embedded_ipv4(address):
            if why := non_public(embedded):
                return f"{address}, which embeds {why}"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = []
    if any(address in net for net in _LAST_32_BITS_IPV4):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)  # the Teredo server and the client behind its NAT
    return embedded


class _Refused(Exception):
    """A guarded connection's host resolved to an address that is not public."""


class _ResolveOnceBackend(httpcore.SyncBackend):
    """Resolves each connection's host once and connects to an address it got.

    With ``public_only``, every address is checked first and the connection is refused if any
    is not public: the address connected to is always one that was checked.
    """

    def __init__(self, *, public_only: bool) -> None:
        self._public_only = public_only

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        if self._public_only:
            for address in addresses:
                if why := non_public(ipaddress.ip_address(address.split("%", 1)[0])):
                    raise _Refused(f"{host} resolves to {why}")
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(
                    address,
                    port,
                    _within_deadline(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
            else:
                return _DeadlineStream(stream)
        assert failure is not None  # _resolve never returns no address
        raise failure


# When the exchange under way must be over (time.monotonic()), or None: set by ``_until``.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "monitor_http_deadline", default=None
)


@contextlib.contextmanager
def _until(give_up_at: float) -> Iterator[None]:
    """Bound every socket wait of the requests made inside the block by ``give_up_at``."""
    token = _DEADLINE.set(give_up_at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _within_deadline(
    timeout: float | None, expired: type[httpcore.TimeoutException]
) -> float | None:
    """``timeout`` shortened to what is left before the exchange's deadline; ``expired`` once
    it has passed. httpx's timeouts bound each wait, not their sum: a server trickling its
    status line and headers a byte at a time would otherwise hold a request for days."""
    give_up_at = _DEADLINE.get()
    if give_up_at is None:
        return timeout
    left = give_up_at - time.monotonic()
    if left <= 0:
        raise expired("the exchange's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline of the exchange using it
    (a kept-alive connection serves several exchanges, each with its own deadline)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._stream.start_tls(
                ssl_context, server_hostname, _within_deadline(timeout, httpcore.ConnectTimeout)
            )
        )

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


def _resolve(host: str, port: int) -> list[str]:
    """The addresses of a host, once, in the resolver's order (IP literals stand for themselves)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve {host}: no address")
    return addresses


class _PoolTransport(httpx.HTTPTransport):
    """httpx's own transport, over a connection pool whose network backend is ours."""

    def __init__(
        self, backend: httpcore.NetworkBackend, limits: httpx.Limits, tls: ssl.SSLContext
    ) -> None:
        # httpx's __init__ only builds this pool, and takes no network backend: built here.
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class _GuardedTransport(httpx.BaseTransport):
    """Two pools: one that connects only to checked public addresses, for the requests a guard
    marked so, and one for the rest. Kept apart, a connection the unchecked pool opened is
    never reused for a guarded request."""

    def __init__(self, limits: httpx.Limits) -> None:
        tls = httpx.create_ssl_context()  # verifies certificates for the URL's host name
        self._checked = _PoolTransport(_ResolveOnceBackend(public_only=True), limits, tls)
        self._unchecked = _PoolTransport(_ResolveOnceBackend(public_only=False), limits, tls)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._checked if request.extensions.get(_PUBLIC_ONLY) else self._unchecked
        return pool.handle_request(request)

    def close(self) -> None:
        self._checked.close()
        self._unchecked.close()


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
    with _until(give_up_at):
        return _follow(client, url, headers, guard, limiter, max_bytes, give_up_at)


def _follow(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    guard: Guard | None,
    limiter: HostLimiter | None,
    max_bytes: int,
    give_up_at: float,
) -> Fetched:
    """``fetch``'s redirect loop: each hop guarded, the document at its end."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        access = Access(public_only=False) if guard is None else guard(current)
        if access.refused:
            raise FetchError(
                f"http: {current}: refused: {access.refused}", transient=False, refused=True
            )
        get = functools.partial(_get, client, current, headers, access.public_only)
        if limiter is None:
            result = get(max_bytes, give_up_at)
        else:
            with limiter.slot(current):
                result = get(max_bytes, give_up_at)
        if isinstance(result, Fetched):
            return result
        current = urljoin(current, result)
    raise FetchError(f"http: {url}: more than {MAX_REDIRECTS} redirects", transient=False)


def _get(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    public_only: bool,
    max_bytes: int,
    give_up_at: float,
) -> Fetched | str:
    """One request: the document, or the URL a redirect points to."""
    extensions = {_PUBLIC_ONLY: True} if public_only else None
    try:
        with client.stream("GET", url, headers=headers, extensions=extensions) as response:
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
                headers=dict(response.headers),
            )
    except _Refused as exc:
        raise FetchError(f"http: {url}: refused: {exc}", transient=False, refused=True) from exc
    except httpx.TimeoutException as exc:
        if time.monotonic() >= give_up_at:  # the deadline, not one wait, ran out
            raise FetchError(f"http: {url}: too slow, gave up", transient=True) from exc
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
        with (
            _until(give_up_at),
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            if not 200 <= response.status_code < 300:
                raise DeliveryError(f"deliver: endpoint answered {response.status_code}")
            _read_reply(response, give_up_at, deadline_s)
    except httpx.HTTPError as exc:
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= give_up_at:
            raise DeliveryError(f"deliver: no complete reply within {deadline_s:g}s") from exc
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
