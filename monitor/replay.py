"""Replay archived corpora through the same unit of work as the daemon: ``replay``.

Three stages, so that an archive of any size replays in flat memory on every core:

1. read: the inputs are streamed record by record (``monitor.corpora``);
2. prepare: in a pool of worker processes, each record that may name a tracked base (the cheap
   check of ``pipeline.relevance``, as in the daemon) is extracted (pages) and run through the
   extractor; the others are counted and dropped. What remains is spooled to a temporary
   SQLite file;
3. replay: the spool is read back in publication order (undated last, then in input order) and
   each article goes through ``process_article`` with "now" at its publication time, so "new",
   "old" and "duplicate" mean what they meant on the day.

``backtest`` replays into a fresh temporary store and scores the events against gold labels.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import structlog

from monitor.corpora import CorpusProblem, Input, Page, Record, list_inputs, read_gold, read_records
from monitor.errors import CorpusError
from monitor.pipeline.detect import detect_events
from monitor.pipeline.extract import extract_article
from monitor.pipeline.relevance import may_name_a_base
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.score import GoldEvent, Score, score_events
from monitor.pipeline.window import Window, outside_window
from monitor.process import AlertPolicy, Detector, process_article
from monitor.records import Alert, Article, Event, Rejected, Report
from monitor.store import Store, open_store
from monitor.store import articles as article_store
from monitor.store import events as event_store
from monitor.store import outbox as outbox_store

log = structlog.get_logger()

MAX_PROBLEMS_KEPT = 200  # the rest are counted (and logged)
_BATCH_RECORDS = 16  # records per task sent to a worker
_BATCH_BYTES = 4 << 20
_IN_FLIGHT_PER_WORKER = 4  # tasks queued per worker: enough to keep it busy, no more


@dataclass(slots=True)
class ReplayResult:
    """Counts of what a replay read and did; only the first problems are kept."""

    records: int = 0  # pages and articles read
    unread: int = 0  # could not name a tracked base: not extracted, not recorded
    articles: int = 0  # recorded in the store
    duplicates: int = 0  # the same URL, text or a syndicated copy of one already recorded
    events_created: int = 0
    events_updated: int = 0
    alerts: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # "stage: reason" -> records
    problems: list[CorpusProblem] = field(default_factory=list)
    problem_count: int = 0
    unread_files: list[str] = field(default_factory=list)  # every one, after its retries
    files_outside: int = 0  # CC-NEWS files skipped unread: crawled outside the window

    def problem(self, problem: CorpusProblem) -> None:
        log.warning("corpus_record_skipped", where=problem.where, problem=problem.message)
        if problem.unread_file:
            self.unread_files.append(problem.where)
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


class Progress(Protocol):
    """What a replay reports as it goes (a terminal progress display, say)."""

    def reading(self, *, done_bytes: int, total_bytes: int, records: int, reports: int) -> None:
        """Stage 2: input bytes read so far, records read, reports found."""

    def replaying(self, *, done: int, total: int, events: int) -> None:
        """Stage 3: articles replayed so far, of how many; events created."""


def replay(
    paths: Sequence[str | Path],
    *,
    store: Store,
    rules: Ruleset,
    policy: AlertPolicy,
    now: datetime,
    detect: Detector = detect_events,
    workers: int = 1,
    progress: Progress | None = None,
    prefix: str | None = None,
    window: Window | None = None,
) -> ReplayResult:
    """Process every record of the corpora at ``paths`` (local paths or URLs; listings under
    ``prefix``), only the articles published in ``window`` when one is given; ``now`` dates
    undated articles.

    ``workers`` > 1 prepares records in that many processes. CorpusError (before anything is
    read) when a path is missing or of no known kind.
    """
    listed = list_inputs(paths, prefix=prefix, window=window)
    inputs = listed.inputs
    outcome = ReplayResult(files_outside=listed.outside)
    with tempfile.TemporaryDirectory(prefix="monitor-replay-") as work:
        spool = _Spool(Path(work) / "spool.db")
        try:
            reports = 0
            total_bytes = sum(i.size for i in inputs)
            prepared = _prepare_all(_counted(inputs, outcome, now), rules, detect, workers)
            for done_bytes, item in prepared:
                if isinstance(item, _Prepared):
                    if isinstance(item.article, Rejected):
                        _count_skipped(outcome, item.where, item.article)
                    elif window and (outside := outside_window(item.article, window, item.where)):
                        outcome.skipped[f"{outside.stage}: {outside.reason}"] += 1
                    else:
                        spool.add(item)
                        reports += len(item.reports)
                if progress is not None:
                    progress.reading(
                        done_bytes=done_bytes,
                        total_bytes=total_bytes,
                        records=outcome.records,
                        reports=reports,
                    )
            if progress is not None:  # compressed inputs end short of their size
                progress.reading(
                    done_bytes=total_bytes,
                    total_bytes=total_bytes,
                    records=outcome.records,
                    reports=reports,
                )
            _replay_spool(spool, outcome, store, rules, policy, now, detect, progress)
        finally:
            spool.close()
    return outcome


def _counted(
    inputs: Sequence[Input], outcome: ReplayResult, now: datetime
) -> Iterator[tuple[int, Record]]:
    """The records of the inputs, counted; their problems go to ``outcome``."""
    for position, record in read_records(inputs, now=now):
        if isinstance(record, CorpusProblem):
            outcome.problem(record)
            continue
        outcome.records += 1
        yield position, record


# -- prepare ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    sequence: int  # input order: breaks ties between articles published at the same time
    where: str
    article: Article | Rejected
    reports: tuple[Report, ...]


def prepare(
    record: Article | Page | Rejected, where: str, rules: Ruleset, detect: Detector
) -> tuple[Article | Rejected, tuple[Report, ...]]:
    """A record's article and reports, as the daemon would make them: a record that cannot
    name a tracked base is not extracted; a page is extracted, then the extractor runs."""
    if isinstance(record, Rejected):
        return record, ()
    body = record.body if isinstance(record, Page) else record.text
    title = record.title or ""  # the extractor reads the title too
    try:
        if not may_name_a_base(body, rules) and not (title and may_name_a_base(title, rules)):
            return Rejected("relevance", "names_no_tracked_base", where), ()
        article = record if isinstance(record, Article) else extract_page(record)
        if isinstance(article, Rejected):
            return article, ()
        return article, tuple(detect(article, rules))
    except Exception as exc:  # noqa: BLE001 - one odd page must not end a replay of millions
        log.error("record_failed", where=where, error=f"{type(exc).__name__}: {exc}"[:500])
        return Rejected("prepare", "failed", f"{where}: {type(exc).__name__}"), ()


def extract_page(page: Page) -> Article | Rejected:
    """A corpus page's article, dated by the page or else by its WARC record."""
    article = extract_article(
        page.body, url=page.url, published_at=page.published_at, title=page.title, origin="corpus"
    )
    if isinstance(article, Article) and article.published_at is None and page.fallback_at:
        return replace(article, published_at=page.fallback_at, published_source="warc")
    return article


