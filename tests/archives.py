"""WARC archives for tests and benchmarks: ``write_warc``."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HTML = "text/html; charset=utf-8"


def write_warc(
    path: Path, responses: Iterable[tuple[str, bytes, str] | tuple[str, bytes, str, str]]
) -> int:
    """A gzipped WARC of HTTP responses (url, body, WARC-Date[, Content-Type]); how many."""
    count = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, body, stamp, *kind in responses:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", kind[0] if kind else HTML)], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": stamp},
            )
            writer.write_record(record)
            count += 1
    return count
