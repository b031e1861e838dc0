"""Inputs where archives live (monitor/locations.py, monitor/corpora.py's ``list_inputs`` and
``open_input``): S3 on a loopback moto server, HTTP on a loopback server, listings, globs, the
publication window and retries. No test leaves the machine."""

from __future__ import annotations

import gzip
import html
import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import monitor.locations
from monitor.corpora import list_inputs
from monitor.errors import CorpusError
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.window import Window
from monitor.process import AlertPolicy
from monitor.replay import ReplayResult, replay
from monitor.store import events as event_store
from monitor.store import open_store
from tests.archives import write_warc
from tests.conftest import SEEDS
from tests.loopback import Site, serve
from tests.test_cli import _run

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SEED_DAYS = {  # the seeds' days (their date token or manifest); the last has none
    "000_346e118d387ee447": "2023-11-05",
    "001_e0468df48925e4ca": "2023-11-07",
    "002_92522f6ea047d03a": "2023-11-06",
    "003_d33b1ed68cf8519c": "2023-12-06",
    "004_7917b353078e3e9f": None,
}


def _seed_pages() -> list[tuple[str, bytes, str]]:
    """The seed articles as HTML pages of a crawl: (url, page, WARC-Date), then ordinary pages
    of text gzip cannot shrink much (so that the crawl is a few hundred kB)."""
    pages = []
    for stem, day in SEED_DAYS.items():
        text = (SEEDS / f"{stem}.txt").read_text()
        text = text.split(" ", 3)[3] if text.startswith(" date ") else text
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
        meta = f"<meta property='article:published_time' content='{day}'>" if day else ""
        page = f"<html><head>{meta}</head><body><article>{paragraphs}</article></body></html>"
        pages.append((f"https://seed.example/{stem}", page.encode(), "2024-01-10T08:00:00Z"))
    noise = random.Random(13)  # noqa: S311 - text, not secrets
    for n in range(40):
        words = " ".join(f"{noise.getrandbits(64):x}" for _ in range(600))
        body = f"<html><body><article><p>{words}</p></article></body></html>".encode()
        pages.append((f"https://news.example/{n}", body, "2024-01-10T09:00:00Z"))
    return pages


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WARC.gz of the seed pages, on the local disk."""
    path = tmp_path_factory.mktemp("crawl") / "crawl.warc.gz"
    write_warc(path, _seed_pages())
    return path


def _events(
    tmp_path: Path, rules: Ruleset, *locations: str | Path, **options: Any
) -> tuple[ReplayResult, list[tuple[Any, ...]]]:
    """Replay ``locations`` into a fresh store: the outcome and the events' keys, days, bases
    and sources."""
    store = open_store(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
    store.upgrade()
    result = replay(
        list(locations), store=store, rules=rules, policy=AlertPolicy(), now=NOW, **options
    )
    with store.begin() as conn:
        events = [
            (e.key, e.base_id, str(e.day), sorted(s.url for s in e.sources))
            for e in event_store.list_events(conn)
        ]
    store.engine.dispose()
    return result, sorted(events)


@pytest.fixture(scope="module")
def local_events(
    crawl: Path, rules: Ruleset, tmp_path_factory: pytest.TempPathFactory
) -> list[Any]:
    result, events = _events(tmp_path_factory.mktemp("local"), rules, crawl)
    assert result.problems == []
    assert len(events) >= 3
    return events


# -- S3 ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, s3_endpoint: str) -> str:
    """The AWS settings of a user pointing at the loopback S3 with a key pair, and nothing else
    (no profile files, no instance metadata: nothing leaves the machine)."""
    import os

    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    return s3_endpoint


def _bucket(objects: dict[str, bytes], *, public: bool = False) -> str:
    """A new bucket holding ``objects`` (readable by anyone when ``public``); its name."""
    import boto3

    name = f"b-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=name, **({"ACL": "public-read"} if public else {}))
    for key, body in objects.items():
        client.put_object(
            Bucket=name, Key=key, Body=body, **({"ACL": "public-read"} if public else {})
        )
    return name


@pytest.mark.parametrize(
    ("variable", "credentials"),
    [("AWS_ENDPOINT_URL", True), ("AWS_ENDPOINT_URL_S3", True), ("AWS_ENDPOINT_URL", False)],
    ids=["endpoint", "s3-endpoint", "anonymous"],
)
def test_a_warc_on_s3_gives_the_events_of_the_local_file(
    aws: str,
    crawl: Path,
    local_events: list[Any],
    rules: Ruleset,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    credentials: bool,
) -> None:
    """The same WARC read from S3 (the endpoint named as the AWS SDKs read it) gives the same
    events as the local file: with a key pair, or with none at all from a public bucket, read
    anonymously."""
    bucket = _bucket({"news/crawl.warc.gz": crawl.read_bytes()}, public=not credentials)
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv(variable, aws)
    if not credentials:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result, events = _events(tmp_path, rules, f"s3://{bucket}/news/crawl.warc.gz")
    assert result.problems == []
    assert events == local_events


def test_a_private_object_read_without_credentials_is_one_line(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anonymous access to a private object is refused, in one line naming it."""
    private = _bucket({"crawl.warc.gz": b"WARC/1.0"})
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CorpusError, match=r"crawl.warc.gz: cannot read: access denied$"):
        list_inputs([f"s3://{private}/crawl.warc.gz"])


