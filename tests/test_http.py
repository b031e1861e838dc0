"""HTTP at the edge: conditional GET, caps, redirects, guards, errors (monitor/http.py)."""

from __future__ import annotations

import gzip

import httpx
import pytest

from monitor.errors import FetchError
from monitor.http import USER_AGENT, fetch, link_guard, make_client


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
    ("url", "allowed"),
    [
        ("http://feeds.example/story", True),
        ("https://feeds.example:8443/story", True),
        ("http://127.0.0.1/admin", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://10.1.2.3/", False),
        ("http://[::1]/", False),
        ("file:///etc/passwd", False),
        ("ftp://feeds.example/x", False),
        ("http://93.184.215.14/page", True),
    ],
    ids=[
        "feed-host",
        "feed-host-port",
        "loopback",
        "metadata",
        "private-10",
        "ipv6-loopback",
        "file",
        "ftp",
        "public-ip",
    ],
)
def test_link_guard(url: str, allowed: bool) -> None:
    """Links are fetched only over http(s), on the feed's host or at a public address."""
    assert (link_guard("http://feeds.example/rss", allow_private=False)(url) is None) is allowed


def test_link_guard_can_allow_private_addresses() -> None:
    """With allow_private_addresses, an intranet link is allowed; file:// never is."""
    guard = link_guard("http://feeds.example/rss", allow_private=True)
    assert guard("http://10.1.2.3/page") is None
    assert guard("file:///etc/passwd") is not None


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
