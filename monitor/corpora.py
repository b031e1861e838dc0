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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import WARCIterator
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

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


def read_records(
    inputs: Sequence[Input], *, now: datetime
) -> Iterator[tuple[int, Record | CorpusProblem]]:
    """Every record of the inputs, or the problem reading it, with the input bytes read so
    far; a date after ``now`` (by more than a day) or before 1990 is no date."""
    offset = 0
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
    for source in inputs:
        meta: dict[str, Any] = {}
        if source.manifest is not None:
            if source.manifest not in manifests:
                manifests[source.manifest] = {}
                for problem in _read_manifest(source.manifest, manifests[source.manifest]):
                    yield offset, problem
            meta = manifests[source.manifest].get(source.path.name, {})
        records: Iterator[tuple[int, Record | CorpusProblem]]
        if source.kind == "jsonl":
            records = _read_jsonl(source.path, now)
        elif source.kind == "warc":
            records = _read_warc(source.path, now)
        else:
            records = _read_file(source, meta, now)
        for position, record in records:
            yield offset + position, record
        offset += source.size


def _read_manifest(path: Path, manifest: dict[str, dict[str, Any]]) -> Iterator[CorpusProblem]:
    """Fill ``manifest`` (file name -> row) from a directory's manifest; its bad rows."""
    for _, (where, row) in _json_rows(path):
        if isinstance(row, CorpusProblem):
            yield row
        elif not isinstance(row.get("file"), str):
            yield CorpusProblem(where, 'manifest row has no "file"')
        else:
            manifest[row["file"]] = row


def _read_file(
    source: Input, meta: dict[str, Any], now: datetime
) -> Iterator[tuple[int, Record | CorpusProblem]]:
    """A seed-style text file or an HTML page, with its manifest row (if any)."""
    path, where = source.path, str(source.path)
    if source.size > MAX_PAGE_BYTES:
        yield source.size, (where, _too_large(where))
        return
    try:
        raw = path.read_bytes()
        published = _published(meta.get("published"), now)
        url = _text_field(meta, "url") or path.resolve().as_uri()
        title = _text_field(meta, "title")
    except OSError as exc:
        yield source.size, CorpusProblem(where, f"cannot read: {exc.strerror}")
        return
    except ValueError as exc:
        yield source.size, CorpusProblem(f"{source.manifest} ({path.name})", str(exc))
        return
    if source.kind == "page":
        yield source.size, (where, Page(raw, url, published, None, title))
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield source.size, CorpusProblem(where, f"not UTF-8 (byte {exc.start + 1})")
        return
    if not text.strip():
        yield source.size, (where, Rejected("corpus", "empty", where))
        return
    article = parse_text_article(text, url=url, published=published, title=title, now=now)
    yield source.size, (where, article)


class _WarcRecords(WARCIterator):  # type: ignore[misc]  # warcio is untyped
    """warcio's WARC record iterator (not ARC: it would read a stray line as an ARC record,
    then fail every WARC record after it), without the warning it writes to stderr itself on
    a bad Content-Length (the record's problem is reported once, as one line, instead)."""

    INC_RECORD = ""


def _read_warc(path: Path, now: datetime) -> Iterator[tuple[int, Record | CorpusProblem]]:
    """The HTML pages of a WARC file's HTTP response records. A malformed record is a problem
    naming it and its byte offset; reading goes on with the next record, found again by its
    gzip member or ``WARC/1.`` line when the record's framing (its Content-Length) is wrong."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield 0, CorpusProblem(str(path), f"cannot read: {exc.strerror}")
        return
    with handle:
        compressed = handle.read(2) == b"\x1f\x8b"
        number, start = 0, 0
        while True:  # each start is past the last failure: this ends
            handle.seek(start)
            # HTTP headers are parsed in _warc_page, record by record, not by the iterator:
            # warcio stops the whole file at the first record whose headers it cannot parse.
            records = _WarcRecords(handle, no_record_parse=True)
            try:
                for record in records:
                    number += 1
                    where = f"{path}#{number}"
                    try:
                        page = _warc_page(records.loader, record, where, now)
                    except Exception as exc:  # noqa: BLE001 - warcio's errors on bad records vary
                        page = f"malformed ({type(exc).__name__})"
                    if isinstance(page, str):
                        problem = f"record at byte {records.offset}: {page}"
                        yield handle.tell(), CorpusProblem(where, problem)
                    elif page is not None:
                        yield handle.tell(), page
                return
            except Exception as exc:  # noqa: BLE001 - as above, for the framing of records
                # (not its message: ArchiveLoadFailed quotes the bytes it found)
                failed_at, number = records.offset, number + 1
                problem = f"record at byte {failed_at}: unreadable ({type(exc).__name__})"
                yield handle.tell(), CorpusProblem(f"{path}#{number}", problem)
                found = _next_warc_record(handle, failed_at + 1, compressed=compressed)
                if found is None:
                    return
                start = found


def _next_warc_record(handle: BinaryIO, after: int, *, compressed: bool) -> int | None:
    """Where the next record may start at or after byte ``after``: a gzip member's header in a
    compressed file, a line starting ``WARC/1.`` in a plain one; None at the end of the file."""
    marker = b"\x1f\x8b\x08" if compressed else b"\nWARC/1."
    handle.seek(after if compressed else after - 1)  # (a plain marker starts with its "\n")
    offset = handle.tell()
    carry = b""
    while chunk := handle.read(1 << 20):
        found = (carry + chunk).find(marker)
        if found >= 0:
            return offset - len(carry) + found + (0 if compressed else 1)
        carry = (carry + chunk)[-(len(marker) - 1) :]
        offset += len(chunk)
    return None


def _warc_page(
    loader: ArcWarcRecordLoader, record: ArcWarcRecord, where: str, now: datetime
) -> Record | str | None:
    """A WARC record's HTML page, what is wrong with it, or None when it holds no page."""
    if record.rec_type != "response":
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    if not url:
        return "a response record without WARC-Target-URI"
    record.http_headers = loader.load_http_headers(
        "response", url, record.raw_stream, record.length
    )
    if record.http_headers is None:
        return None
    kind = record.http_headers.get_header("Content-Type") or ""
    if "html" not in kind.lower():
        return None
    try:
        dated = _published(record.rec_headers.get_header("WARC-Date"), now)
    except ValueError:
        dated = None
    body = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(body) > MAX_PAGE_BYTES:
        return where, _too_large(where)
    return where, Page(body, url, None, dated)


