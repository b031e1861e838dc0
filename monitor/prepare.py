"""The prepare stage of a replay, as tasks: ``split_shards``, ``prepare_shard``, ``census``.

The inputs are cut into shards: runs of small files, or byte ranges of a large WARC file, so
that no file is one long task while the other workers wait. ``prepare_shard`` is one task: it
streams its records, drops those that cannot name a tracked base beside an attack word (the
daemon's cheap check), extracts the pages and runs the extractor on what is left, and returns
only those prepared articles (about 1 % of a news crawl) with counts of the rest. It runs in a
Dask worker (``monitor.engine``) or in this process, the same function either way.

Records are numbered ``(shard, record within the shard)``: that is the order of the inputs,
however they were cut, so any number of workers spools the same articles in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from monitor.corpora import CorpusProblem, Input, Page, Piece, Record, read_records
from monitor.pipeline.extract import extract_article
from monitor.pipeline.relevance import may_report_an_attack
from monitor.pipeline.rules import Ruleset
from monitor.process import Detector
from monitor.records import Article, Rejected, Report

MAX_PROBLEMS_KEPT = 200  # per shard, and per replay; the rest are counted
SHARD_BYTES = 64 << 20  # the largest shard: a large WARC file is read in ranges of this size
MIN_SHARD_BYTES = 4 << 20  # smaller shards cost more in round trips than they balance


@dataclass(frozen=True, slots=True)
class Shard:
    """One task's share of the inputs, in input order."""

    index: int
    pieces: tuple[Piece, ...]
    # Only these records (numbered within the shard, problems included) are prepared, the
    # others are read past: how a record that kills its worker is found (``monitor.engine``).
    window: tuple[int, int] | None = None

    @property
    def size(self) -> int:
        """The input bytes it covers."""
        return sum(piece.size for piece in self.pieces)

    @property
    def where(self) -> str:
        """Where it starts, for messages."""
        first = self.pieces[0]
        return f"{first.source.display}@{first.start}" if first.start else first.source.display


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article ready for the replay stage, with its reports."""

    order: tuple[int, int]  # (shard, record): input order, breaks ties in publication time
    article: Article
    reports: tuple[Report, ...]


@dataclass(slots=True)
class ShardResult:
    """What one task returns: the prepared articles and counts of every other record."""

    shard: Shard
    prepared: list[Prepared] = field(default_factory=list)
    records: int = 0  # pages and articles read
    unread: int = 0  # could not name a tracked base: not extracted
    rejected: list[tuple[str, Rejected]] = field(default_factory=list)  # for another reason
    problems: list[tuple[tuple[int, int], CorpusProblem]] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, order: tuple[int, int], problem: CorpusProblem) -> None:
        """Count a problem; keep the first few."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append((order, problem))


def shard_bytes_for(total_bytes: int, workers: int) -> int:
    """A shard size giving each worker about four tasks, within [MIN_SHARD_BYTES,
    SHARD_BYTES]: enough to balance the load, few enough to cost little."""
    return max(MIN_SHARD_BYTES, min(SHARD_BYTES, total_bytes // (4 * max(workers, 1)) + 1))


def split_shards(inputs: Sequence[Input], *, shard_bytes: int) -> list[Shard]:
    """The inputs in shards of about ``shard_bytes``: consecutive small files together, a
    larger WARC file in byte ranges (each read from the first record starting in it), any
    other file whole."""
    shards: list[Shard] = []
    run: list[Piece] = []
    run_bytes = 0
    manifests: set[object] = set()  # a directory's manifest problems are told once

    def flush() -> None:
        nonlocal run, run_bytes
        if run:
            shards.append(Shard(len(shards), tuple(run)))
        run, run_bytes = [], 0

    for source in inputs:
        first_of_manifest = source.manifest not in manifests
        manifests.add(source.manifest)
        if source.kind == "warc" and source.size > shard_bytes:
            flush()
            starts = range(0, source.size, shard_bytes)
            for start in starts:
                end = start + shard_bytes if start + shard_bytes < source.size else None
                shards.append(Shard(len(shards), (Piece(source, start, end),)))
            continue
        if run and run_bytes + source.size > shard_bytes:
            flush()
        run.append(Piece(source, manifest_problems=first_of_manifest))
        run_bytes += source.size
    flush()
    return shards


def prepare_shard(shard: Shard, *, rules: Ruleset, detect: Detector, now: datetime) -> ShardResult:
    """The task: a shard's records read, checked, extracted and run through the extractor
    (only those in its window, when it has one)."""
    result = ShardResult(shard)
    for number, item in _numbered(shard, now):
        order = (shard.index, number)
        if isinstance(item, CorpusProblem):
            result.problem(order, item)
            continue
        result.records += 1
        where, record = item
        article, reports = prepare(record, where, rules, detect)
        if isinstance(article, Article):
            result.prepared.append(Prepared(order, article, reports))
        elif article.stage == "relevance":
            result.unread += 1
        else:
            result.rejected.append((where, article))
    return result


def census(shard: Shard, *, now: datetime) -> list[str]:
    """Where each record of a whole shard is (problems included), read without preparing
    any: the names of the records its windows number."""
    return [
        item.where if isinstance(item, CorpusProblem) else item[0]
        for item in read_records(shard.pieces, now=now)
    ]


def _numbered(shard: Shard, now: datetime) -> Iterator[tuple[int, Record | CorpusProblem]]:
    low, high = shard.window or (0, None)
    for number, item in enumerate(read_records(shard.pieces, now=now)):
        if high is not None and number >= high:
            return
        if number >= low:
            yield number, item


def prepare(
    record: Article | Page | Rejected, where: str, rules: Ruleset, detect: Detector
) -> tuple[Article | Rejected, tuple[Report, ...]]:
    """A record's article and reports, as the daemon would make them: a record that cannot
    name a tracked base is not extracted; a page is extracted, then the extractor runs. An
    unexpected error is the record's rejection (``prepare: failed``), naming the error."""
    if isinstance(record, Rejected):
        return record, ()
    body = record.body if isinstance(record, Page) else record.text
    title = record.title or ""  # the extractor reads the title too
    try:
        if not may_report_an_attack(body, rules) and not (
            title and may_report_an_attack(title, rules)
        ):
            return Rejected("relevance", "no_base_near_an_attack_word", where), ()
        article = record if isinstance(record, Article) else extract_page(record)
        if isinstance(article, Rejected):
            return article, ()
        return article, tuple(detect(article, rules))
    except Exception as exc:  # noqa: BLE001 - one odd page must not end a replay of millions
        return Rejected("prepare", "failed", f"{type(exc).__name__}: {exc}"[:500]), ()


def extract_page(page: Page) -> Article | Rejected:
    """A corpus page's article, dated by the page or else by its WARC record."""
    article = extract_article(
        page.body, url=page.url, published_at=page.published_at, title=page.title, origin="corpus"
    )
    if isinstance(article, Article) and article.published_at is None and page.fallback_at:
        return replace(article, published_at=page.fallback_at, published_source="warc")
    return article
