"""Reading archived corpora, record by record: ``list_inputs``, ``read_records``, ``read_gold``.

Inputs, mixed freely: directories, searched recursively (of seed-style ``.txt`` files with an
optional ``manifest.jsonl`` giving ``file``, ``url``, ``published``, ``title``; of ``.html``
pages; of JSON Lines and WARC files), such files named directly, globs, and Common Crawl
listing files (``warc.paths.gz``: one path a line, under a ``--prefix``). Each may be local, on
S3 or on an HTTP(S) server (``monitor.locations``); every one is opened by ``open_input``, and
one that cannot be read is a ``CorpusProblem`` naming it, and reading goes on. A JSON Lines row is
``{url, published, title, text}``, or has ``html`` instead of ``text``. A WARC file's HTTP
response records holding HTML are pages dated by their WARC-Date unless the page gives its own
date. Nothing is held but the record in hand; a record that cannot be read is a
``CorpusProblem`` naming where it is, and reading goes on.
"""

from __future__ import annotations

import json
import posixpath
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from monitor.errors import CorpusError
from monitor.locations import (
    UnreadableInput,
    file_name,
    find_files,
    has_glob,
    is_remote,
    open_location,
    read_listing,
    shown,
    sizes,
)
from monitor.pipeline.corpus import parse_json_article, parse_published, parse_text_article
from monitor.pipeline.dates import plausible_published
from monitor.pipeline.score import GoldEvent, gold_events
from monitor.pipeline.window import Window, crawl_may_hold
from monitor.records import Article, Rejected
from monitor.urls import http_url_problem

MANIFEST = "manifest.jsonl"
TEXT_SUFFIXES = (".txt", ".text")
PAGE_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
LISTING_SUFFIXES = (".paths", ".paths.gz")  # Common Crawl's warc.paths.gz and the like
MAX_PAGE_BYTES = 20_000_000  # larger "pages" (or texts, or JSON Lines rows) are not news articles


@dataclass(frozen=True, slots=True)
class CorpusProblem:
    """A corpus record that could not be read; replay goes on without it."""

    where: str  # "path:line"
    message: str
    unread_file: bool = False  # the whole file (or its rest, from a byte on) could not be read


@dataclass(frozen=True, slots=True)
class Page:
    """An HTML page as read from a corpus, not yet extracted."""

    body: bytes | str
    url: str
    published_at: datetime | None  # given by the record: wins over the page's own date
    fallback_at: datetime | None  # the WARC-Date: only when the page gives no date
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Input:
    """One file to read, of a known kind."""

    path: str  # a local path, or an s3:// or http(s):// URL
    kind: str  # "text", "page", "jsonl", "warc"
    size: int  # 0 when not known
    manifest: str | None = None  # a text or page file's directory manifest

    @property
    def name(self) -> str:
        """The file's name, without its directory."""
        return file_name(self.path)

    @property
    def display(self) -> str:
        """The file in messages (a URL's query values masked)."""
        return shown(self.path)

    @property
    def uri(self) -> str:
        """How an article of this file is cited when it gives no URL of its own."""
        return self.display if is_remote(self.path) else Path(self.path).resolve().as_uri()


@dataclass(frozen=True, slots=True)
class Listed:
    """The files a replay reads, and how many its window skipped by their names."""

    inputs: list[Input]
    outside: int  # CC-NEWS files crawled too early or too late for the window


def open_input(source: Input) -> BinaryIO:
    """``source`` opened for reading, wherever it is: the one way every reader opens a file.
    Remote reads are retried and resumed; UnreadableInput when one still fails."""
    return open_location(source.path, source.size or None)


def list_inputs(
    locations: Sequence[str | Path], *, prefix: str | None = None, window: Window | None = None
) -> Listed:
    """The files to read (directories, globs and listings expanded, in the order given), less
    the CC-NEWS files whose names date them outside ``window``. CorpusError naming a location
    that is missing, of no known kind, a directory with nothing to read, or a listing without
    ``prefix`` (its entries are relative to it)."""
    named = [str(location) for location in locations]
    if prefix is not None and not any(_is_listing(location) for location in named):
        raise CorpusError("replay: --prefix is for listing files (warc.paths.gz): none was given")
    found: list[Input] = []
    for location in named:
        found += _listed(location, prefix) if _is_listing(location) else _inputs_at(location)
    kept = [source for source in found if crawl_may_hold(source.name, window or Window())]
    return Listed(_sized(kept), len(found) - len(kept))


