"""Reading archived corpora, record by record: ``list_inputs``, ``read_records``, ``read_gold``.

Inputs, mixed freely: directories, searched recursively (of seed-style ``.txt`` files with an
optional ``manifest.jsonl`` giving ``file``, ``url``, ``published``, ``title``; of ``.html``
pages; of JSON Lines and WARC files), or such files named directly. A JSON Lines row is
``{url, published, title, text}``, or has ``html`` instead of ``text``. A WARC file's HTTP
response records holding HTML are pages dated by their WARC-Date unless the page gives its own
date. Nothing is held but the record in hand; a record that cannot be read is a
``CorpusProblem`` naming where it is, and reading goes on.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from monitor.errors import CorpusError
from monitor.pipeline.corpus import parse_json_article, parse_published, parse_text_article
from monitor.pipeline.dates import plausible_published
from monitor.pipeline.score import GoldEvent, gold_events
from monitor.records import Article, Rejected

MANIFEST = "manifest.jsonl"
TEXT_SUFFIXES = (".txt", ".text")
PAGE_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_PAGE_BYTES = 20_000_000  # larger "pages" (or texts, or JSON Lines rows) are not news articles


@dataclass(frozen=True, slots=True)
class CorpusProblem:
    """A corpus record that could not be read; replay goes on without it."""

    where: str  # "path:line"
    message: str


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

    path: Path
    kind: str  # "text", "page", "jsonl", "warc"
    size: int
    manifest: Path | None = None  # a text or page file's directory manifest


def list_inputs(paths: Sequence[Path]) -> list[Input]:
    """The files to read, directories expanded (sorted); CorpusError naming a path that is
    missing, of no known kind, or a directory with nothing to read."""
    inputs: list[Input] = []
    for path in paths:
        if path.is_dir():
            found = [
                _input(p, p.parent / MANIFEST if (p.parent / MANIFEST).is_file() else None)
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.name != MANIFEST
            ]
            if not any(found):
                raise CorpusError(
                    f"replay: {path}: no .txt, .html, .jsonl or .warc files in this directory"
                )
            inputs += [i for i in found if i is not None]
        elif path.is_file():
            found_file = _input(path, None)
            if found_file is None:
                raise CorpusError(
                    f"replay: {path}: unsupported file type (use .txt, .html, .jsonl, .warc, "
                    ".warc.gz or a directory)"
                )
            inputs.append(found_file)
        else:
            raise CorpusError(f"replay: {path}: no such file or directory")
    return inputs


def _input(path: Path, manifest: Path | None) -> Input | None:
    name = path.name.lower()
    kind = (
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
    if kind is None:
        return None
    return Input(path, kind, path.stat().st_size, manifest if kind in {"text", "page"} else None)


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


def open_input(path: Path) -> BinaryIO:
    """The one way an input (a corpus file, a manifest, a gold file) is opened for reading;
    OSError when it cannot be."""
    return path.open("rb")


def read_records(
    pieces: Iterable[Input | Piece], *, now: datetime
) -> Iterator[Record | CorpusProblem]:
    """Every record of the inputs (or pieces of them), in order, or the problem reading it; a
    date after ``now`` (by more than a day) or before 1990 is no date."""
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
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
            meta = manifests[source.manifest].get(source.path.name, {})
        if source.kind == "jsonl":
            yield from _read_jsonl(source.path, now)
        elif source.kind == "warc":
            yield from _read_warc(source.path, now, piece.start, piece.end)
        else:
            yield from _read_file(source, meta, now)


def _read_manifest(path: Path, manifest: dict[str, dict[str, Any]]) -> Iterator[CorpusProblem]:
    """Fill ``manifest`` (file name -> row) from a directory's manifest; its bad rows."""
    for where, row in _json_rows(path):
        if isinstance(row, CorpusProblem):
            yield row
        elif not isinstance(row.get("file"), str):
            yield CorpusProblem(where, 'manifest row has no "file"')
        else:
            manifest[row["file"]] = row


def _read_file(
    source: Input, meta: dict[str, Any], now: datetime
) -> Iterator[Record | CorpusProblem]:
    """A seed-style text file or an HTML page, with its manifest row (if any)."""
    path, where = source.path, str(source.path)
    if source.size > MAX_PAGE_BYTES:
        yield where, _too_large(where)
        return
    try:
        with open_input(path) as handle:
            raw = handle.read()
        published = _published(meta.get("published"), now)
        url = _text_field(meta, "url") or path.resolve().as_uri()
        title = _text_field(meta, "title")
    except OSError as exc:
        yield CorpusProblem(where, f"cannot read: {exc.strerror}")
        return
    except ValueError as exc:
        yield CorpusProblem(f"{source.manifest} ({path.name})", str(exc))
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
    path: Path, now: datetime, start: int, end: int | None
) -> Iterator[Record | CorpusProblem]:
    """The HTML pages of a WARC file's HTTP response records that start in ``[start, end)``,
    each named by its file and byte offset. A malformed record is a problem naming it; reading
    goes on with the next record, found again by its gzip member or ``WARC/1.`` line when the
    record's framing (its Content-Length) is wrong."""
    try:
        handle = open_input(path)
    except OSError as exc:
        yield CorpusProblem(str(path), f"cannot read: {exc.strerror}")
        return
    with handle:
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
                    except Exception as exc:  # noqa: BLE001 - fastwarc's errors on bad records vary
                        page = f"malformed ({type(exc).__name__})"
                    if isinstance(page, str):
                        yield CorpusProblem(where, page)
                    elif page is not None:
                        yield page
                return
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


def _read_jsonl(path: Path, now: datetime) -> Iterator[Record | CorpusProblem]:
    try:
        yield from _jsonl_records(path, now)
    except CorpusError as exc:  # the file cannot be opened: the others are still read
        yield CorpusProblem(str(path), str(exc).rsplit(": ", 1)[-1])


def _jsonl_records(path: Path, now: datetime) -> Iterator[Record | CorpusProblem]:
    for where, row in _json_rows(path):
        if isinstance(row, CorpusProblem):
            yield row
            continue
        try:
            published = _published(row.get("published"), now)
            url = _text_field(row, "url") or f"{path.resolve().as_uri()}#{where.rsplit(':', 1)[-1]}"
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


def _too_large(where: str) -> Rejected:
    return Rejected("corpus", "too_large", f"{where}: over {MAX_PAGE_BYTES} bytes")


def _text_field(row: dict[str, Any], name: str) -> str | None:
    """A record's optional text field; ValueError naming it when it is not text."""
    value = row.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f'"{name}" must be text, got {type(value).__name__}')


def _json_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | CorpusProblem]]:
    """Each row of a JSON Lines file, named by its file and line."""
    try:
        handle = open_input(path)
    except OSError as exc:
        raise CorpusError(f"replay: {path}: cannot read: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(_bounded_lines(handle), start=1):
            where = f"{path}:{number}"
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
    for where, row in _json_rows(path):
        if isinstance(row, CorpusProblem):
            raise CorpusError(f"gold: {row.where}: {row.message}")
        try:
            gold += gold_events(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorpusError(f"gold: {where}: not a gold document ({exc})") from exc
    return gold
