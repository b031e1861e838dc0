"""The prepare stage on Dask: shards read every record once, a cluster finds what one process
finds, a killed worker changes nothing, a record that kills its worker is named and skipped."""

from __future__ import annotations

import gzip
import html
import json
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client, LocalCluster

from monitor.corpora import CorpusProblem, list_inputs, read_records
from monitor.engine import open_engine
from monitor.pipeline.detect import detect_events
from monitor.pipeline.rules import Ruleset
from monitor.prepare import split_shards
from monitor.process import AlertPolicy, Detector
from monitor.records import Article, Report
from monitor.replay import ReplayResult, replay
from monitor.store import events as event_store
from monitor.store import open_store
from monitor.store import outbox as outbox_store
from tests.archives import write_warc
from tests.conftest import SEEDS, SHARED

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIXTURES = SHARED / "fixtures" / "html"
DEV = SHARED / "corpus" / "dev.jsonl"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One LocalCluster of two worker processes for the module (a start costs seconds): a
    task is retried once after its worker dies, then KilledWorker; one task per worker; a
    result left on a killed worker is given up after 5 s of failed connections, not 30."""
    config = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
        "distributed.comm.timeouts.connect": "5s",
    }
    with (
        dask.config.set(config),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
    ):
        yield local.scheduler_address


@pytest.fixture(scope="module")
def fixture_warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WARC of 60 ordinary fixture pages with 12 labelled articles among them."""
    if not FIXTURES.is_dir() or not DEV.is_file():
        pytest.skip(f"{SHARED} (fixtures and corpus) is not there")
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    labelled = [
        (row["url"], _as_page(row["text"]), f"{row['published'][:10]}T12:00:00Z")
        for row in rows
        if row.get("published")
    ][:12]
    ordinary = [
        (f"https://news.example/{page.name}", page.read_bytes(), "2024-02-01T00:00:00Z")
        for page in sorted(FIXTURES.glob("*.html"))[:60]
    ]
    path = tmp_path_factory.mktemp("warc") / "fixtures.warc.gz"
    write_warc(
        path,
        ordinary[:48]
        + [page for pair in zip(ordinary[48:], labelled, strict=True) for page in pair],
    )
    return path


@pytest.fixture(scope="module")
def fixture_outcome(
    fixture_warc: Path, rules: Ruleset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, ...]:
    """What one process records from the fixture WARC."""
    return _outcome(tmp_path_factory.mktemp("alone"), rules, [fixture_warc], workers=1)


