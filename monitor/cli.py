"""The command line: a thin adapter over the library (``monitor --help``).

Every ``MonitorError`` becomes one line on stderr and exit status 1; nothing else is printed by
the library, which logs through structlog instead.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from monitor import __version__
from monitor.errors import MonitorError
from monitor.logs import configure_logging
from monitor.pipeline.alerts import event_object
from monitor.pipeline.exports import events_csv
from monitor.pipeline.rules import compile_rules
from monitor.process import AlertPolicy
from monitor.records import Article, Event
from monitor.settings import Settings, load_settings, parse_duration, with_database
from monitor.store import OpenMode, Store, open_store
from monitor.store import events as event_store
from monitor.store import outbox as outbox_store

if TYPE_CHECKING:
    from monitor.pipeline.window import Window
    from monitor.replay import ReplayResult

F = TypeVar("F", bound=Callable[..., Any])


def _reports_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


class _Context:
    def __init__(self, config: str | None, log_level: str) -> None:
        self.config = config
        self.log_level = log_level
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    def store(self, database: str | None = None, *, mode: OpenMode = "read") -> Store:
        """The configured database (or ``database``), at the code's schema, else one line.

        Every command that uses the database opens it here. One that only reads gets it
        read-only, and an SQLite file that is not there is an error, never a new empty
        database; one that writes refuses a schema behind the code's, as the daemon does
        (``create``, for replay, first brings a brand-new empty database to the schema).
        """
        store = self.open_store(database, mode=mode)
        if mode == "create":
            store.create_if_empty()
        store.require_head()
        return store

    def open_store(self, database: str | None = None, *, mode: OpenMode) -> Store:
        """The database as it is, whatever its schema (``db upgrade``, ``db current``)."""
        settings = self.settings()
        if database:
            settings = with_database(settings, database)
        return open_store(settings.database_url, mode=mode)


pass_context = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file. Default: $MONITOR_CONFIG, then ./config.yaml.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config: str | None, log_level: str) -> None:
    """Alerts within seconds when a news outlet reports a new attack on a tracked base.

    \b
    Example:
        monitor db upgrade && monitor run
    """
    configure_logging(level=log_level)
    ctx.obj = _Context(config, log_level)


@cli.command()
@click.option("--once", is_flag=True, help="Poll every feed once, deliver due alerts, and exit.")
@pass_context
@_reports_errors
def run(obj: _Context, once: bool) -> None:
    """Run the daemon: poll the configured feeds and send alerts to the webhooks.

    The database must be at the current schema (run `monitor db upgrade` first). An SQLite
    database serves one daemon: a second `run` on it is refused, naming the first. SIGTERM,
    SIGHUP or Ctrl-C stops it cleanly (SIGHUP does not reload: restart it for a new config).

    \b
    Example:
        monitor --config /etc/monitor/config.yaml run
        monitor run --once
    """
    from monitor.daemon import run as run_daemon

    run_daemon(obj.settings(), once=once)


_WORKERS = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1,
    show_default="the CPUs this process may use",
    help="Worker processes (a Dask LocalCluster) that read, extract and run the extractor; "
    "1: all in this process, without a cluster.",
)
_CLUSTER = click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run that work on the running Dask scheduler at ADDRESS (tcp://host:8786) instead; "
    "its workers need monitor installed.",
)
_PROGRESS = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show pages/s, events found and the time left. Default: when stderr is a terminal.",
)
_INPUT_OPTIONS = (
    click.argument("paths", nargs=-1, required=True, metavar="PATH|URL..."),
    click.option(
        "--prefix",
        metavar="URL",
        help="The root the paths of listing files (warc.paths.gz) are under, e.g. "
        "https://data.commoncrawl.org/ or s3://commoncrawl/.",
    ),
    click.option(
        "--from",
        "first_day",
        type=click.DateTime(["%Y-%m-%d"]),
        help="Only articles published on or after this day (UTC); undated ones are left out.",
    ),
    click.option(
        "--to",
        "last_day",
        type=click.DateTime(["%Y-%m-%d"]),
        help="Only articles published on or before this day (UTC); undated ones are left out.",
    ),
)


def _inputs(command: F) -> F:
    """The corpus arguments and options shared by replay and backtest."""
    for option in reversed(_INPUT_OPTIONS):
        command = option(command)
    return command


def _window(first_day: datetime | None, last_day: datetime | None) -> Window | None:
    """The days --from and --to keep, or None when neither is given."""
    from monitor.pipeline.window import Window

    if first_day is None and last_day is None:
        return None
    if first_day and last_day and first_day > last_day:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    return Window(first_day.date() if first_day else None, last_day.date() if last_day else None)


@cli.command()
@_inputs
@click.option("--send-alerts", is_flag=True, help="Deliver the alerts to the configured webhooks.")
@click.option(
    "--retry-for",
    metavar="DURATION",
    default="5m",
    show_default=True,
    help="With --send-alerts, wait this long for retries of failed deliveries (0: no wait).",
)
@click.option("--database", metavar="URL", help="Replay into this database instead.")
@_WORKERS
@_CLUSTER
@_PROGRESS
@pass_context
@_reports_errors
def replay(
    obj: _Context,
    paths: tuple[str, ...],
    prefix: str | None,
    first_day: datetime | None,
    last_day: datetime | None,
    send_alerts: bool,
    retry_for: str,
    database: str | None,
    workers: int,
    cluster: str | None,
    progress: bool | None,
) -> None:
    """Replay archived articles through the pipeline, in publication order.

    PATHS are directories (searched recursively) and files, mixed freely: seed-style .txt
    articles (with an optional manifest.jsonl in their directory), .html pages, JSON Lines
    files of {url, published, title, text|html}, WARC files (.warc, .warc.gz) of HTML
    responses, and listing files of WARC paths (Common Crawl's warc.paths.gz, under --prefix).
    Each may be local, s3://BUCKET/KEY (AWS credentials and AWS_ENDPOINT_URL as the AWS CLI
    reads them; anonymous without any) or https://, and a local or S3 one a glob. A file that
    cannot be fetched after retries is named at the end; the others are replayed. --from and
    --to keep the articles published in those days, and skip the CC-NEWS files whose names date
    them outside. Pages that cannot name a tracked base beside an attack word are counted and
    left unread, as in the daemon. Reading and extraction run as Dask tasks (--workers local
    processes, or the workers of --cluster); a record that kills every worker it runs on is
    named and skipped. Alerts are recorded, and sent only with --send-alerts: every one due,
    in order of detection, a failed one retried on the alerts.retry schedule for up to
    --retry-for; what is still pending then is named with its last error, for `monitor run`
    to deliver. Replaying the same corpus again adds nothing. A new, empty database is set up
    first; one behind the code's schema is refused (run `monitor db upgrade`).

    \b
    Example:
        monitor replay tests/corpus/seeds
        monitor replay --database sqlite:///backtest.db crawl/*.warc.gz archive.jsonl
        monitor replay --prefix s3://commoncrawl/ --from 2024-01-01 --to 2024-01-31 \
            s3://commoncrawl/crawl-data/CC-NEWS/2024/01/warc.paths.gz
        monitor replay --cluster tcp://10.0.0.5:8786 crawl/*.warc.gz
    """
    from monitor.replay import replay as run_replay

    settings = obj.settings()
    wait_s = _duration_or_zero(retry_for, "--retry-for")
    store = obj.store(database, mode="create")
    webhooks = settings.alerts.webhooks if send_alerts else ()
    policy = AlertPolicy(webhooks=tuple(hook.name for hook in webhooks), max_article_age_s=None)
    with _progress_display(progress) as display:
        result = run_replay(
            list(paths),
            store=store,
            rules=compile_rules(settings.bases),
            policy=policy,
            now=_now(),
            workers=workers,
            cluster=cluster,
            progress=display,
            prefix=prefix,
            window=_window(first_day, last_day),
        )
    _echo_skipped(result)
    click.echo(
        f"replayed {result.articles} articles ({result.duplicates} already seen): "
        f"{result.events_created} events created, {result.events_updated} updated, "
        f"{result.alerts} alerts recorded"
    )
    if send_alerts and webhooks:
        _send_alerts(settings, store, wait_s)


def _send_alerts(settings: Settings, store: Store, wait_s: float) -> None:
    """Deliver every due alert, waiting up to ``wait_s`` for retries, and say what is left."""
    from monitor.deliver import deliver_all, waiting
    from monitor.http import make_client

    def sleep(seconds: float) -> None:
        click.echo(f"waiting {seconds:.0f}s for the next retry of a failed delivery", err=True)
        time.sleep(seconds)

    with make_client(timeout_s=settings.http.timeout_s) as client:
        done = deliver_all(
            client=client,
            store=store,
            webhooks=settings.alerts.webhooks,
            retry=settings.alerts.retry,
            clock=_now,
            sleep=sleep,
            wait_s=wait_s,
            deadline_s=settings.http.deadline_s,
        )
    click.echo(f"deliveries: {done.sent} sent in {done.attempts} attempts ({done.failed} failed)")
    left = waiting(store)
    for hook in left:
        why = hook.last_error or "not tried yet"
        click.echo(
            f"left pending: {hook.webhook}: {hook.pending} (next try "
            f"{hook.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC; {why}); `monitor run` delivers them"
        )
    with store.begin() as conn:
        dead = outbox_store.count_by_status(conn).get("dead", 0)
    if dead:
        click.echo(f"dead: {dead} (listed by `monitor alerts list --status dead`)")
    if not left:
        click.echo("nothing left pending")


def _duration_or_zero(value: str, option: str) -> float:
    """A duration option that also takes 0; one line naming the option otherwise."""
    if value.strip() in {"0", "0s"}:
        return 0.0
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


@cli.command()
@_inputs
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Labelled events, in the format of tests/corpus/seeds.gold.jsonl.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the figures as one JSON object (needs --gold)."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report as one HTML page: figures, timeline, map, events, alert timing.",
)
@click.option(
    "--report-json",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the same report as JSON.",
)
@click.option(
    "--extractor",
    type=click.Choice(["rules", "naive"]),
    default="rules",
    show_default=True,
    help="naive: a base name and an attack word in one sentence (the keyword-alert baseline).",
)
@_WORKERS
@_CLUSTER
@_PROGRESS
@pass_context
@_reports_errors
def backtest(
    obj: _Context,
    paths: tuple[str, ...],
    prefix: str | None,
    first_day: datetime | None,
    last_day: datetime | None,
    gold_path: Path | None,
    as_json: bool,
    html_path: Path | None,
    report_path: Path | None,
    extractor: str,
    workers: int,
    cluster: str | None,
    progress: bool | None,
) -> None:
    """Replay corpora into a fresh store, score the events against labelled ones, and report.

    With --gold, prints precision, recall and F1 over tracked-base events (an event matches a
    labelled one of the same base within one day; a second event for it is a duplicate),
    accuracy of each field on the matched events, and every miss, false and duplicate event
    with its evidence. --html and --report-json write the report: those figures, attacks per
    base over time, a map of the bases, every event with its sources, and when each would
    have been alerted relative to its first report.

    \b
    Example:
        monitor backtest ../shared/corpus/dev.jsonl --gold ../shared/corpus/dev.jsonl
        monitor backtest tests/corpus/seeds --gold tests/corpus/seeds.gold.jsonl --json
        monitor backtest crawl.warc.gz --html report.html
    """
    from monitor.pipeline.detect import detect_events
    from monitor.pipeline.findings import backtest_report
    from monitor.pipeline.naive import detect_naive
    from monitor.pipeline.score import score_summary
    from monitor.replay import backtest as run_backtest

    if as_json and gold_path is None:
        raise click.UsageError("--json prints the accuracy figures: give --gold too")
    settings = obj.settings()
    started = time.monotonic()
    with _progress_display(progress) as display:
        result = run_backtest(
            list(paths),
            gold_path,
            rules=compile_rules(settings.bases),
            now=_now(),
            detect=detect_naive if extractor == "naive" else detect_events,
            workers=workers,
            cluster=cluster,
            progress=display,
            prefix=prefix,
            window=_window(first_day, last_day),
        )
    seconds = time.monotonic() - started
    replayed = result.replayed
    _echo_skipped(replayed)
    summary: dict[str, Any] | None = None
    if result.score is not None:
        summary = score_summary(result.score)
        summary["articles"] = replayed.records
        summary["skipped_records"] = replayed.problem_count
    if html_path is not None or report_path is not None:
        from monitor.report import render_html

        report = backtest_report(
            events=result.events,
            alerts=result.alerts,
            bases=settings.bases,
            figures=summary,
            matched=result.score.pairs if result.score is not None else (),
            published=result.published,
            replay={
                "records": replayed.records,
                "articles": replayed.articles,
                "duplicates": replayed.duplicates,
                "unread": replayed.unread,
                "rejected": dict(replayed.skipped),
                "problems": replayed.problem_count,
                "seconds": round(seconds, 2),
            },
            inputs=[str(p) for p in paths],
            extractor=extractor,
            generated_at=_now(),
        )
        if report_path is not None:
            _write(report_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        if html_path is not None:
            _write(html_path, render_html(report))
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    tracked = sum(e.tracked for e in result.events)
    click.echo(
        f"{replayed.records} records, {replayed.articles} articles, {len(result.events)} events "
        f"({tracked} on tracked bases) in {seconds:.1f} s"
    )
    if summary is not None:
        _echo_figures(summary, paths)
    for path in (html_path, report_path):
        if path is not None:
            click.echo(f"wrote {path}")


@cli.command()
@click.argument("sources", nargs=-1, required=True, metavar="PATH|URL...")
@click.option("--base", "base_id", metavar="ID", help="Only the sentences and events of this base.")
@click.option(
    "--record",
    metavar="URL|PATH:LINE",
    help="In corpus files of several articles (JSON Lines, WARC, directories), the one to "
    "explain: its URL, or its file and line.",
)
@pass_context
@_reports_errors
def explain(
    obj: _Context, sources: tuple[str, ...], base_id: str | None, record: str | None
) -> None:
    """Show how the extractor reads one article, and why it found what it found.

    For each sentence that names a tracked base: how each name resolved (a configured alias or
    a spelling variant of one), the attack words, every candidate and the mask that removed it
    with its reason; then the events with the sentences their facts rest on. The article is a
    .txt or .html file, a URL (fetched), or one record of corpus files picked by --record.

    \b
    Example:
        monitor explain tests/corpus/seeds/000_346e118d387ee447.txt
        monitor explain ../shared/corpus/dev.jsonl --record https://example.com/story --base harir
        monitor explain https://www.example.com/news/drone-attack-on-harir-base
    """
    from monitor.pipeline.detect import explain_article
    from monitor.pipeline.detect.explain import render_explanation

    settings = obj.settings()
    rules = compile_rules(settings.bases)
    if base_id is not None and base_id not in rules.bases:
        raise click.BadParameter(f"no tracked base {base_id!r} in the config", param_hint="--base")
    article = _article_to_explain(sources, record, timeout_s=settings.http.timeout_s)
    published = article.published_at.date().isoformat() if article.published_at else "undated"
    click.echo(f"article: {article.url}  published {published}")
    explanation = explain_article(article, rules)
    for line in render_explanation(
        explanation.readings, explanation.reports, dropped=explanation.dropped, base_id=base_id
    ):
        click.echo(line)


def _article_to_explain(sources: Sequence[str], record: str | None, *, timeout_s: float) -> Article:
    """The one article ``monitor explain`` reads: fetched, or found in corpus files."""
    from monitor.corpora import CorpusProblem, Page, list_inputs, read_records
    from monitor.pipeline.extract import extract_article
    from monitor.prepare import extract_page
    from monitor.records import Rejected

    if len(sources) == 1 and sources[0].startswith(("http://", "https://")):
        from monitor.http import fetch, make_client

        with make_client(timeout_s=timeout_s) as client:
            fetched = fetch(client, sources[0])
        found = extract_article(fetched.body, url=fetched.url, published_at=None, origin="page")
        if isinstance(found, Rejected):
            raise click.ClickException(f"{sources[0]}: no article text ({found.reason})")
        return found
    records = []
    for item in read_records(list_inputs(sources).inputs, now=_now()):
        if isinstance(item, CorpusProblem):
            continue
        where, read = item
        url = read.url if isinstance(read, Article | Page) else ""
        if record is None or record in {url, where}:
            records.append((where, read))
    if not records:
        raise click.ClickException(
            f"no article {record!r} in {', '.join(sources)}" if record else "no article to explain"
        )
    if len(records) > 1:
        raise click.ClickException(
            f"{len(records)} articles in {', '.join(sources)}: pick one with --record URL"
        )
    where, read = records[0]
    if isinstance(read, Page):
        read = extract_page(read)
    if isinstance(read, Rejected):
        raise click.ClickException(f"{where}: no article text ({read.reason})")
    return read


def _echo_figures(summary: dict[str, Any], paths: Sequence[str]) -> None:
    click.echo(
        f"precision {summary['precision']:.3f}  recall {summary['recall']:.3f}  "
        f"F1 {summary['f1']:.3f}  duplicates {summary['duplicates']}"
    )
    click.echo(
        "field accuracy on matched events: "
        + ", ".join(f"{name} {value:.3f}" for name, value in summary["field_accuracy"].items())
    )
    inputs = " ".join(shlex.quote(str(p)) for p in paths)

    def explain(url: str, base: str) -> str:
        return (
            f"           explain: monitor explain {inputs} --record {shlex.quote(url)} "
            f"--base {base}"
        )

    for miss in summary["missed_events"]:
        click.echo(f"MISS       {miss['document']}  {miss['base']} {miss['date'] or 'undated'}")
        if miss["url"]:
            click.echo(explain(miss["url"], miss["base"]))
    for kind, rows in (
        ("FALSE", summary["false_events"]),
        ("DUPLICATE", summary["duplicate_events"]),
    ):
        for row in rows:
            click.echo(
                f"{kind:<10} event {row['id']} {row['base']} {row['date'] or 'undated'}  "
                f"{row['sources'][0] if row['sources'] else ''}\n"
                f"           evidence: {row['evidence'][:300]}"
            )
            if row["sources"]:
                click.echo(explain(row["sources"][0], row["base"]))
    for error in summary["field_errors"]:
        click.echo(
            f"FIELD      event {error['id']} {error['base']} {error['date'] or 'undated'} "
            f"({error['document']})  {error['field']}: found {error['found']}, "
            f"labelled {error['labelled']}"
        )


def _echo_skipped(result: ReplayResult) -> None:
    """What a replay could not read, or read and left (on stderr)."""
    for problem in result.problems:
        click.echo(f"skipped {problem.where}: {problem.message}", err=True)
    if result.problem_count > len(result.problems):
        more = result.problem_count - len(result.problems)
        click.echo(f"... and {more} more unreadable records (see the log)", err=True)
    for reason, count in sorted(result.skipped.items()):
        click.echo(f"skipped {count} records: {reason}", err=True)
    if result.unread:
        click.echo(
            f"{result.unread} records unread: "
            "they cannot name a tracked base beside an attack word",
            err=True,
        )
    if result.files_outside:
        click.echo(
            f"skipped {result.files_outside} CC-NEWS files unread: their names date their crawl "
            "outside --from/--to",
            err=True,
        )
    if result.unread_files:
        names = ", ".join(result.unread_files)
        click.echo(f"could not read {len(result.unread_files)} files: {names}", err=True)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc


class _TerminalProgress:
    """Progress bars on stderr: the prepare tasks done (with pages/s, the pages that may name a
    base, reports found and the time left), then articles replayed in publication order (with
    events found); the Dask dashboard's address first, when one is running."""

    def __init__(self) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread beside the cluster's
        self._tqdm = tqdm
        self._bars: dict[str, Any] = {}
        self._started = time.monotonic()

    def started(self, *, tasks: int, workers: int | None, dashboard: str | None) -> None:
        where = "in this process" if workers is None else f"on {workers} Dask workers"
        click.echo(f"preparing {tasks} task{'' if tasks == 1 else 's'} {where}", err=True)
        if dashboard:
            click.echo(f"Dask dashboard: {dashboard}", err=True)
        self._started = time.monotonic()

    def reading(self, *, tasks: int, done: int, records: int, relevant: int, reports: int) -> None:
        bar = self._bar("reading", tasks, unit=" tasks")
        rate = records / max(time.monotonic() - self._started, 1e-6)
        bar.set_postfix_str(
            f"{records} pages, {rate:.0f} pages/s, {relevant} relevant, {reports} reports", False
        )
        bar.update(done - bar.n)

    def replaying(self, *, done: int, total: int, events: int) -> None:
        bar = self._bar("replaying", total, unit=" articles")
        bar.set_postfix_str(f"{events} events", False)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()

    def _bar(self, name: str, total: int, **options: Any) -> Any:
        if name not in self._bars:
            for other in self._bars.values():
                other.refresh()
            self._bars[name] = self._tqdm(
                total=total, desc=name, file=sys.stderr, dynamic_ncols=True, **options
            )
        return self._bars[name]