def _is_listing(location: str) -> bool:
    return location.lower().endswith(LISTING_SUFFIXES)


def _inputs_at(location: str) -> list[Input]:
    """The inputs at one location: a file, a directory or a glob, local or remote."""
    path = Path(location)
    if is_remote(location) or (has_glob(location) and not path.exists()):
        try:
            files = find_files(location)
        except UnreadableInput as exc:  # a CorpusError: missing, refused, no match...
            if not exc.transient or has_glob(location) or _kind(location) is None:
                raise
            files = [(location, 0)]  # ... or failing for now: read (and named) in its turn
        return _of_kinds(files, location, named=[file for file, _ in files] == [location])
    if path.is_dir():
        files = [(str(p), p.stat().st_size) for p in sorted(path.rglob("*")) if p.is_file()]
        return _of_kinds(files, location, named=False)
    if path.is_file():
        return _of_kinds([(location, path.stat().st_size)], location, named=True)
    raise CorpusError(f"replay: {location}: no such file or directory")


def _of_kinds(files: list[tuple[str, int]], location: str, *, named: bool) -> list[Input]:
    """The files of known kinds, each text or page file with its directory's manifest (when
    ``files`` hold one). A file ``named`` by itself must be of a known kind."""
    present = {file for file, _ in files}
    inputs: list[Input] = []
    for file, size in files:
        kind = _kind(file)
        if file_name(file) == MANIFEST or kind is None:
            continue
        manifest = posixpath.join(posixpath.dirname(file), MANIFEST)
        has_manifest = kind in {"text", "page"} and manifest in present and not named
        inputs.append(Input(file, kind, size, manifest if has_manifest else None))
    if inputs:
        return inputs
    if named:
        raise CorpusError(
            f"replay: {shown(location)}: unsupported file type (use .txt, .html, .jsonl, .warc, "
            ".warc.gz, a listing (warc.paths.gz) or a directory)"
        )
    raise CorpusError(
        f"replay: {shown(location)}: no .txt, .html, .jsonl or .warc files in this directory"
    )


def _listed(location: str, prefix: str | None) -> list[Input]:
    """The files a listing names, each under ``prefix`` (their sizes not yet known)."""
    if prefix is None:
        raise CorpusError(
            f"replay: {shown(location)}: a listing names files relative to a root: give it as "
            "--prefix (https://data.commoncrawl.org/ or s3://commoncrawl/ for Common Crawl)"
        )
    inputs: list[Input] = []
    for number, entry in read_listing(location):
        file = f"{prefix.rstrip('/')}/{entry.lstrip('/')}"
        kind = _kind(file)
        if kind is None:
            raise CorpusError(f"replay: {shown(location)}:{number}: unsupported file type")
        inputs.append(Input(file, kind, 0))
    return inputs


def _sized(inputs: list[Input]) -> list[Input]:
    """``inputs`` with the sizes not yet known (of listed files) asked for, several at once."""
    unknown = [n for n, source in enumerate(inputs) if not source.size]
    found = sizes([inputs[n].path for n in unknown])
    sized = list(inputs)
    for n, size in zip(unknown, found, strict=True):
        sized[n] = replace(inputs[n], size=size)
    return sized


def _kind(file: str) -> str | None:
    name = file_name(file).lower()
    return (
        "text"
        if name.endswith(TEXT_SUFFIXES)
        else "page"
        if name.endswith(PAGE_SUFFIXES)
        else "jsonl"
        if name.endswith(".jsonl")
        else "warc"
        if name.endswith(WARC_SUFFIXES)
        else None
    )


Record = tuple[str, Article | Page | Rejected]  # where, and what was read there


