"""HTTP at the edge: conditional GET, caps, redirects, guards, errors (monitor/http.py)."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from monitor.errors import DeliveryError, FetchError
from monitor.http import (
    USER_AGENT,
    Access,
    fetch,
    link_guard,
    make_client,
    non_public,
    post_webhook,
)
from tests.loopback import Site, serve


def _client(handler) -> httpx.Client:  # type: ignore[no-untyped-def]
    return make_client(transport=httpx.MockTransport(handler))


def test_conditional_get_and_user_agent() -> None:
    """ETag and Last-Modified are sent back, a 304 costs no body, and our User-Agent is used."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(
            200, content=b"<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon"}
        )

    with _client(handler) as client:
        first = fetch(client, "http://feeds.example/rss")
        second = fetch(
            client, "http://feeds.example/rss", etag=first.etag, last_modified=first.last_modified
        )
    assert (first.status, first.body, first.etag) == (200, b"<rss/>", '"v1"')
    assert second.not_modified
    assert second.body == b""
    assert seen[1].headers["if-modified-since"] == "Mon"
    assert seen[0].headers["user-agent"] == USER_AGENT


def test_redirects_are_followed_a_few_times_only() -> None:
    """A redirect chain is followed; a loop ends as a permanent error naming the URL."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/moved":
            return httpx.Response(301, headers={"Location": "/feed"})
        if request.url.path == "/feed":
            return httpx.Response(200, content=b"ok")
        return httpx.Response(302, headers={"Location": request.url.path + "x"})

    with _client(handler) as client:
        assert fetch(client, "http://a.example/moved").body == b"ok"
        with pytest.raises(FetchError, match="more than 5 redirects") as raised:
            fetch(client, "http://a.example/loop")
    assert raised.value.transient is False


def test_redirect_to_an_internal_address_is_refused() -> None:
    """A guarded fetch refuses a redirect hop to the cloud metadata address."""
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta"})

    guard = link_guard("http://feeds.example/rss", allow_private=False)
    with _client(handler) as client, pytest.raises(FetchError, match="refused"):
        fetch(client, "http://feeds.example/story", guard=guard)
    assert requested == ["http://feeds.example/story"]


@pytest.mark.parametrize(
    ("url", "access"),
    [
        ("http://feeds.example/story", "any"),
        ("http://feeds.example:80/story", "any"),
        ("https://feeds.example/story", "public"),
        ("http://feeds.example:8443/story", "public"),
        ("http://news.example/story", "public"),
        ("http://127.0.0.1/admin", "refused"),
        ("http://169.254.169.254/latest/meta-data/", "refused"),
        ("http://10.1.2.3/", "refused"),
        ("http://[::1]/", "refused"),
        ("http://[::ffff:127.0.0.1]/", "refused"),
        ("http://[::127.0.0.1]/", "refused"),
        ("http://[64:ff9b::a9fe:a9fe]/", "refused"),
        ("http://[2002:a00:1::]/", "refused"),
        ("file:///etc/passwd", "refused"),
        ("ftp://feeds.example/x", "refused"),
        ("http://93.184.215.14/page", "public"),
    ],
    ids=[
        "feed-origin",
        "feed-origin-explicit-port",
        "feed-host-other-scheme",
        "feed-host-other-port",
        "other-host",
        "loopback",
        "metadata",
        "private-10",
        "ipv6-loopback",
        "ipv4-mapped-loopback",
        "ipv4-compatible-loopback",
        "nat64-metadata",
        "6to4-private",
        "file",
        "ftp",
        "public-ip",
    ],
)
def test_link_guard(url: str, access: str) -> None:
    """Links are fetched only over http(s); any address serves the feed's own origin (scheme,
    host and port), only public ones serve the rest, and an internal address in the URL is
    refused at once."""
    got = link_guard("http://feeds.example/rss", allow_private=False)(url)
    assert ("refused" if got.refused else "public" if got.public_only else "any") == access


def test_link_guard_can_allow_private_addresses() -> None:
    """With allow_private_addresses, an intranet link is allowed; file:// never is."""
    guard = link_guard("http://feeds.example/rss", allow_private=True)
    assert guard("http://10.1.2.3/page") == Access(public_only=False)
    assert guard("file:///etc/passwd").refused


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1", True),
        ("64:ff9b::5db8:d70e", True),  # NAT64 of 93.184.215.14
        ("2002:5db8:d70e::1", True),  # 6to4 of 93.184.215.14
        ("127.0.0.2", False),
        ("0.0.0.0", False),  # noqa: S104 - an address checked, not bound
        ("100.64.0.1", False),
        ("192.0.0.8", False),
        ("198.18.0.1", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::1", False),
        ("::127.0.0.2", False),
        ("::a9fe:a9fe", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:0:127.0.0.1", False),
        ("64:ff9b::127.0.0.2", False),
        ("64:ff9b::10.0.0.1", False),
        ("64:ff9b:1::5db8:d70e", False),
        ("2002:7f00:2::", False),
        ("2002:c0a8:101::1", False),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("ff02::1", False),
    ],
)
def test_non_public_unwraps_every_embedded_ipv4(address: str, public: bool) -> None:
    """An address is public only if it and every IPv4 address it embeds (IPv4-compatible,
    -mapped, -translated, NAT64, 6to4, Teredo) are."""
    assert (non_public(ipaddress.ip_address(address)) is None) is public


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip-bomb"])
def test_body_cap_applies_after_decompression(compressed: bool) -> None:
    """A body over the cap fails while streaming, whether sent plain or as a gzip bomb."""
    big = b"0" * 5_000_000

    def handler(request: httpx.Request) -> httpx.Response:
        if compressed:
            return httpx.Response(
                200, content=gzip.compress(big), headers={"Content-Encoding": "gzip"}
            )
        return httpx.Response(200, content=big)

    with _client(handler) as client, pytest.raises(FetchError, match="larger than 1000000"):
        fetch(client, "http://a.example/", max_bytes=1_000_000)


