"""Replay archived corpora through the same unit of work as the daemon: ``replay``.

Two stages, so that an archive of any size replays in flat memory on every core, or on a
cluster:

1. prepare, as tasks (``monitor.prepare``) on a Dask cluster or in this process
   (``monitor.engine``): the inputs are streamed record by record, each record that may name a
   tracked base (the cheap check of ``pipeline.relevance``, as in the daemon) is extracted
   (pages) and run through the extractor; the others are counted and dropped. What the tasks
   return is spooled to a temporary SQLite file as they finish;
2. replay, here: the spool is read back in publication order (undated last, then in input
   order) and each article goes through ``process_article`` with "now" at its publication
   time, so "new", "old" and "duplicate" mean what they meant on the day.

``backtest`` replays into a fresh temporary store and scores the events against gold labels.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import structlog

from monitor.corpora import CorpusProblem, list_inputs, read_gold
from monitor.engine import Engine, open_engine
from monitor.pipeline.detect import detect_events
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.score import GoldEvent, Score, score_events
from monitor.pipeline.window import Window, outside_window
from monitor.prepare import MAX_PROBLEMS_KEPT, Prepared, ShardResult
from monitor.process import AlertPolicy, Detector, process_article
from monitor.records import Alert, Article, Event, Rejected, Report
from monitor.store import Store, open_store
from monitor.store import articles as article_store
from monitor.store import events as event_store
from monitor.store import outbox as outbox_store

log = structlog.get_logger()


@dataclass(slots=True)
class ReplayResult:
    """Counts of what a replay read and did; only the first problems (in input order) are
    kept."""

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


class Progress(Protocol):
    """What a replay reports as it goes (a terminal progress display, say)."""

    def started(self, *, tasks: int, workers: int | None, dashboard: str | None) -> None:
        """Stage 1 starts: its tasks, the worker threads running them (None: this process),
        and the Dask dashboard's address when one is running."""

    def reading(self, *, tasks: int, done: int, records: int, relevant: int, reports: int) -> None:
        """Stage 1: tasks done (of how many), records read, how many of them were prepared
        (may name a base), reports found."""

    def replaying(self, *, done: int, total: int, events: int) -> None:
        """Stage 2: articles replayed so far, of how many; events created."""


def replay(
    paths: Sequence[str | Path],
    *,
    store: Store,
    rules: Ruleset,
    policy: AlertPolicy,
    now: datetime,
    detect: Detector = detect_events,
    workers: int = 1,
    cluster: str | None = None,
    shard_bytes: int | None = None,
    progress: Progress | None = None,
    prefix: str | None = None,
    window: Window | None = None,
) -> ReplayResult:
    """Process every record of the corpora at ``paths`` (local paths or URLs; listings under
    ``prefix``), only the articles published in ``window`` when one is given; ``now`` dates
    undated articles.

    The records are prepared on the Dask scheduler at ``cluster``, else in ``workers``
    processes (one: in this one); ``shard_bytes`` sizes their tasks (``monitor.engine``).
    CorpusError (before anything is read) when a path is missing or of no known kind.
    """
    listed = list_inputs(paths, prefix=prefix, window=window)
    inputs = listed.inputs
    outcome = ReplayResult(files_outside=listed.outside)
    with tempfile.TemporaryDirectory(prefix="monitor-replay-") as work:
        spool = _Spool(Path(work) / "spool.db")
        try:
            with open_engine(
                inputs, workers=workers, cluster=cluster, shard_bytes=shard_bytes
            ) as engine:
                _prepare(engine, spool, outcome, rules, detect, now, progress, window)
            _replay_spool(spool, outcome, store, rules, policy, now, detect, progress)
        finally:
            spool.close()
    return outcome


# -- prepare ------------------------------------------------------------------------------


def _prepare(
    engine: Engine,
    spool: _Spool,
    outcome: ReplayResult,
    rules: Ruleset,
    detect: Detector,
    now: datetime,
    progress: Progress | None,
    window: Window | None,
) -> None:
    """Spool what the tasks prepare as they finish (those published in ``window``, when one
    is given), and count the rest."""
    tasks = len(engine.shards)
    workers = None if engine.client is None else engine.threads
    if progress is not None:
        progress.started(tasks=tasks, workers=workers, dashboard=engine.dashboard)
    if workers is not None:
        log.info("replay_cluster", tasks=tasks, workers=workers, dashboard=engine.dashboard)
    problems: list[tuple[tuple[int, int], CorpusProblem]] = []
    reports = 0
    for done, result in enumerate(engine.run(rules=rules, detect=detect, now=now), start=1):
        for item in result.prepared:
            if window and (outside := outside_window(item.article, window, item.article.url)):
                outcome.skipped[f"{outside.stage}: {outside.reason}"] += 1
                continue
            spool.add(item)
            reports += len(item.reports)
        _count(result, outcome, problems)
        if progress is not None:
            relevant = outcome.records - outcome.unread
            progress.reading(
                tasks=tasks, done=done, records=outcome.records, relevant=relevant, reports=reports
            )
    outcome.problems = [problem for _, problem in sorted(problems)[:MAX_PROBLEMS_KEPT]]


def _count(
    result: ShardResult,
    outcome: ReplayResult,
    problems: list[tuple[tuple[int, int], CorpusProblem]],
) -> None:
    """A task's counts added to the replay's; its problems logged, the first ones kept."""
    outcome.records += result.records
    outcome.unread += result.unread
    for where, rejected in result.rejected:
        _count_skipped(outcome, where, rejected)
    outcome.problem_count += result.problem_count
    for order, problem in result.problems:
        log.warning("corpus_record_skipped", where=problem.where, problem=problem.message)
        if problem.unread_file:
            outcome.unread_files.append(problem.where)
        problems.append((order, problem))
    if len(problems) > 2 * MAX_PROBLEMS_KEPT:  # the first ones in input order, in bounded memory
        problems[:] = sorted(problems)[:MAX_PROBLEMS_KEPT]


# -- spool and replay ---------------------------------------------------------------------


class _Spool:
    """Prepared articles on disk, read back in publication order (undated last)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE spool"
            " (undated INTEGER, published REAL, shard INTEGER, record INTEGER, item BLOB)"
        )
        self._rows: list[tuple[bool, float, int, int, bytes]] = []
        self.size = 0

    def add(self, item: Prepared) -> None:
        published = item.article.published_at
        self._rows.append(
            (
                published is None,
                published.timestamp() if published else 0.0,
                *item.order,
                pickle.dumps((item.article, item.reports), protocol=pickle.HIGHEST_PROTOCOL),
            )
        )
        self.size += 1
        if len(self._rows) >= 256:
            self._flush()

    def ordered(self) -> Iterator[tuple[Article, tuple[Report, ...]]]:
        self._flush()
        cursor = self._db.execute(
            "SELECT item FROM spool ORDER BY undated, published, shard, record"
        )
        for (blob,) in cursor:
            # Our own records, written above by this process: not untrusted input.
            yield pickle.loads(blob)  # noqa: S301

    def close(self) -> None:
        self._db.close()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO spool VALUES (?, ?, ?, ?, ?)", self._rows)
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
    if rejected.stage == "prepare":
        log.error("record_failed", where=where, error=rejected.detail)
    else:
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
    cluster: str | None = None,
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
            cluster=cluster,
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
