"""Replay archived corpora through the same unit of work as the daemon: ``replay``.

Inputs: directories of seed-style ``.txt`` files (with an optional ``manifest.jsonl`` giving
``file``, ``url``, ``published``, ``title``), single ``.txt`` files, JSON Lines files of
``{url, published, title, text}`` (or ``html`` instead of ``text``), and WARC files whose HTTP
response records hold HTML. Articles are processed in
publication order, undated ones last, with "now" taken from each article's publication time, so
"new", "old" and "duplicate" mean what they meant on the day.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from monitor.errors import CorpusError
from monitor.pipeline.corpus import parse_json_article, parse_published, parse_text_article
from monitor.pipeline.detect import detect_events
from monitor.pipeline.extract import extract_article
from monitor.pipeline.relevance import may_name_a_base
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.score import GoldEvent, Score, gold_events, score_events
from monitor.process import AlertPolicy, Detector, Processed, process_article
from monitor.records import Article, Event, Rejected
from monitor.store import Store, open_store
from monitor.store import events as event_store

log = structlog.get_logger()

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True, slots=True)
class CorpusProblem:
    """A corpus record that could not be read; replay goes on without it."""

    where: str  # "path:line"
    message: str


@dataclass(slots=True)
class ReplayResult:
    results: list[Processed] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)
    rejected: list[tuple[str, Rejected]] = field(default_factory=list)


def replay(
    paths: Sequence[Path],
    *,
    store: Store,
    rules: Ruleset,
    policy: AlertPolicy,
    now: datetime,
    detect: Detector = detect_events,
) -> ReplayResult:
    """Process every article of the corpora at ``paths``; ``now`` dates undated articles."""
    outcome = ReplayResult()
    articles: list[tuple[int, Article]] = []
    for item in read_corpus(paths, rules):
        if isinstance(item, CorpusProblem):
            log.warning("corpus_record_skipped", where=item.where, problem=item.message)
            outcome.problems.append(item)
        elif isinstance(item[1], Rejected):
            outcome.rejected.append((item[0], item[1]))
        else:
            articles.append((len(articles), item[1]))
    articles.sort(key=lambda pair: _order(pair[1], pair[0]))
    clock: datetime | None = None
    for _, article in articles:
        if article.published_at is not None:
            clock = article.published_at if clock is None else max(clock, article.published_at)
        outcome.results.append(
            process_article(
                article, store=store, rules=rules, now=clock or now, policy=policy, detect=detect
            )
        )
    return outcome


def read_corpus(
    paths: Sequence[Path], rules: Ruleset | None = None
) -> Iterator[CorpusProblem | tuple[str, Article | Rejected]]:
    """Every record of the given files and directories, or the problem reading it. With
    ``rules``, HTML pages that cannot name a tracked base are rejected unread (a cheap check
    on their bytes, never stricter than the extractor)."""
    for path in paths:
        if path.is_dir():
            yield from _read_directory(path, rules)
        elif path.is_file() and path.suffix == ".jsonl":
            yield from _read_jsonl(path, rules)
        elif path.is_file() and path.suffix in {".txt", ".text"}:
            yield from _read_text_files([path], {})
        elif path.is_file() and path.name.endswith((".warc", ".warc.gz")):
            yield from _read_warc(path, rules)
        elif path.exists():
            raise CorpusError(
                f"replay: {path}: unsupported file type (use .txt, .jsonl, .warc, .warc.gz or a "
                "directory)"
            )
        else:
            raise CorpusError(f"replay: {path}: no such file or directory")


def _read_directory(
    directory: Path, rules: Ruleset | None
) -> Iterator[CorpusProblem | tuple[str, Article | Rejected]]:
    manifest: dict[str, dict[str, Any]] = {}
    manifest_path = directory / MANIFEST
    if manifest_path.is_file():
        for where, row in _json_rows(manifest_path):
            if isinstance(row, CorpusProblem):
                yield row
            elif not isinstance(row.get("file"), str):
                yield CorpusProblem(where, 'manifest row has no "file"')
            else:
                manifest[row["file"]] = row
    texts = sorted(p for p in directory.iterdir() if p.suffix in {".txt", ".text"})
    corpora = sorted(
        p
        for p in directory.iterdir()
        if (p.suffix == ".jsonl" and p.name != MANIFEST) or p.name.endswith((".warc", ".warc.gz"))
    )
    if not texts and not corpora:
        raise CorpusError(f"replay: {directory}: no .txt, .jsonl or .warc files in this directory")
    yield from _read_text_files(texts, manifest)
    for corpus in corpora:
        if corpus.suffix == ".jsonl":
            yield from _read_jsonl(corpus, rules)
        else:
            yield from _read_warc(corpus, rules)


def _read_text_files(
    files: Sequence[Path], manifest: dict[str, dict[str, Any]]
) -> Iterator[CorpusProblem | tuple[str, Article | Rejected]]:
    for path in files:
        where = str(path)
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            yield CorpusProblem(where, f"not UTF-8 (byte {exc.start + 1})")
            continue
        except OSError as exc:
            yield CorpusProblem(where, f"cannot read: {exc.strerror}")
            continue
        meta = manifest.get(path.name, {})
        try:
            published = parse_published(meta.get("published"))
            url = _text_field(meta, "url") or path.resolve().as_uri()
            title = _text_field(meta, "title")
        except ValueError as exc:
            yield CorpusProblem(f"{path.parent / MANIFEST} ({path.name})", str(exc))
            continue
        if not raw.strip():
            yield where, Rejected("corpus", "empty", where)
            continue
        yield where, parse_text_article(raw, url=url, published=published, title=title)


def _read_warc(
    path: Path, rules: Ruleset | None
) -> Iterator[CorpusProblem | tuple[str, Article | Rejected]]:
    """The HTML pages of a WARC file's HTTP response records, dated by their WARC-Date unless
    the page gives its own date."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CorpusError(f"replay: {path}: cannot read: {exc.strerror}") from exc
    with handle:
        try:
            for number, record in enumerate(ArchiveIterator(handle), start=1):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                kind = record.http_headers.get_header("Content-Type") or ""
                if "html" not in kind.lower():
                    continue
                where = f"{path}#{number}"
                url = record.rec_headers.get_header("WARC-Target-URI") or where
                try:
                    published = parse_published(record.rec_headers.get_header("WARC-Date"))
                except ValueError:
                    published = None
                body = record.content_stream().read()
                article = _read_page(body, url=url, rules=rules)
                if isinstance(article, Article) and article.published_at is None and published:
                    article = replace(article, published_at=published, published_source="warc")
                yield where, article
        except ArchiveLoadFailed as exc:
            yield CorpusProblem(str(path), f"not a WARC file ({exc})")