@contextmanager
def _progress_display(wanted: bool | None) -> Iterator[_TerminalProgress | None]:
    if not (sys.stderr.isatty() if wanted is None else wanted):
        yield None
        return
    display = _TerminalProgress()
    try:
        yield display
    finally:
        display.close()


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv", "geojson"]),
    default="table",
    show_default=True,
)
@click.option("--tracked-only", is_flag=True, help="Only events on tracked bases.")
@click.option("--base", "base_id", metavar="ID", help="Only events on this base.")
@click.option("--database", metavar="URL", help="Read this database instead.")
@pass_context
@_reports_errors
def events(
    obj: _Context, fmt: str, tracked_only: bool, base_id: str | None, database: str | None
) -> None:
    """List detected events with their sources and evidence.

    \b
    Example:
        monitor events
        monitor events --format jsonl --tracked-only > events.jsonl
        monitor events --format geojson > events.geojson
    """
    store = obj.store(database)
    with store.begin() as conn:
        found = event_store.list_events(conn, tracked_only=tracked_only, base_id=base_id)
    if fmt == "jsonl":
        for event in found:
            click.echo(json.dumps(event_object(event), ensure_ascii=False))
    elif fmt == "csv":
        click.echo(events_csv(found), nl=False)
    elif fmt == "geojson":
        from monitor.pipeline.exports import events_geojson

        click.echo(json.dumps(events_geojson(found), ensure_ascii=False))
    else:
        click.echo(_table(found))