@pytest.mark.parametrize(
    ("status", "headers", "transient", "retry_after_s"),
    [
        (429, {"Retry-After": "120"}, True, 120.0),
        (503, {}, True, None),
        (500, {}, True, None),
        (404, {}, False, None),
        (410, {}, False, None),
    ],
    ids=["429-retry-after", "503", "500", "404", "410"],
)
def test_error_status(
    status: int, headers: dict[str, str], transient: bool, retry_after_s: float | None
) -> None:
    """Errors say whether they are worth retrying and what Retry-After asked for."""
    with (
        _client(lambda r: httpx.Response(status, headers=headers)) as client,
        pytest.raises(FetchError, match=f"status {status}") as raised,
    ):
        fetch(client, "http://a.example/feed")
    assert raised.value.transient is transient
    assert raised.value.retry_after_s == retry_after_s


def test_timeout_is_transient() -> None:
    """A timeout is a transient FetchError naming the URL."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with _client(handler) as client, pytest.raises(FetchError, match=r"a\.example/feed: timed out"):
        fetch(client, "http://a.example/feed")


def test_a_trickling_server_is_cut_off() -> None:
    """A server sending a byte at a time past the deadline gives a transient FetchError."""
    import time as clock

    def trickle():  # type: ignore[no-untyped-def]
        for _ in range(1000):
            clock.sleep(0.01)
            yield b"x"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=trickle())

    with _client(handler) as client, pytest.raises(FetchError, match="too slow") as raised:
        fetch(client, "http://slow.example/feed", deadline_s=0.2)
    assert raised.value.transient


@pytest.mark.parametrize(
    "url",
    ["http://example.com:abc/", "http://[::1/", "http://" + "a" * 70 + ".example/"],
    ids=["bad-port", "bad-ipv6", "long-label"],
)
def test_malformed_urls_are_fetch_errors(url: str) -> None:
    """A malformed link is a FetchError naming it, never another exception."""
    guard = link_guard("http://feeds.example/rss", allow_private=False)
    with _client(lambda r: httpx.Response(200)) as client, pytest.raises(FetchError):
        fetch(client, url, guard=guard)


# -- DNS rebinding: every connection goes to the address that was checked -------------------

PUBLIC = "93.184.215.14"  # what rebinding names answer first; never really connected to


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Site, Site]]:
    """An internal service on 127.0.0.2 and a stand-in, on 127.0.0.1, for the public host."""
    with serve(Site(), host="127.0.0.2") as internal, serve(Site()) as outside:
        internal.put("/secret", "text/plain", "internal secret")
        outside.put("/secret", "text/plain", "public page")
        yield internal, outside


def _resolver(
    monkeypatch: pytest.MonkeyPatch, names: dict[str, list[list[str]]], outside: Site
) -> list[str]:
    """Replace the one resolution seam, ``socket.getaddrinfo``: each name gives its answers in
    turn (the last one for ever), and the public address is routed to ``outside`` (a connect
    resolves its address too), so no packet leaves the machine. Returns the names asked."""
    real = socket.getaddrinfo
    asked: list[str] = []
    outside_port = int(outside.base_url.rsplit(":", 1)[1])

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(host)
        if host == PUBLIC:
            return real("127.0.0.1", outside_port, *args, **kwargs)
        if host in names:
            answers = names[host]
            addresses = answers.pop(0) if len(answers) > 1 else answers[0]
            return [info for a in addresses for info in real(a, port, *args, **kwargs)]
        assert not ipaddress.ip_address(host).is_global, f"would connect to {host}"
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_rebinding_name_never_reaches_the_internal_address(
    servers: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name answering a public address first and 127.0.0.2 after is resolved once per
    connection, and the connection goes to the public address that was checked."""
    internal, outside = servers
    asked = _resolver(monkeypatch, {"rebind.test": [[PUBLIC], ["127.0.0.2"]]}, outside)
    port = internal.base_url.rsplit(":", 1)[1]
    guard = link_guard("http://feeds.test/rss", allow_private=False)
    with make_client() as client:
        fetched = fetch(client, f"http://rebind.test:{port}/secret", guard=guard)
    assert fetched.body == b"public page"
    assert fetched.url == f"http://rebind.test:{port}/secret"
    assert asked.count("rebind.test") == 1
    assert internal.requests == []