@dataclass(frozen=True, slots=True)
class Piece:
    """An input to read: whole, or (a WARC file) the records that start in ``[start, end)``."""

    source: Input
    start: int = 0
    end: int | None = None  # None: to the end of the file
    manifest_problems: bool = True  # False: its manifest's problems are another piece's to tell

    @property
    def size(self) -> int:
        """The input bytes this piece covers."""
        return (self.source.size if self.end is None else self.end) - self.start


def read_records(
    pieces: Iterable[Input | Piece], *, now: datetime
) -> Iterator[Record | CorpusProblem]:
    """Every record of the inputs (or pieces of them), in order, or the problem reading it; a
    date after ``now`` (by more than a day) or before 1990 is no date. A file that cannot be
    read (after retries) is a problem naming it; what was read of it stays read."""
    manifests: dict[str, dict[str, dict[str, Any]]] = {}
    for item in pieces:
        piece = item if isinstance(item, Piece) else Piece(item)
        source = piece.source
        meta: dict[str, Any] = {}
        if source.manifest is not None:
            if source.manifest not in manifests:
                manifests[source.manifest] = {}
                for problem in _read_manifest(source.manifest, manifests[source.manifest]):
                    if piece.manifest_problems:
                        yield problem
            meta = manifests[source.manifest].get(source.name, {})
        records: Iterator[Record | CorpusProblem]
        if source.kind == "jsonl":
            records = _jsonl_records(source, now)
        elif source.kind == "warc":
            records = _read_warc(source, now, piece.start, piece.end)
        else:
            records = _read_file(source, meta, now)
        try:
            yield from records
        except UnreadableInput as exc:  # what was read of it stays read; the next file is next
            yield CorpusProblem(source.display, exc.why, unread_file=True)


def _read_manifest(location: str, manifest: dict[str, dict[str, Any]]) -> Iterator[CorpusProblem]:
    """Fill ``manifest`` (file name -> row) from a directory's manifest; its bad rows."""
    try:
        for where, row in _json_rows(Input(location, "jsonl", 0)):
            if isinstance(row, CorpusProblem):
                yield row
            elif not isinstance(row.get("file"), str):
                yield CorpusProblem(where, 'manifest row has no "file"')
            else:
                manifest[row["file"]] = row
    except UnreadableInput as exc:
        yield CorpusProblem(shown(location), exc.why, unread_file=True)


def _read_file(
    source: Input, meta: dict[str, Any], now: datetime
) -> Iterator[Record | CorpusProblem]:
    """A seed-style text file or an HTML page, with its manifest row (if any)."""
    where = source.display
    if source.size > MAX_PAGE_BYTES:
        yield where, _too_large(where)
        return
    try:
        published = _published(meta.get("published"), now)
        url = _record_url(_text_field(meta, "url"), "url") or source.uri
        title = _text_field(meta, "title")
    except ValueError as exc:
        yield CorpusProblem(f"{shown(source.manifest or '')} ({source.name})", str(exc))
        return
    with open_input(source) as handle:
        raw = handle.read(MAX_PAGE_BYTES + 1)
    if len(raw) > MAX_PAGE_BYTES:  # a remote file of a size not known before
        yield where, _too_large(where)
        return
    if source.kind == "page":
        yield where, Page(raw, url, published, None, title)
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield CorpusProblem(where, f"not UTF-8 (byte {exc.start + 1})")
        return
    if not text.strip():
        yield where, Rejected("corpus", "empty", where)
        return
    yield where, parse_text_article(text, url=url, published=published, title=title, now=now)


