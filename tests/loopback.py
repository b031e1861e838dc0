"""Real HTTP servers on 127.0.0.1 for integration tests: a feed/page server and a webhook sink."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float  # time.monotonic() of arrival


@dataclass
class Site:
    """Documents served by path; records requests and answers ETag/304 like a real server."""

    documents: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (type, body)
    requests: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    request_times: list[tuple[str, float]] = field(default_factory=list)  # (path, monotonic)
    posts: list[Received] = field(default_factory=list)  # every POST, accepted or not
    refuse_posts_until: float = 0.0  # time.monotonic() before which POSTs get 503
    refuse_first_posts: int = 0  # this many POSTs get 503 before any is accepted
    encodings: dict[str, str] = field(default_factory=dict)  # path -> Content-Encoding
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    trickle: set[str] = field(default_factory=set)  # paths sent a byte every 50 ms
    post_reply: str = ""  # "endless": 64 MB of 2xx reply at full speed; "trickle": a byte per 50 ms
    fail_every: int = 0  # every this-many-th GET or HEAD (counting all) gets 503; 0: none
    broken: set[str] = field(default_factory=set)  # paths whose every GET or HEAD gets 503
    gets: int = 0  # GETs and HEADs received
    reply_bytes_written: int = 0  # of the POST replies, as far as the client took them
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def put(self, path: str, content_type: str, body: str | bytes) -> None:
        with self.lock:
            self.documents[path] = (content_type, body.encode() if isinstance(body, str) else body)

    def accepted(self) -> list[Received]:
        """The POSTs answered 2xx."""
        with self.lock:
            return [p for p in self.posts if p.status < 300]


@contextmanager
def serve(site: Site, host: str = "127.0.0.1") -> Iterator[Site]:
    """Serve ``site`` on a free port of a loopback address for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.do_GET()  # _answer leaves the body out

        def do_GET(self) -> None:
            with site.lock:
                site.gets += 1
                failing = site.fail_every and site.gets % site.fail_every == 0
            if failing or self.path in site.broken:
                self._answer(503, b"try again", "text/plain")
                return
            if self.path in site.redirects:
                with site.lock:
                    site.requests.append((self.path, 302))
                self.send_response(302)
                self.send_header("Location", site.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path in site.trickle:
                self._trickle()
                return
            with site.lock:
                found = site.documents.get(self.path)
            if found is None:
                self._answer(404, b"not found", "text/plain")
                return
            content_type, body = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", content_type, etag)
                return
            wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if wanted:  # one byte range, as archive readers ask for
                start, end = int(wanted[1]), int(wanted[2] or len(body) - 1)
                part = body[start : end + 1]
                whole = f"bytes {start}-{start + len(part) - 1}/{len(body)}"
                self._answer(206, part, content_type, etag, content_range=whole)
                return
            self._answer(200, body, content_type, etag)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            now = time.monotonic()
            headers = {k.lower(): v for k, v in self.headers.items()}
            with site.lock:
                refused = now < site.refuse_posts_until or len(site.posts) < site.refuse_first_posts
                status = 503 if refused else 204
                site.posts.append(Received(self.path, headers, body, status, now))
            if site.post_reply and status < 300:
                self._reply_chunked(site.post_reply)
                return
            self._answer(status, b"", "text/plain")

        def _reply_chunked(self, kind: str) -> None:
            """A 200 whose chunked body never ends in time: a fast flood, or a trickle."""
            self.protocol_version = "HTTP/1.1"  # chunked replies need it
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk, count, pause = (
                (b"x" * 65536, 1024, 0.0) if kind == "endless" else (b"x", 60, 0.05)
            )
            try:
                for _ in range(count):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
                    with site.lock:
                        site.reply_bytes_written += len(chunk)
                    time.sleep(pause)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client stopped reading, as it should

        def _answer(
            self,
            status: int,
            body: bytes,
            content_type: str,
            etag: str | None = None,
            content_range: str | None = None,
        ) -> None:
            with site.lock:
                site.requests.append((self.path, status))
                site.request_times.append((self.path, time.monotonic()))
            self.send_response(status)
            if content_type:  # "": the header is left out, as some servers do
                self.send_header("Content-Type", content_type)
            if self.path in site.encodings:
                self.send_header("Content-Encoding", site.encodings[self.path])
            if etag:
                self.send_header("ETag", etag)
            if content_range:
                self.send_header("Content-Range", content_range)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304 and self.command != "HEAD":
                self.wfile.write(body)

        def _trickle(self) -> None:
            with site.lock:
                site.requests.append((self.path, 200))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100_000):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    site.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
