"""Where a replay's prepare tasks run: a Dask cluster, or this process (``open_engine``).

One engine, Dask (``dask.distributed``): ``--cluster ADDRESS`` sends the tasks to a running
scheduler, whose workers must have the same ``monitor`` installed; without it, a
``LocalCluster`` of ``--workers`` processes of one thread each is started for the replay and
stopped after it. With one worker, or inputs that make a single task, the task runs in this
process instead: the same function, without a cluster's start-up.

Results are taken as tasks finish, with at most two tasks per worker thread in flight: the
client holds a few shards' prepared articles at a time, whatever the archive's size.

Faults. A worker that dies (killed, out of memory) costs only the tasks it held: the scheduler
runs them again on another worker. A task that kills every worker it runs on (the scheduler's
``allowed-failures`` spent: ``KilledWorker``) is cut down: its shard's records are listed
(``census``), then prepared in ever smaller windows, until the record that kills is named,
reported as a problem and skipped; the rest of the replay goes on.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.corpora import CorpusProblem, Input
from monitor.errors import CorpusError
from monitor.pipeline.rules import Ruleset
from monitor.prepare import (
    Shard,
    ShardResult,
    census,
    prepare_shard,
    shard_bytes_for,
    split_shards,
)
from monitor.process import Detector

if TYPE_CHECKING:
    from distributed import Client, Future

_IN_FLIGHT_PER_THREAD = 2
_FANOUT = 8  # windows a task that kills its workers is cut into, at each step
_CONNECT_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Engine:
    """The shards of a replay's inputs, and where their tasks run."""

    shards: list[Shard]
    client: Client | None  # None: in this process
    threads: int  # worker threads of the cluster
    dashboard: str | None  # the Dask dashboard's address, when one is running

    def run(self, *, rules: Ruleset, detect: Detector, now: datetime) -> Iterator[ShardResult]:
        """Every shard's result, as tasks finish (in input order in this process)."""
        if self.client is None:
            for shard in self.shards:
                yield prepare_shard(shard, rules=rules, detect=detect, now=now)
            return
        yield from _Run(self.client, self.threads, rules, detect, now).results(self.shards)


# The embedded LocalCluster's settings (its worker processes take them at their start):
# - one task at a time per worker: a worker killed by a record takes no other task down with
#   it, and no innocent task is blamed for the deaths;
# - no statistical profiler: it keeps a call tree of every code path it samples, and
#   trafilatura's are many, so a worker grew by about 3 MB per 10,000 pages with it.
LOCAL_CLUSTER_CONFIG = {
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
}


@contextmanager
def open_engine(
    inputs: Sequence[Input],
    *,
    workers: int,
    cluster: str | None = None,
    shard_bytes: int | None = None,
) -> Iterator[Engine]:
    """The engine for ``inputs``: on the Dask scheduler at ``cluster``; else this process
    when ``workers`` is 1 or the inputs make one task; else a LocalCluster of ``workers``.
    ``shard_bytes`` sizes the shards (by default, about four per worker thread)."""
    total = sum(source.size for source in inputs)
    if cluster is None:
        shards = split_shards(inputs, shard_bytes=shard_bytes or shard_bytes_for(total, workers))
        if workers <= 1 or len(shards) <= 1:
            yield Engine(shards, None, 1, None)
            return
    with _client(cluster, workers) as (client, dashboard):
        threads = sum(client.nthreads().values())
        shards = split_shards(inputs, shard_bytes=shard_bytes or shard_bytes_for(total, threads))
        yield Engine(shards, client, threads, dashboard)