def test_a_glob_over_s3_keys(aws: str, crawl: Path) -> None:
    """A glob expands over the bucket's keys, with each object's size."""
    body = crawl.read_bytes()
    bucket = _bucket(
        {"2024/01/a.warc.gz": body, "2024/01/b.warc.gz": body[:100], "2024/02/c.warc.gz": body}
    )
    listed = list_inputs([f"s3://{bucket}/2024/01/*.warc.gz"])
    assert [(i.path, i.kind, i.size) for i in listed.inputs] == [
        (f"s3://{bucket}/2024/01/a.warc.gz", "warc", len(body)),
        (f"s3://{bucket}/2024/01/b.warc.gz", "warc", 100),
    ]
    assert [i.path for i in list_inputs([f"s3://{bucket}/2024"]).inputs][-1].endswith("c.warc.gz")


def test_a_listing_with_a_missing_entry_is_reported_and_the_rest_replayed(
    aws: str, crawl: Path, local_events: list[Any], tmp_path: Path, config: Path
) -> None:
    """A gzipped Common Crawl listing on S3 expands under --prefix; the entry missing from the
    bucket is named at the end, and the others are replayed."""
    entries = [
        "crawl-data/CC-NEWS/2024/01/present.warc.gz",
        "crawl-data/CC-NEWS/2024/01/gone.warc.gz",
    ]
    bucket = _bucket(
        {
            "crawl-data/CC-NEWS/2024/01/warc.paths.gz": gzip.compress("\n".join(entries).encode()),
            entries[0]: crawl.read_bytes(),
        }
    )
    code, out, err = _run(
        config,
        "replay",
        "--workers",
        "1",
        "--prefix",
        f"s3://{bucket}/",
        f"s3://{bucket}/crawl-data/CC-NEWS/2024/01/warc.paths.gz",
    )
    assert code == 0, err
    assert f"{len(local_events)} events created" in out
    assert err.splitlines()[-1] == f"could not read 1 files: s3://{bucket}/{entries[1]}"
    assert f"skipped s3://{bucket}/{entries[1]}: cannot read: not found" in err