_WARM_UP = Page(
    (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Drones hit Harir air"
        " base | News</title><meta property='article:published_time' content='2024-01-28T20:00"
        ":00Z'><meta name='author' content='Staff'><link rel='canonical' href='https://news."
        "example/harir'></head><body><header><nav><a href='/'>Home</a> <a href='/world'>World"
        "</a></nav></header><main><article><h1>Drones hit Harir air base</h1><p class='byline'"
        ">By Staff, 28 January 2024</p><p>Two drones targeted Harir air base north of Erbil on"
        " Sunday evening, Kurdistan Region security officials said.</p><p>The Islamic "
        "Resistance in Iraq claimed the attack, the third on the base this month; there were "
        "no casualties and no damage, a coalition spokesman said on Monday.</p><table><tr><td>"
        "Rockets</td><td>3</td></tr></table><ul><li>Related: attacks on US bases</li></ul>"
        "</article></main><aside><a href='/more'>More stories</a></aside><footer><p>© News "
        "2024. All rights reserved.</p></footer></body></html>"
    ),
    "https://news.example/harir",
    None,
    None,
)  # a typical news page, prepared once before the workers start (see _prepare_all)

_Task = list[tuple[int, str, Article | Page | Rejected]]
_worker: tuple[Ruleset, Detector] | None = None


def _start_worker(rules: Ruleset, detect: Detector) -> None:
    global _worker  # one per worker process, set once at its start
    _worker = (rules, detect)


def _prepare_task(task: _Task) -> list[_Prepared]:
    assert _worker is not None, "worker not started"
    rules, detect = _worker
    return [
        _Prepared(seq, where, *prepare(record, where, rules, detect)) for seq, where, record in task
    ]


def _prepare_all(
    records: Iterable[tuple[int, Record]], rules: Ruleset, detect: Detector, workers: int
) -> Iterator[tuple[int, _Prepared]]:
    """Each record prepared, with the input bytes read when it was; in input order with one
    worker, as they finish with more (the spool restores the order)."""
    numbered = ((position, (seq, *record)) for seq, (position, record) in enumerate(records))
    if workers <= 1:
        for position, (seq, where, record) in numbered:
            yield position, _Prepared(seq, where, *prepare(record, where, rules, detect))
        return
    # fork: the workers inherit the compiled rules instead of compiling them again, and what
    # the extractors build on first use (their regexes, parsers, tables), warmed up here once.
    prepare(_WARM_UP, "warm-up", rules, detect)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(rules, detect)
    ) as pool:
        pending: dict[Future[list[_Prepared]], int] = {}
        try:
            for position, task in _tasks(numbered):
                pending[pool.submit(_prepare_task, task)] = position
                while len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                    yield from _finished(pending, wait(pending, return_when=FIRST_COMPLETED).done)
            while pending:
                yield from _finished(pending, wait(pending, return_when=FIRST_COMPLETED).done)
        except BrokenProcessPool as exc:
            raise CorpusError(
                "replay: a worker process died (out of memory, or a crash in a parser); "
                "nothing was recorded: run again with --workers 1 to see which record"
            ) from exc