def _as_page(text: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return f"<html><body><article>{paragraphs}</article></body></html>".encode()


def _outcome(tmp_path: Path, rules: Ruleset, paths: list[Path], **options: Any) -> tuple[Any, ...]:
    """What a replay recorded (events, alerts) and counted, from a fresh store."""
    store = open_store(f"sqlite:///{tmp_path / f'{len(list(tmp_path.iterdir()))}.db'}")
    store.upgrade()
    result = replay(paths, store=store, rules=rules, policy=AlertPolicy(), now=NOW, **options)
    with store.begin() as conn:
        recorded = (event_store.list_events(conn), outbox_store.list_alerts(conn))
    store.engine.dispose()
    return (*recorded, _counts(result))


def _counts(result: ReplayResult) -> tuple[Any, ...]:
    return (
        result.records,
        result.unread,
        result.articles,
        result.duplicates,
        dict(result.skipped),
        result.problem_count,
    )


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_byte_ranges_read_every_record_exactly_once(
    fixture_warc: Path, tmp_path: Path, compressed: bool
) -> None:
    """A WARC file cut into ranges far smaller than its records gives, range after range, the
    same records as the whole file read at once: none lost, none read twice."""
    archive = fixture_warc
    if not compressed:
        archive = tmp_path / "plain.warc"
        archive.write_bytes(gzip.decompress(fixture_warc.read_bytes()))
    inputs = list_inputs([archive]).inputs
    whole = [_name(item) for item in read_records(inputs, now=NOW)]
    shards = split_shards(inputs, shard_bytes=7_000)
    assert len(shards) > 2 * len(whole)
    pieces = [_name(item) for shard in shards for item in read_records(shard.pieces, now=NOW)]
    assert pieces == whole
    assert len(whole) == 72


def _name(item: Any) -> str:
    return str(item.where if isinstance(item, CorpusProblem) else item[0])


@pytest.mark.parametrize("corpus", [SEEDS, DEV], ids=["seeds", "dev.jsonl"])
def test_a_cluster_finds_what_one_process_finds(
    cluster: str, rules: Ruleset, tmp_path: Path, corpus: Path
) -> None:
    """Two Dask workers, given the inputs in many small tasks, record exactly the events,
    alerts and counts of one process."""
    alone = _outcome(tmp_path, rules, [corpus], workers=1)
    on_cluster = _outcome(tmp_path, rules, [corpus], cluster=cluster, shard_bytes=4_000)
    assert on_cluster == alone
    assert alone[0]


class _KillOnce:
    """A progress display that, when the first task is done, kills (SIGKILL) a worker process
    busy with another task."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.killed: int | None = None

    def started(self, *, tasks: int, workers: int | None, dashboard: str | None) -> None:
        pass

    def reading(self, *, tasks: int, done: int, records: int, relevant: int, reports: int) -> None:
        if self.killed is not None:
            return
        with Client(self.address, set_as_default=False) as client:
            busy = [worker for worker, keys in client.processing().items() if keys]
            self.killed = client.run(os.getpid, workers=busy[:1])[busy[0]]
        os.kill(self.killed, signal.SIGKILL)

    def replaying(self, *, done: int, total: int, events: int) -> None:
        pass


@pytest.mark.parametrize("kill", [False, True], ids=["undisturbed", "a-worker-killed-mid-run"])
def test_a_cluster_replays_a_warc_as_one_process_does(
    cluster: str,
    fixture_warc: Path,
    fixture_outcome: tuple[Any, ...],
    rules: Ruleset,
    tmp_path: Path,
    kill: bool,
) -> None:
    """A WARC file cut into byte ranges, on two workers, records what one process does; a
    worker process killed while it prepares a task costs that task only: it runs again."""
    killer = _KillOnce(cluster) if kill else None
    on_cluster = _outcome(
        tmp_path, rules, [fixture_warc], cluster=cluster, shard_bytes=50_000, progress=killer
    )
    assert on_cluster == fixture_outcome
    assert fixture_outcome[0]
    assert killer is None or killer.killed is not None


def _dies_on_tanf(article: Article, rules: Ruleset) -> list[Report]:
    if "Tanf" in article.text:
        os._exit(3)  # a worker killed mid-record, as by a parser's crash
    return detect_events(article, rules)


def test_a_record_that_kills_its_worker_is_named_and_skipped(
    cluster: str, rules: Ruleset, tmp_path: Path
) -> None:
    """A record that kills every worker that prepares it is found by cutting its task down,
    reported by its file as a problem and skipped; every other record is replayed."""
    detect: Detector = _dies_on_tanf
    result = replay(
        [SEEDS],
        store=_store(tmp_path),
        rules=rules,
        policy=AlertPolicy(),
        now=NOW,
        detect=detect,
        cluster=cluster,
        shard_bytes=10_000,
    )
    (problem,) = result.problems
    assert problem.where == str(SEEDS / "002_92522f6ea047d03a.txt")
    assert problem.message == "preparing it killed the worker every time: skipped"
    assert (result.records, result.articles) == (4, 4)


def _store(tmp_path: Path) -> Any:
    store = open_store(f"sqlite:///{tmp_path / 'crash.db'}")
    store.upgrade()
    return store


def test_an_embedded_cluster_finds_what_one_process_finds(rules: Ruleset, tmp_path: Path) -> None:
    """Without --cluster, more than one worker and task start a LocalCluster for the replay,
    which records what one process does."""
    alone = _outcome(tmp_path, rules, [SEEDS], workers=1)
    assert _outcome(tmp_path, rules, [SEEDS], workers=2, shard_bytes=4_000) == alone


def _profiling() -> bool:
    return bool(dask.config.get("distributed.worker.profile.enabled"))


def test_the_embedded_cluster_keeps_no_profile_of_its_workers() -> None:
    """The embedded LocalCluster's workers run without Dask's statistical profiler, which
    keeps a call tree of every code path it samples: with it, a worker's memory grew with the
    pages it had extracted (trafilatura's paths are many) instead of staying flat."""
    inputs = list_inputs([SEEDS]).inputs
    with open_engine(inputs, workers=2, shard_bytes=4_000) as engine:
        assert engine.client is not None
        assert set(engine.client.run(_profiling).values()) == {False}


def test_replay_on_a_cluster_shows_its_tasks_and_dashboard(cluster: str, tmp_path: Path) -> None:
    """`monitor replay --cluster ADDRESS` prepares on that scheduler; the progress display
    names the workers, the dashboard's address, the tasks done and the pages found relevant."""
    from click.testing import CliRunner

    from monitor.cli import cli
    from tests.conftest import ROOT

    config = tmp_path / "config.yaml"
    config.write_text(
        (ROOT / "config.yaml")
        .read_text()
        .replace("database: sqlite:///var/monitor.db", f"database: sqlite:///{tmp_path / 'm.db'}")
    )
    args = ["--config", str(config), "--log-level", "error", "replay", "--progress"]
    result = CliRunner().invoke(cli, [*args, "--cluster", cluster, str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "12 events created" in result.stdout
    assert "preparing 1 task on 2 Dask workers" in result.stderr
    assert "Dask dashboard: http://" in result.stderr
    assert "1/1" in result.stderr
    assert "5 relevant" in result.stderr