# -- HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries a hundred times sooner than in use, and remote files read in small blocks (so
    that one WARC is several ranged requests)."""
    monkeypatch.setattr(monitor.locations, "FIRST_WAIT_S", 0.01)
    monkeypatch.setattr(monitor.locations, "BLOCK_BYTES", 4096)


def test_a_warc_over_http_gives_the_events_of_the_local_file_through_failures(
    crawl: Path, local_events: list[Any], rules: Ruleset, tmp_path: Path, fast_retries: None
) -> None:
    """The same WARC read over HTTP in byte ranges, every other request failing with a 503,
    gives the same events as the local file: each failed request is tried again and the read
    resumes where it was."""
    site = Site(fail_every=2)
    site.put("/crawl.warc.gz", "application/octet-stream", crawl.read_bytes())
    with serve(site):
        result, events = _events(tmp_path, rules, f"{site.base_url}/crawl.warc.gz")
    assert result.problems == []
    assert events == local_events
    statuses = [status for _, status in site.requests]
    assert statuses.count(206) > 3  # read in ranges
    assert statuses.count(503) >= statuses.count(206) - 1  # each one after a failure


def test_a_file_that_keeps_failing_is_named_at_the_end(
    crawl: Path,
    local_events: list[Any],
    rules: Ruleset,
    tmp_path: Path,
    fast_retries: None,
    config: Path,
) -> None:
    """A file whose server keeps failing is tried again with backoff, then named (its query's
    secrets masked) on the last line, and the other files are replayed."""
    site = Site(broken={"/broken.warc.gz?X-Amz-Signature=s3cr3t"})
    site.put("/crawl.warc.gz", "application/octet-stream", crawl.read_bytes())
    with serve(site):
        broken = f"{site.base_url}/broken.warc.gz?X-Amz-Signature=s3cr3t"
        code, out, err = _run(
            config, "replay", "--workers", "1", f"{site.base_url}/crawl.warc.gz", broken
        )
    assert code == 0, err
    assert f"{len(local_events)} events created" in out
    shown = f"{site.base_url}/broken.warc.gz?X-Amz-Signature=********"
    assert err.splitlines()[-1] == f"could not read 1 files: {shown}"
    assert f"cannot read: HTTP 503 (after {monitor.locations.ATTEMPTS} tries)" in err
    assert "s3cr3t" not in out + err
    tries = [p for p, status in site.requests if p.startswith("/broken") and status == 503]
    assert len(tries) >= monitor.locations.ATTEMPTS


def test_a_missing_url_named_on_the_command_line_is_one_line(config: Path) -> None:
    """A URL that is not there, given by name, stops the replay before anything is read."""
    with serve(Site()) as site:
        code, _, err = _run(config, "replay", f"{site.base_url}/nothing.warc.gz")
    assert code == 1
    assert err.strip() == f"Error: replay: {site.base_url}/nothing.warc.gz: cannot read: not found"


# -- listings and the window ---------------------------------------------------------------


def test_a_listing_needs_a_prefix(config: Path, tmp_path: Path) -> None:
    """A listing named without --prefix is one line saying what to add."""
    listing = tmp_path / "warc.paths"
    listing.write_text("crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101000000-00001.warc.gz\n")
    code, _, err = _run(config, "replay", str(listing))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert f"{listing}: a listing names files relative to a root: give it as --prefix" in err


def test_the_window_keeps_the_articles_published_in_it(
    crawl: Path, rules: Ruleset, tmp_path: Path
) -> None:
    """--from/--to keep the articles published on those days (UTC); the others, and the
    undated, are counted and left out."""
    undated = tmp_path / "undated.jsonl"
    undated.write_text(
        json.dumps({"url": "https://news.example/u", "text": "Rockets hit Ain al-Asad air base."})
        + "\n"
    )
    window = Window(date(2023, 11, 1), date(2023, 11, 30))
    result, events = _events(tmp_path, rules, crawl, undated, window=window)
    everything = _events(tmp_path, rules, crawl, undated)[1]
    assert events == [e for e in everything if "2023-11-01" <= e[2] <= "2023-11-30"]
    assert events
    assert {url for e in events for url in e[3]} <= {
        f"https://seed.example/{stem}" for stem, day in SEED_DAYS.items() if day and day < "2023-12"
    }
    assert result.skipped["window: outside"] >= 1
    assert result.skipped["window: undated"] == 1


def test_cc_news_files_crawled_outside_the_window_are_skipped_unread(
    tmp_path: Path, crawl: Path
) -> None:
    """In a listing, CC-NEWS files crawled over a day before --from, or over 30 days after
    --to, are skipped by their names before anything is asked of them; the others are kept."""
    names = {
        "CC-NEWS-20231030120000-00001.warc.gz": False,  # two days before --from
        "CC-NEWS-20231031120000-00002.warc.gz": True,  # written into the first day
        "CC-NEWS-20231115000000-00003.warc.gz": True,
        "CC-NEWS-20231230000000-00004.warc.gz": True,  # a late crawl of the last days
        "CC-NEWS-20240101000000-00005.warc.gz": False,  # past the 30 days' margin
    }
    for name in names:
        (tmp_path / name).write_bytes(crawl.read_bytes())
    (tmp_path / "warc.paths").write_text("\n".join(names) + "\n")
    listed = list_inputs(
        [tmp_path / "warc.paths"],
        prefix=str(tmp_path),
        window=Window(date(2023, 11, 1), date(2023, 11, 30)),
    )
    assert [i.name for i in listed.inputs] == [n for n, kept in names.items() if kept]
    assert listed.outside == 2
    assert all(i.size == crawl.stat().st_size for i in listed.inputs)


def test_window_options_reach_the_replay(config: Path, crawl: Path) -> None:
    """The CLI's --from and --to are days; --from after --to is one line."""
    code, out, err = _run(
        config, "replay", "--workers", "1", "--from", "2023-12-01", "--to", "2023-12-31", str(crawl)
    )
    assert "1 events created" in out  # the one attack of December
    assert code == 0, err
    assert "records: window: outside" in err
    code, _, err = _run(config, "replay", "--from", "2024-02-01", "--to", "2024-01-01", str(crawl))
    assert code == 2
    assert "--from is after --to" in err