def test_rebinding_redirect_hop_is_checked_and_pinned(
    servers: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A redirect from the feed's own (loopback) origin to a rebinding name is re-resolved once,
    checked and pinned; a second hop to the same name, now answering 127.0.0.2, is refused."""
    internal, outside = servers
    _resolver(monkeypatch, {"rebind.test": [[PUBLIC], ["127.0.0.2"]]}, outside)
    port = internal.base_url.rsplit(":", 1)[1]
    with serve(Site()) as feed_site:
        feed_site.redirects["/go"] = f"http://rebind.test:{port}/secret"
        guard = link_guard(feed_site.base_url + "/rss", allow_private=False)
        with make_client() as client:
            assert fetch(client, feed_site.base_url + "/go", guard=guard).body == b"public page"
        with make_client() as client, pytest.raises(FetchError, match="refused") as raised:
            fetch(client, feed_site.base_url + "/go", guard=guard)
    assert raised.value.refused
    assert not raised.value.transient
    assert internal.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.2",
        "::ffff:127.0.0.2",
        "::127.0.0.2",
        "64:ff9b::7f00:2",
        "64:ff9b:1::7f00:2",
        "2002:7f00:2::1",
        "fe80::1",
    ],
)
def test_name_resolving_to_an_internal_address_is_refused(
    servers: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    """A link whose name resolves to an internal address, in any IPv6 wrapping, is refused
    before any connection, as a permanent refusal naming the address."""
    internal, outside = servers
    _resolver(monkeypatch, {"inside.test": [[address]]}, outside)
    port = internal.base_url.rsplit(":", 1)[1]
    guard = link_guard("http://feeds.test/rss", allow_private=False)
    with make_client() as client, pytest.raises(FetchError, match="not a public address") as raised:
        fetch(client, f"http://inside.test:{port}/secret", guard=guard)
    assert raised.value.refused
    assert internal.requests == []


def test_another_port_of_the_feeds_host_is_not_exempt(servers: tuple[Site, Site]) -> None:
    """The feed's own origin may be internal; another port of the same host is another service,
    and is refused (by address, and by name when the name resolves to loopback)."""
    internal, _ = servers
    with serve(Site(), host="127.0.0.2") as feed_site:
        feed_site.put("/story", "text/html", "<p>story</p>")
        guard = link_guard(feed_site.base_url + "/rss", allow_private=False)
        with make_client() as client:
            assert fetch(client, feed_site.base_url + "/story", guard=guard).status == 200
            with pytest.raises(FetchError, match="refused"):
                fetch(client, internal.base_url + "/secret", guard=guard)
    with serve(Site(), host="127.0.0.1") as feed_site, make_client() as client:
        guard = link_guard(
            feed_site.base_url.replace("127.0.0.1", "localhost"), allow_private=False
        )
        other = "http://localhost:" + internal.base_url.rsplit(":", 1)[1] + "/secret"
        with pytest.raises(FetchError, match="not a public address"):
            fetch(client, other, guard=guard)
    assert internal.requests == []


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """An HTTPS server on 127.0.0.1 whose certificate (self-signed, made by openssl) names
    feeds.test only; yields the certificate's path and the port."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=feeds.test",
         "-addext", "subjectAltName=DNS:feeds.test"],
        check=True, capture_output=True,
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield str(cert), server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("name", "verified"), [("feeds.test", True), ("other.test", False)])
def test_tls_verifies_the_name_while_connecting_to_the_resolved_address(
    tls_server: tuple[str, int], monkeypatch: pytest.MonkeyPatch, name: str, verified: bool
) -> None:
    """The connection goes to the address resolved once, while TLS sends and verifies the
    URL's host name: a certificate for another name is refused."""
    cert, port = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1" if host == name else host, *a, **k),
    )
    url = f"https://{name}:{port}/rss"
    with make_client() as client:
        if verified:
            assert fetch(client, url, guard=link_guard(url, allow_private=False)).body == b"ok"
        else:
            with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
                fetch(client, url, guard=link_guard(url, allow_private=False))


