"""HTTP at the edge: the client, capped conditional fetches, and signed webhook posts.

``make_client`` is the transport seam: tests and replay pass an ``httpx.MockTransport``.
httpx exceptions are mapped here to ``FetchError`` / ``DeliveryError`` and never leak.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

import httpx

from monitor import __version__
from monitor.errors import DeliveryError, FetchError

USER_AGENT = f"monitor/{__version__} (+https://github.com/; news monitoring for base security)"
DEFAULT_TIMEOUT_S = 15.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5


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
    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        transport=transport,
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Fetched:
    """GET a URL with conditional headers; the body is capped at ``max_bytes`` (decoded)."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(str(response.url), 304, b"", "", etag, last_modified)
            if response.status_code >= 400:
                transient = response.status_code in {408, 425, 429} or response.status_code >= 500
                raise FetchError(f"http: {url}: status {response.status_code}", transient=transient)
            chunks = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(
                        f"http: {url}: body larger than {max_bytes} bytes", transient=False
                    )
                chunks.append(chunk)
            return Fetched(
                url=str(response.url),
                status=response.status_code,
                body=b"".join(chunks),
                content_type=response.headers.get("content-type", ""),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    except httpx.TooManyRedirects as exc:
        raise FetchError(
            f"http: {url}: more than {MAX_REDIRECTS} redirects", transient=False
        ) from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"http: {url}: timed out", transient=True) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"http: {url}: {type(exc).__name__}: {exc}", transient=True) from exc


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """A Standard Webhooks signature: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``.

    A secret starting ``whsec_`` is base64 key material; any other secret is used as bytes.
    """
    key = (
        base64.b64decode(secret.removeprefix("whsec_"))
        if secret.startswith("whsec_")
        else secret.encode("utf-8")
    )
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def post_webhook(
    client: httpx.Client,
    url: str,
    body: bytes,
    *,
    message_id: str,
    timestamp: int,
    secret: str | None,
) -> None:
    """POST one alert; DeliveryError unless the endpoint answers 2xx."""
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        headers["webhook-signature"] = sign(secret, message_id, timestamp, body)
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"deliver: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"deliver: endpoint answered {response.status_code}")