@cli.group()
def alerts() -> None:
    """Alerts: what was sent, or would be sent, for each event.

    \b
    Example:
        monitor alerts list
    """


@alerts.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "sent", "dead"]),
    help="List the deliveries in this state, with their last error.",
)
@click.option("--database", metavar="URL", help="Read this database instead.")
@pass_context
@_reports_errors
def alerts_list(obj: _Context, status: str | None, database: str | None) -> None:
    """List recorded alerts (newest last) and the outbox's delivery counts.

    With --status, list the deliveries in that state instead: `--status dead` shows the
    alerts a webhook never accepted, with the endpoint's last answer.

    \b
    Example:
        monitor alerts list
        monitor alerts list --status dead
    """
    store = obj.store(database)
    with store.begin() as conn:
        if status is not None:
            rows = outbox_store.list_deliveries(conn, status=status)
            for row in rows:
                click.echo(
                    f"{row.id:>5}  {row.alert:<18} {row.kind:<14} {row.webhook:<16} "
                    f"attempts {row.attempts:<3} next {row.next_attempt_at:%Y-%m-%d %H:%M}  "
                    f"{row.last_error or ''}"
                )
            click.echo(f"{len(rows)} {status} deliveries")
            return
        recorded = outbox_store.list_alerts(conn)
        statuses = outbox_store.count_by_status(conn)
    for alert in recorded:
        event = json.loads(alert.payload)["event"]
        click.echo(
            f"{alert.id:>5}  {alert.created_at:%Y-%m-%d %H:%M}  {alert.kind:<14} "
            f"event {alert.event_id:<5} {event['base'] or 'untracked'} {event['date'] or '-'}"
        )
    click.echo(
        f"{len(recorded)} alerts; deliveries: "
        + (", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "none")
    )


@alerts.command("test")
@click.option("--webhook", "name", metavar="NAME", help="Only this webhook (default: all).")
@pass_context
@_reports_errors
def alerts_test(obj: _Context, name: str | None) -> None:
    """Send a sample signed alert (type monitor.test) to check an endpoint and its secret.

    \b
    Example:
        monitor alerts test
        monitor alerts test --webhook ops
    """
    from monitor.http import make_client, post_webhook
    from monitor.pipeline.alerts import render_alert, sample_alert

    settings = obj.settings()
    hooks = [h for h in settings.alerts.webhooks if name in (None, h.name)]
    if not hooks:
        raise MonitorError(
            f"alerts: no webhook {name!r} in the configuration"
            if name
            else "alerts: no webhooks configured (alerts.webhooks in the config)"
        )
    now = _now()
    failed = 0
    with make_client(timeout_s=settings.http.timeout_s) as client:
        for hook in hooks:
            body = render_alert(sample_alert(now), hook.format)
            try:
                post_webhook(
                    client,
                    hook.url,
                    body,
                    message_id=f"msg_test_{uuid.uuid4().hex}",
                    secret=hook.secret,
                )
            except MonitorError as exc:
                failed += 1
                click.echo(f"{hook.name}: FAILED: {exc}")
                continue
            signed = "signed" if hook.secret else "unsigned (no secret configured)"
            click.echo(f"{hook.name}: delivered, {signed}")
    if failed:
        raise MonitorError(f"alerts: {failed} of {len(hooks)} webhooks did not accept the test")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as one JSON object.")
@pass_context
@_reports_errors
def health(obj: _Context, as_json: bool) -> None:
    """Say whether polling and delivery are progressing: exit 0 if so, 1 with the reason if not.

    Polling is stalled when a feed is overdue by more than twice its interval (at least 2
    minutes); delivery is stalled when an alert has been due for more than 2 minutes. Feeds
    that fail are listed, but a failing feed alone does not make the daemon unhealthy.

    \b
    Example:
        monitor health || systemctl restart monitor
    """
    from monitor.store import feeds as feed_store

    store = obj.store()
    now = _now()
    with store.begin() as conn:
        states = feed_store.list_feeds(conn)
        oldest_due = outbox_store.oldest_due(conn, now=now)
        pending = outbox_store.count_by_status(conn).get("pending", 0)
    overdue = [
        f.name
        for f in states
        if f.next_check_at is not None
        and (now - f.next_check_at).total_seconds() > max(2 * f.interval_s, _STALL_S)
    ]
    stalled_s = (now - oldest_due).total_seconds() if oldest_due else 0.0
    problems = []
    if overdue:
        problems.append(f"polling stalled: {len(overdue)} feeds overdue ({', '.join(overdue[:3])})")
    if stalled_s > _STALL_S:
        problems.append(f"delivery stalled: an alert has been due for {_span(stalled_s)}")
    failing = [f.name for f in states if f.error_count]
    findings = {
        "healthy": not problems,
        "problems": problems,
        "feeds": len(states),
        "failing_feeds": failing,
        "outbox_pending": pending,
        "last_poll_ok": max((f.last_ok_at for f in states if f.last_ok_at), default=None),
    }
    if as_json:
        click.echo(json.dumps(findings, default=str, indent=2))
    elif problems:
        click.echo("unhealthy: " + "; ".join(problems))
    else:
        click.echo(
            f"ok: {len(states)} feeds polled on time ({len(failing)} failing), "
            f"{pending} deliveries pending, none overdue"
        )
    if problems:
        raise SystemExit(1)


_STALL_S = 120.0


@cli.command()
@pass_context
@_reports_errors
def feeds(obj: _Context) -> None:
    """Show each feed's health: last success, failures, backoff, the replica polling it, and
    the entries waiting to be read.

    \b
    Example:
        monitor feeds
    """
    from monitor.store import feeds as feed_store
    from monitor.store import items as item_store

    store = obj.store()
    with store.begin() as conn:
        states = feed_store.list_feeds(conn)
        waiting = item_store.pending_by_feed(conn)
    now = _now()
    rows = [("feed", "status", "last ok", "next check", "held by", "waiting", "last error")]
    for feed in states:
        if feed.error_count:
            status = f"failing x{feed.error_count}"
        elif feed.last_ok_at is None:
            status = "not polled yet"
        else:
            status = "ok"
        rows.append(
            (
                feed.name[:40],
                status,
                _ago(feed.last_ok_at, now),
                _until(feed.next_check_at, now),
                feed.leased_by or "-",
                str(waiting.get(feed.id, 0)),
                (feed.last_error or "")[:80],
            )
        )
    click.echo(_columns(rows))
    click.echo(f"{len(states)} feeds, {sum(1 for f in states if f.error_count)} failing")


@cli.group()
def db() -> None:
    """Database schema: apply migrations, show the version.

    \b
    Example:
        monitor db upgrade
    """


@db.command()
@pass_context
@_reports_errors
def upgrade(obj: _Context) -> None:
    """Apply every migration up to the current schema (safe to run again).

    \b
    Example:
        MONITOR_DATABASE_URL=postgresql+psycopg://monitor@db/monitor monitor db upgrade
    """
    store = obj.open_store(mode="create")
    store.upgrade()
    click.echo(f"database at revision {store.current_revision()}")


@db.command()
@pass_context
@_reports_errors
def current(obj: _Context) -> None:
    """Show the database's schema revision and the code's.

    \b
    Example:
        monitor db current
    """
    store = obj.open_store(mode="read")
    click.echo(f"database: {store.current_revision() or 'empty'}; code: {store.head_revision()}")


@cli.group()
def config() -> None:
    """Configuration: check and show it.

    \b
    Example:
        monitor config show
    """


@config.command()
@pass_context
@_reports_errors
def show(obj: _Context) -> None:
    """Validate the configuration and print it with every secret masked.

    \b
    Example:
        monitor --config config.yaml config show
    """
    settings = obj.settings()
    compile_rules(
        settings.bases
    )  # what `run` refuses (an alias that folds to nothing), so does this
    click.echo(json.dumps(settings.redacted(), indent=2, ensure_ascii=False))


def _ago(when: datetime | None, now: datetime) -> str:
    return "never" if when is None else f"{_span((now - when).total_seconds())} ago"


def _until(when: datetime | None, now: datetime) -> str:
    if when is None or when <= now:
        return "due"
    return f"in {_span((when - now).total_seconds())}"


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _columns(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _table(found: list[Event]) -> str:
    header = ("id", "date", "base", "weapons", "n", "claimed by", "outcome", "sources")
    rows = [header]
    for e in found:
        rows.append(
            (
                str(e.id),
                e.day.isoformat() if e.day else "-",
                e.base_id or f"({e.base_mention[:40]})",
                ",".join(e.weapons),
                str(e.munitions_count or "-"),
                e.claimed_by or "-",
                e.outcome.value
                + (f" {e.injured or 0}i/{e.killed or 0}k" if e.injured or e.killed else ""),
                str(len(e.sources)),
            )
        )
    return _columns(rows) + f"\n{len(found)} events"


def _now() -> datetime:
    return datetime.now(UTC)


def main() -> None:
    cli(prog_name="monitor")


if __name__ == "__main__":  # pragma: no cover
    main()