def _read_jsonl(
    path: Path, rules: Ruleset | None
) -> Iterator[CorpusProblem | tuple[str, Article | Rejected]]:
    for where, row in _json_rows(path):
        if isinstance(row, CorpusProblem):
            yield row
            continue
        try:
            published = parse_published(row.get("published"))
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
            yield where, parse_json_article({**row, "title": title}, url=url, text=text)
        elif page is not None:
            yield where, _read_page(page, url=url, rules=rules, published=published, title=title)
        else:
            yield CorpusProblem(where, 'record has neither "text" nor "html"')


def _read_page(
    page: bytes | str,
    *,
    url: str,
    rules: Ruleset | None,
    published: datetime | None = None,
    title: str | None = None,
) -> Article | Rejected:
    """A corpus page's article; pages that cannot name a tracked base are not extracted."""
    raw = page.encode("utf-8", errors="replace") if isinstance(page, str) else page
    if rules is not None and not may_name_a_base(raw, rules):
        return Rejected("relevance", "names_no_tracked_base", url)
    return extract_article(page, url=url, published_at=published, title=title, origin="corpus")


def _text_field(row: dict[str, Any], name: str) -> str | None:
    """A record's optional text field; ValueError naming it when it is not text."""
    value = row.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f'"{name}" must be text, got {type(value).__name__}')


def _json_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | CorpusProblem]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CorpusError(f"replay: {path}: cannot read: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
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


def _order(article: Article, sequence: int) -> tuple[bool, datetime | None, int]:
    published = article.published_at
    return (published is None, published, sequence) if published else (True, None, sequence)


@dataclass(frozen=True, slots=True)
class Backtest:
    score: Score
    events: list[Event]
    replayed: ReplayResult


def backtest(
    paths: Sequence[Path],
    gold_path: Path,
    *,
    rules: Ruleset,
    now: datetime,
    detect: Detector = detect_events,
) -> Backtest:
    """Replay ``paths`` into a fresh temporary store and score its events against the gold."""
    gold = read_gold(gold_path)
    with tempfile.TemporaryDirectory(prefix="monitor-backtest-") as work:
        store = open_store(f"sqlite:///{Path(work) / 'backtest.db'}")
        store.upgrade()
        replayed = replay(
            paths, store=store, rules=rules, policy=AlertPolicy(), now=now, detect=detect
        )
        with store.begin() as conn:
            events = event_store.list_events(conn)
        store.engine.dispose()
    return Backtest(score_events(events, gold), events, replayed)


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