def _read_warc(
    source: Input, now: datetime, start: int, end: int | None
) -> Iterator[Record | CorpusProblem]:
    """The HTML pages of a WARC file's HTTP response records that start in ``[start, end)``,
    each named by its file and byte offset. A malformed record is a problem naming it; reading
    goes on with the next record, found again by its gzip member or ``WARC/1.`` line when the
    record's framing (its Content-Length) is wrong."""
    path = source.display
    with open_input(source) as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
        resume = 0 if start == 0 else _next_warc_record(handle, start, compressed=compressed)
        while resume is not None and (end is None or resume < end):  # each pass starts later
            handle.seek(resume)
            last: int | None = None  # the offset of the last record read in this pass
            try:
                # HTTP headers are parsed in _warc_page, record by record, not by the iterator:
                # a record whose headers cannot be parsed is then that record's problem only.
                for record in ArchiveIterator(handle, parse_http=False):
                    last = record.stream_pos
                    if end is not None and last >= end:
                        return
                    where = f"{path}@{last}"
                    try:
                        page = _warc_page(record, where, now)
                    except UnreadableInput:
                        raise
                    except Exception as exc:  # noqa: BLE001 - fastwarc's errors on bad records vary
                        page = f"malformed ({type(exc).__name__})"
                    if isinstance(page, str):
                        yield CorpusProblem(where, page)
                    elif page is not None:
                        yield page
                return
            except UnreadableInput:
                raise
            except Exception as exc:  # noqa: BLE001 - as above, for the framing of records
                # (not its message: it may quote the bytes it found)
                failed_at = resume if last is None else last
                resume = _next_warc_record(handle, failed_at + 1, compressed=compressed)
                yield _unreadable(f"{path}@{failed_at}", last is None, resume, type(exc).__name__)


def _unreadable(where: str, at_start: bool, resume: int | None, error: str) -> CorpusProblem:
    """The problem of bytes that frame no record, named by where reading started or else the
    last record read before them, with where reading resumes."""
    what = "unreadable" if at_start else "the record after this one is unreadable"
    then = f"skipped to byte {resume}" if resume is not None else "nothing after it is readable"
    return CorpusProblem(where, f"{what} ({error}): {then}")


def _next_warc_record(handle: BinaryIO, after: int, *, compressed: bool) -> int | None:
    """Where the next WARC record starts at or after byte ``after``: a gzip member whose bytes
    begin ``WARC/1.`` in a compressed file, a line starting ``WARC/1.`` in a plain one; None
    at the end of the file."""
    marker = b"\x1f\x8b\x08" if compressed else b"\nWARC/1."
    offset = after if compressed else after - 1  # (a plain marker starts with its "\n")
    while (found := _find(handle, marker, offset)) is not None:
        if not compressed:
            return found + 1
        if _opens_a_record(handle, found):
            return found
        offset = found + 1
    return None


def _find(handle: BinaryIO, marker: bytes, offset: int) -> int | None:
    """The offset of the first ``marker`` at or after ``offset``, read in bounded pieces."""
    handle.seek(max(offset, 0))
    offset = handle.tell()
    carry = b""
    while chunk := handle.read(1 << 20):
        found = (carry + chunk).find(marker)
        if found >= 0:
            return offset - len(carry) + found
        carry = (carry + chunk)[-(len(marker) - 1) :]
        offset += len(chunk)
    return None


def _opens_a_record(handle: BinaryIO, offset: int) -> bool:
    """Whether a gzip member starting at ``offset`` decompresses to a WARC record's first
    line (and is not three bytes inside another member that look like a gzip header)."""
    handle.seek(offset)
    try:
        head = zlib.decompressobj(wbits=31).decompress(handle.read(1 << 14), 16)
    except zlib.error:
        return False
    return head.startswith(b"WARC/1.")


def _warc_page(record: WarcRecord, where: str, now: datetime) -> Record | str | None:
    """A WARC record's HTML page, what is wrong with it, or None when it holds no page."""
    if record.record_type != WarcRecordType.response:
        return None
    url = record.headers.get("WARC-Target-URI")
    if not url:
        return "a response record without WARC-Target-URI"
    if problem := http_url_problem(url):
        return f"its WARC-Target-URI {problem}"
    record.is_http = True  # a response record holds HTTP, whatever its own Content-Type says
    record.parse_http(auto_decode="all")  # the body as sent, less its transfer/content coding
    kind = record.http_content_type or ""
    if "html" not in kind.lower():
        return None
    try:
        dated = _published(record.headers.get("WARC-Date"), now)
    except ValueError:
        dated = None
    body = record.reader.read(MAX_PAGE_BYTES + 1)
    if len(body) > MAX_PAGE_BYTES:
        return where, _too_large(where)
    return where, Page(body, url, None, dated)