def _tasks(
    numbered: Iterable[tuple[int, tuple[int, str, Article | Page | Rejected]]],
) -> Iterator[tuple[int, _Task]]:
    """Records in batches of a few (or a few megabytes), so that each costs one round trip."""
    task: _Task = []
    size = 0
    position = 0
    for position, item in numbered:
        record = item[2]
        task.append(item)
        size += len(record.body) if isinstance(record, Page) else 0
        if len(task) >= _BATCH_RECORDS or size >= _BATCH_BYTES:
            yield position, task
            task, size = [], 0
    if task:
        yield position, task


def _finished(
    pending: dict[Future[list[_Prepared]], int], done: Iterable[Future[list[_Prepared]]]
) -> Iterator[tuple[int, _Prepared]]:
    for future in done:
        position = pending.pop(future)
        for prepared in future.result():
            yield position, prepared


# -- spool and replay ---------------------------------------------------------------------


class _Spool:
    """Prepared articles on disk, read back in publication order (undated last)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE spool (undated INTEGER, published REAL, sequence INTEGER, item BLOB)"
        )
        self._rows: list[tuple[int, float, int, bytes]] = []
        self.size = 0

    def add(self, item: _Prepared) -> None:
        published = item.article.published_at if isinstance(item.article, Article) else None
        self._rows.append(
            (
                published is None,
                published.timestamp() if published else 0.0,
                item.sequence,
                pickle.dumps((item.article, item.reports), protocol=pickle.HIGHEST_PROTOCOL),
            )
        )
        self.size += 1
        if len(self._rows) >= 256:
            self._flush()

    def ordered(self) -> Iterator[tuple[Article, tuple[Report, ...]]]:
        self._flush()
        cursor = self._db.execute("SELECT item FROM spool ORDER BY undated, published, sequence")
        for (blob,) in cursor:
            # Our own records, written above by this process: not untrusted input.
            yield pickle.loads(blob)  # noqa: S301

    def close(self) -> None:
        self._db.close()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO spool VALUES (?, ?, ?, ?)", self._rows)
        self._rows.clear()


def _replay_spool(
    spool: _Spool,
    outcome: ReplayResult,
    store: Store,
    rules: Ruleset,
    policy: AlertPolicy,
    now: datetime,
    detect: Detector,
    progress: Progress | None,
) -> None:
    clock: datetime | None = None
    for done, (article, reports) in enumerate(spool.ordered(), start=1):
        if article.published_at is not None:
            clock = article.published_at if clock is None else max(clock, article.published_at)
        result = process_article(
            article,
            store=store,
            rules=rules,
            now=clock or now,
            policy=policy,
            detect=detect,
            reports=reports,
        )
        if result.rejected is not None:
            outcome.duplicates += 1
        else:
            outcome.articles += 1
        outcome.events_created += len(result.created)
        outcome.events_updated += len(result.updated)
        outcome.alerts += len(result.alerts)
        if progress is not None:
            progress.replaying(done=done, total=spool.size, events=outcome.events_created)


def _count_skipped(outcome: ReplayResult, where: str, rejected: Rejected) -> None:
    if rejected.stage == "relevance":
        outcome.unread += 1
        return
    log.info("corpus_record_skipped", where=where, stage=rejected.stage, reason=rejected.reason)
    outcome.skipped[f"{rejected.stage}: {rejected.reason}"] += 1


# -- backtest -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backtest:
    score: Score | None  # None without gold labels
    events: list[Event]
    replayed: ReplayResult
    alerts: list[Alert]  # every alert the replay recorded (none were sent)
    gold: list[GoldEvent]
    published: dict[str, datetime]  # a gold document's URL -> when its article was published


def backtest(
    paths: Sequence[str | Path],
    gold_path: Path | None,
    *,
    rules: Ruleset,
    now: datetime,
    detect: Detector = detect_events,
    workers: int = 1,
    progress: Progress | None = None,
    prefix: str | None = None,
    window: Window | None = None,
) -> Backtest:
    """Replay ``paths`` into a fresh temporary store and score its events against the gold
    (when given)."""
    gold = read_gold(gold_path) if gold_path is not None else None
    with tempfile.TemporaryDirectory(prefix="monitor-backtest-") as work:
        store = open_store(f"sqlite:///{Path(work) / 'backtest.db'}")
        store.upgrade()
        replayed = replay(
            paths,
            store=store,
            rules=rules,
            policy=AlertPolicy(),
            now=now,
            detect=detect,
            workers=workers,
            progress=progress,
            prefix=prefix,
            window=window,
        )
        with store.begin() as conn:
            events = event_store.list_events(conn)
            alerts = outbox_store.list_alerts(conn)
            urls = {url for g in gold or () for url in g.urls}
            published = article_store.published_at_of(conn, urls)
        store.engine.dispose()
    score = score_events(events, gold) if gold is not None else None
    return Backtest(score, events, replayed, alerts, gold or [], published)