def _read_jsonl(path: Path, now: datetime) -> Iterator[tuple[int, Record | CorpusProblem]]:
    try:
        yield from _jsonl_records(path, now)
    except CorpusError as exc:  # the file cannot be opened: the others are still read
        yield 0, CorpusProblem(str(path), str(exc).rsplit(": ", 1)[-1])


def _jsonl_records(path: Path, now: datetime) -> Iterator[tuple[int, Record | CorpusProblem]]:
    for position, (where, row) in _json_rows(path):
        if isinstance(row, CorpusProblem):
            yield position, row
            continue
        try:
            published = _published(row.get("published"), now)
            url = _text_field(row, "url") or f"{path.resolve().as_uri()}#{where.rsplit(':', 1)[-1]}"
            title = _text_field(row, "title")
            text, page = _text_field(row, "text"), _text_field(row, "html")
        except ValueError as exc:
            yield position, CorpusProblem(where, str(exc))
            continue
        if text is not None:
            if not text.strip():
                yield position, (where, Rejected("corpus", "empty", where))
                continue
            article = parse_json_article({**row, "title": title}, url=url, text=text, now=now)
            yield position, (where, article)
        elif page is not None:
            yield position, (where, Page(page, url, published, None, title))
        else:
            yield position, CorpusProblem(where, 'record has neither "text" nor "html"')


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


def _json_rows(
    path: Path,
) -> Iterator[tuple[int, tuple[str, dict[str, Any] | CorpusProblem]]]:
    """Each row of a JSON Lines file with the bytes read so far."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CorpusError(f"replay: {path}: cannot read: {exc.strerror}") from exc
    position = 0
    with handle:
        for number, (size, raw) in enumerate(_bounded_lines(handle), start=1):
            position += size
            where = f"{path}:{number}"
            if raw is None:
                problem = CorpusProblem(where, f"line over {MAX_PAGE_BYTES} bytes: skipped unread")
                yield position, (where, problem)
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield position, (where, CorpusProblem(where, f"not UTF-8 (byte {exc.start + 1})"))
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problem = CorpusProblem(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
                yield position, (where, problem)
                continue
            if not isinstance(row, dict):
                yield position, (where, CorpusProblem(where, "expected a JSON object"))
                continue
            yield position, (where, row)


def _bounded_lines(handle: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Each line of ``handle`` with its size; None for a line over ``MAX_PAGE_BYTES``, which is
    read past in bounded pieces, never held whole."""
    while raw := handle.readline(MAX_PAGE_BYTES + 1):
        if len(raw) <= MAX_PAGE_BYTES or raw.endswith(b"\n"):
            yield len(raw), raw
            continue
        size = len(raw)
        while rest := handle.readline(1 << 16):
            size += len(rest)
            if rest.endswith(b"\n"):
                break
        yield size, None


def read_gold(path: Path) -> list[GoldEvent]:
    """The tracked-base events of a gold file; CorpusError naming the line of a bad row."""
    gold: list[GoldEvent] = []
    for _, (where, row) in _json_rows(path):
        if isinstance(row, CorpusProblem):
            raise CorpusError(f"gold: {row.where}: {row.message}")
        try:
            gold += gold_events(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorpusError(f"gold: {where}: not a gold document ({exc})") from exc
    return gold