def _jsonl_records(source: Input, now: datetime) -> Iterator[Record | CorpusProblem]:
    for where, row in _json_rows(source):
        if isinstance(row, CorpusProblem):
            yield row
            continue
        try:
            published = _published(row.get("published"), now)
            url = _record_url(_text_field(row, "url"), "url") or (
                f"{source.uri}#{where.rsplit(':', 1)[-1]}"
            )
            title = _text_field(row, "title")
            text, page = _text_field(row, "text"), _text_field(row, "html")
        except ValueError as exc:
            yield CorpusProblem(where, str(exc))
            continue
        if text is not None:
            if not text.strip():
                yield where, Rejected("corpus", "empty", where)
                continue
            yield where, parse_json_article({**row, "title": title}, url=url, text=text, now=now)
        elif page is not None:
            yield where, Page(page, url, published, None, title)
        else:
            yield CorpusProblem(where, 'record has neither "text" nor "html"')


def _published(value: object, now: datetime) -> datetime | None:
    """A record's date (``published``, WARC-Date); ValueError when it is none a news article
    can have (``plausible_published``)."""
    stamp = parse_published(value)
    if stamp is not None and plausible_published(stamp, now) is None:
        raise ValueError(f"published: {value!r} is out of range (1990 to a day from now)")
    return stamp


def _record_url(url: str | None, field: str) -> str | None:
    """A record's own URL, when it gives one; ValueError when it is not one an article can
    have (http(s), a host, at most 2,048 characters): a ``javascript:`` URL would become an
    alert's link, and one too long for the store would stop the replay."""
    if url is not None and (problem := http_url_problem(url)):
        raise ValueError(f'"{field}" {problem}')
    return url


def _too_large(where: str) -> Rejected:
    return Rejected("corpus", "too_large", f"{where}: over {MAX_PAGE_BYTES} bytes")


def _text_field(row: dict[str, Any], name: str) -> str | None:
    """A record's optional text field; ValueError naming it when it is not text."""
    value = row.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f'"{name}" must be text, got {type(value).__name__}')


def _json_rows(source: Input) -> Iterator[tuple[str, dict[str, Any] | CorpusProblem]]:
    """Each row of a JSON Lines file, named by its file and line."""
    with open_input(source) as handle:
        for number, raw in enumerate(_bounded_lines(handle), start=1):
            where = f"{source.display}:{number}"
            if raw is None:
                yield (
                    where,
                    CorpusProblem(where, f"line over {MAX_PAGE_BYTES} bytes: skipped unread"),
                )
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield where, CorpusProblem(where, f"not UTF-8 (byte {exc.start + 1})")
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield where, CorpusProblem(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(row, dict):
                yield where, CorpusProblem(where, "expected a JSON object")
                continue
            yield where, row


def _bounded_lines(handle: BinaryIO) -> Iterator[bytes | None]:
    """Each line of ``handle``; None for a line over ``MAX_PAGE_BYTES``, which is read past in
    bounded pieces, never held whole."""
    while raw := handle.readline(MAX_PAGE_BYTES + 1):
        if len(raw) <= MAX_PAGE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while rest := handle.readline(1 << 16):
            if rest.endswith(b"\n"):
                break
        yield None


def read_gold(path: Path) -> list[GoldEvent]:
    """The tracked-base events of a gold file; CorpusError naming the line of a bad row."""
    gold: list[GoldEvent] = []
    try:
        for where, row in _json_rows(Input(str(path), "jsonl", 0)):
            if isinstance(row, CorpusProblem):
                raise CorpusError(f"gold: {row.where}: {row.message}")
            try:
                gold += gold_events(row)
            except (KeyError, TypeError, ValueError) as exc:
                raise CorpusError(f"gold: {where}: not a gold document ({exc})") from exc
    except UnreadableInput as exc:
        raise CorpusError(f"gold: {path}: {exc.why}") from exc
    return gold