@contextmanager
def _client(cluster: str | None, workers: int) -> Iterator[tuple[Client, str | None]]:
    """A client of the scheduler at ``cluster`` (with at least one worker), or of a new
    LocalCluster; and the dashboard's address, when one is running."""
    import dask
    from distributed import Client, LocalCluster

    if cluster is None:
        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            local = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never in another cluster's way
                silence_logs=logging.ERROR,
            )
        with local, Client(local, set_as_default=False) as client:
            has_dashboard = importlib.util.find_spec("bokeh") is not None
            yield client, client.dashboard_link if has_dashboard else None
        return
    try:
        client = Client(cluster, set_as_default=False, timeout=_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CorpusError(f"replay: cannot reach the Dask scheduler at {cluster}: {exc}") from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=_CONNECT_TIMEOUT_S)
        except TimeoutError as exc:
            raise CorpusError(f"replay: the Dask scheduler at {cluster} has no workers") from exc
        yield client, client.dashboard_link


@dataclass(frozen=True, slots=True)
class _Job:
    shard: Shard
    census: bool = False  # list the shard's records instead of preparing them


class _Run:
    """One replay's tasks on a cluster: submitted as earlier ones finish, a bounded number in
    flight; a task that kills its workers cut down to the record that does."""

    def __init__(
        self, client: Client, threads: int, rules: Ruleset, detect: Detector, now: datetime
    ) -> None:
        from distributed import as_completed

        self._client = client
        self._limit = _IN_FLIGHT_PER_THREAD * max(threads, 1)
        self._options: dict[str, Any] = {"rules": rules, "detect": detect, "now": now}
        self._token = uuid.uuid4().hex[:12]  # task keys of this run only, on a shared cluster
        self._queue: deque[_Job] = deque()
        self._jobs: dict[str, _Job] = {}
        self._done = as_completed(loop=client.loop)
        self._names: dict[int, list[str]] = {}  # a cut shard's records, by shard

    def results(self, shards: Sequence[Shard]) -> Iterator[ShardResult]:
        from distributed import KilledWorker

        self._queue.extend(_Job(shard) for shard in shards)
        self._submit()
        for future in self._done:
            job = self._jobs.pop(future.key)
            try:
                value = future.result()
            except KilledWorker:
                found = self._killed(job)
            except Exception as exc:
                raise CorpusError(
                    f"replay: {job.shard.where}: the task failed ({type(exc).__name__}: {exc})"
                ) from exc
            else:
                found = self._listed(job.shard, value) if job.census else value
            finally:
                future.release()
            self._submit()
            if found is not None:
                yield found

    def _submit(self) -> None:
        while self._queue and len(self._jobs) < self._limit:
            job = self._queue.popleft()
            window = job.shard.window or ("all",)
            key = f"{'census' if job.census else 'prepare'}-{self._token}-{job.shard.index}"
            key += "-" + "-".join(map(str, window))
            future: Future[Any]
            if job.census:
                future = self._client.submit(census, job.shard, now=self._options["now"], key=key)
            else:
                future = self._client.submit(prepare_shard, job.shard, key=key, **self._options)
            self._jobs[key] = job
            self._done.add(future)

    def _killed(self, job: _Job) -> ShardResult | None:
        """After a task killed its worker on every try: list the shard's records first, then
        cut the window that kills; a problem when the reading itself kills, or when the
        window is one record."""
        shard = job.shard
        if job.census:
            return _problem(shard, 0, shard.where, "reading it killed the worker every time")
        if shard.window is None:
            self._queue.appendleft(_Job(shard, census=True))
            return None
        return self._cut(shard, *shard.window)

    def _listed(self, shard: Shard, names: list[str]) -> ShardResult | None:
        self._names[shard.index] = names
        return self._cut(shard, 0, len(names))

    def _cut(self, shard: Shard, low: int, high: int) -> ShardResult | None:
        if high <= low:  # no record at all: another task's death was blamed on this one
            return None
        if high - low == 1:
            where = self._names[shard.index][low]
            return _problem(shard, low, where, "preparing it killed the worker every time")
        step = math.ceil((high - low) / _FANOUT)
        windows = [replace(shard, window=(s, min(s + step, high))) for s in range(low, high, step)]
        self._queue.extendleft(_Job(w) for w in reversed(windows))
        return None


def _problem(shard: Shard, number: int, where: str, what: str) -> ShardResult:
    result = ShardResult(shard)
    result.problem((shard.index, number), CorpusProblem(where, f"{what}: skipped"))
    return result