@pytest.fixture
def header_trickler() -> Iterator[tuple[str, threading.Event]]:
    """A raw server that answers a status line, then one header line every 50 ms for 10 s,
    never ending its headers; the event is set when it stops (the client hung up, or it ran
    out of lines)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve_one() -> None:
        conn, _ = listener.accept()
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(200):
                conn.sendall(b"X-Slow: y\r\n")
                stopped.wait(0.05)
        except OSError:
            pass  # the client hung up
        finally:
            conn.close()
            stopped.set()

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/", stopped
    stopped.set()
    thread.join(5)
    listener.close()


@pytest.mark.parametrize("exchange", ["fetch", "webhook"])
def test_a_server_trickling_its_headers_is_cut_off_at_the_deadline(
    exchange: str, header_trickler: tuple[str, threading.Event]
) -> None:
    """The deadline bounds the whole exchange, headers included: a server sending a header line
    now and then (each within the read timeout) is given up before it would have finished."""
    url, stopped = header_trickler
    with make_client(timeout_s=5) as client:
        if exchange == "fetch":
            with pytest.raises(FetchError, match="too slow, gave up"):
                fetch(client, url, deadline_s=0.3)
        else:
            with pytest.raises(DeliveryError, match=r"no complete reply within 0\.3s"):
                post_webhook(client, url, b"{}", message_id="msg_1", secret=None, deadline_s=0.3)
        assert not stopped.is_set()  # given up while the server still had lines to send
