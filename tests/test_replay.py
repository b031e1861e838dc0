"""Replay of the user's seed corpus against its gold labels (monitor/replay.py)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.pipeline.detect import detect_events
from monitor.pipeline.rules import Ruleset
from monitor.process import AlertPolicy
from monitor.records import Article, Event, Report
from monitor.replay import replay
from monitor.store import Store
from monitor.store import events as event_store
from monitor.store import outbox as outbox_store
from tests.archives import write_warc
from tests.conftest import SEEDS, SEEDS_GOLD

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIELDS = (
    "weapons",
    "munitions_count",
    "attack_count",
    "claimed_by",
    "outcome",
    "injured",
    "killed",
)


def _gold() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in SEEDS_GOLD.read_text().splitlines() if line.strip()]
    return [{**event, "file": row["file"]} for row in rows for event in row["events"]]


def _replay(store: Store, rules: Ruleset, *paths: Path) -> list[Event]:
    replay(list(paths), store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    with store.begin() as conn:
        return event_store.list_events(conn)


def _facts(event: Event) -> dict[str, Any]:
    return {
        "weapons": sorted(event.weapons),
        "munitions_count": event.munitions_count,
        "attack_count": event.attack_count,
        "claimed_by": event.claimed_by,
        "outcome": event.outcome.value,
        "injured": event.injured,
        "killed": event.killed,
    }


TRACKED_GOLD = [g for g in _gold() if g["base"] != "unnamed"]


@pytest.mark.parametrize(
    "gold", TRACKED_GOLD, ids=[f"{g['base']}-{g['date']}" for g in TRACKED_GOLD]
)
def test_seed_event_matches_gold(store: Store, rules: Ruleset, gold: dict[str, Any]) -> None:
    """Each tracked-base attack of the seeds becomes one event with the gold base, day and facts."""
    events = _replay(store, rules, SEEDS)
    matches = [e for e in events if e.base_id == gold["base"] and str(e.day) == gold["date"]]
    assert len(matches) == 1
    expected = {k: (sorted(gold[k]) if k == "weapons" else gold[k]) for k in FIELDS}
    assert _facts(matches[0]) == expected
    assert matches[0].sources
    assert matches[0].sources[0].evidence


def test_seeds_give_no_other_tracked_event(store: Store, rules: Ruleset) -> None:
    """The seeds yield exactly the ten tracked-base events of the gold file, nothing more."""
    events = _replay(store, rules, SEEDS)
    found = sorted((e.base_id, str(e.day)) for e in events if e.tracked)
    assert found == sorted((g["base"], g["date"]) for g in TRACKED_GOLD)
    assert len(found) == 10


def test_unnamed_bases_are_kept_untracked(store: Store, rules: Ruleset) -> None:
    """The attacks on unnamed bases in Syria are events with no base and tracked false."""
    events = _replay(store, rules, SEEDS)
    untracked = sorted((e.country, str(e.day), e.claimed_by) for e in events if not e.tracked)
    expected = sorted(
        (g["country"], g["date"], g["claimed_by"]) for g in _gold() if g["base"] == "unnamed"
    )
    assert untracked == expected
    assert all(e.base_id is None and e.location is None for e in events if not e.tracked)


def test_second_replay_adds_nothing(store: Store, rules: Ruleset) -> None:
    """Replaying the same corpus again creates no new event and no new alert."""
    first = _replay(store, rules, SEEDS)
    with store.begin() as conn:
        alerts_before = outbox_store.list_alerts(conn)
    second = _replay(store, rules, SEEDS)
    with store.begin() as conn:
        alerts_after = outbox_store.list_alerts(conn)
    assert [(e.id, e.key) for e in second] == [(e.id, e.key) for e in first]
    assert alerts_after == alerts_before
    assert len(alerts_before) == len(first)  # one event.created alert per event


def test_copy_under_another_url_adds_nothing(store: Store, rules: Ruleset, tmp_path: Path) -> None:
    """A seed copied under another file name (so another URL) is a duplicate by its text."""
    first = _replay(store, rules, SEEDS)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(SEEDS / "000_346e118d387ee447.txt", copy / "syndicated.txt")
    second = _replay(store, rules, copy)
    assert len(second) == len(first)
    with store.begin() as conn:
        assert len(outbox_store.list_alerts(conn)) == len(first)


def test_replay_without_manifest_never_guesses_a_day(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """Without the manifest every tracked event is still found; undated articles give no day."""
    bare = tmp_path / "bare"
    bare.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, bare / seed.name)
    events = _replay(store, rules, bare)
    undated_files = {
        json.loads(line)["file"] for line in (SEEDS / "manifest.jsonl").read_text().splitlines()
    }
    for gold in TRACKED_GOLD:
        if gold["file"] in undated_files:
            found = [
                e
                for e in events
                if e.base_id == gold["base"]
                and any(s.url.endswith(gold["file"]) for s in e.sources)
            ]
            assert len(found) == 1, gold
            assert found[0].day is None
        else:
            assert [
                e for e in events if e.base_id == gold["base"] and str(e.day) == gold["date"]
            ], gold
    assert all(str(e.day) in {g["date"] for g in TRACKED_GOLD} for e in events if e.day is not None)


def test_file_without_url_gets_file_uri(store: Store, rules: Ruleset) -> None:
    """An article read from a file with no known URL is cited by a file: URI ending in its name."""
    events = _replay(store, rules, SEEDS)
    urls = {s.url for e in events for s in e.sources}
    assert "file://" + str((SEEDS / "000_346e118d387ee447.txt").resolve()) in urls


def test_jsonl_corpus_with_bad_line_reports_where(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """A JSON Lines corpus is replayed; a broken line is reported with its file and line."""
    corpus = tmp_path / "corpus.jsonl"
    good = {
        "url": "https://news.example/a",
        "published": "2024-01-28",
        "title": "Attack",
        "text": "Three US soldiers were killed and 34 injured on Sunday when a drone struck "
        "Tower 22, a US outpost in Jordan, the Pentagon said.",
    }
    corpus.write_text(json.dumps(good) + "\n{not json\n")
    result = replay([corpus], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    assert [p.where for p in result.problems] == [f"{corpus}:2"]
    with store.begin() as conn:
        (event,) = event_store.list_events(conn)
    assert (event.base_id, str(event.day), event.killed, event.injured) == (
        "tower-22",
        "2024-01-28",
        3,
        34,
    )


def test_broken_records_are_reported_and_skipped(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """Each unreadable record is named with its file and line; the good ones are replayed."""
    corpus = tmp_path / "mixed.jsonl"
    good = {
        "url": "https://news.example/h",
        "published": "2024-01-29",
        "text": "Rockets hit Harir air base on Monday, officials said.",
    }
    corpus.write_bytes(
        b'{"url": 123, "text": "x"}\n'
        b'{"title": ["x"], "text": "y"}\n'
        b'{"published": "0001-01-01T00:00:00+01:00", "text": "z"}\n'
        b"\xff\xfe not utf-8\n"
        b'{"published": "2024-01-29"}\n' + json.dumps(good).encode() + b"\n"
    )
    result = replay([corpus], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    problems = {p.where.rsplit(":", 1)[1]: p.message for p in result.problems}
    assert problems.keys() == {"1", "2", "3", "4", "5"}
    assert '"url" must be text' in problems["1"]
    assert "not UTF-8" in problems["4"]
    assert 'neither "text" nor "html"' in problems["5"]
    with store.begin() as conn:
        assert [e.base_id for e in event_store.list_events(conn)] == ["harir"]


def test_directory_without_articles_is_an_error(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """Replaying a directory with nothing to read says so instead of replaying nothing."""
    from monitor.errors import CorpusError

    with pytest.raises(CorpusError, match=r"no \.txt, \.html, \.jsonl or \.warc files"):
        replay([tmp_path], store=store, rules=rules, policy=AlertPolicy(), now=NOW)


def test_warc_response_records_are_replayed(store: Store, rules: Ruleset, tmp_path: Path) -> None:
    """HTML responses in a WARC.gz are read like pages, dated by WARC-Date; other records are
    passed over."""
    page = (
        b"<html><head><title>Drones hit Harir</title></head><body><nav>Home</nav>"
        b"<article><p>Two drones targeted Harir air base north of Erbil on Sunday, Kurdistan "
        b"Region security officials said, adding that there was no damage.</p></article>"
        b"</body></html>"
    )
    archive = tmp_path / "crawl.warc.gz"
    write_warc(
        archive,
        [
            ("https://news.example/harir", page, "2024-01-29T08:00:00Z"),
            ("https://news.example/logo.png", b"\x89PNG", "2024-01-29T08:00:00Z", "image/png"),
        ],
    )
    result = replay([archive], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    assert result.problems == []
    with store.begin() as conn:
        (event,) = event_store.list_events(conn)
    assert (event.base_id, str(event.day)) == ("harir", "2024-01-28")
    assert event.sources[0].url == "https://news.example/harir"


def _page(text: str) -> bytes:
    return f"<html><body><nav>Home</nav><article><p>{text}</p></article></body></html>".encode()


@pytest.mark.parametrize("workers", [1, 2])
def test_mixed_inputs_replay_in_publication_order(
    store: Store, rules: Ruleset, tmp_path: Path, workers: int
) -> None:
    """A WARC, a directory of HTML pages (dated by its manifest) and JSON Lines, given newest
    first, are replayed oldest first: the earliest report creates the event and raises its
    alert, the later ones update it, whatever the order of the inputs and the workers."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "first.html").write_bytes(
        _page(
            "A drone attack targeted Harir air base north of Erbil on Sunday evening, "
            "Kurdistan Region security officials said."
        )
    )
    (pages / "notes.html").write_bytes(_page("The city council met to discuss the budget."))
    (pages / "manifest.jsonl").write_text(
        json.dumps(
            {
                "file": "first.html",
                "url": "https://news.example/first",
                "published": "2024-01-28T20:00:00+00:00",
            }
        )
        + "\n"
    )
    archive = tmp_path / "crawl.warc.gz"
    write_warc(
        archive,
        [
            (
                "https://news.example/second",
                _page(
                    "Two drones struck Harir air base on Sunday, officials said. The Islamic "
                    "Resistance in Iraq claimed the attack on Harir."
                ),
                "2024-01-29T08:00:00Z",
            )
        ],
    )
    corpus = tmp_path / "later.jsonl"
    corpus.write_text(
        json.dumps(
            {
                "url": "https://news.example/third",
                "published": "2024-01-30T09:00:00+00:00",
                "text": "Sunday's drone attack on Harir air base caused no damage and no "
                "casualties, the coalition said on Tuesday.",
            }
        )
        + "\n"
    )
    result = replay(
        [corpus, archive, pages],
        store=store,
        rules=rules,
        policy=AlertPolicy(),
        now=NOW,
        workers=workers,
    )
    assert (result.records, result.unread, result.problem_count) == (4, 1, 0)
    with store.begin() as conn:
        (event,) = event_store.list_events(conn)
        recorded = outbox_store.list_alerts(conn)
    assert (event.base_id, str(event.day)) == ("harir", "2024-01-28")
    assert event.first_reported_at == datetime(2024, 1, 28, 20, tzinfo=UTC)
    assert event.sources[0].url == "https://news.example/first"
    assert {s.url for s in event.sources} == {
        "https://news.example/first",
        "https://news.example/second",
        "https://news.example/third",
    }
    assert (recorded[0].kind, recorded[0].created_at) == (
        "event.created",
        datetime(2024, 1, 28, 20, tzinfo=UTC),
    )
    assert all(a.kind == "event.updated" for a in recorded[1:])
    assert [a.created_at for a in recorded] == sorted(a.created_at for a in recorded)


def _fails_on_tanf(article: Article, rules: Ruleset) -> list[Report]:
    if "Tanf" in article.text:
        raise RecursionError("maximum recursion depth exceeded")
    return detect_events(article, rules)


def test_a_record_that_breaks_the_extractor_is_skipped(store: Store, rules: Ruleset) -> None:
    """An unexpected error on one record is counted against it; the rest is replayed."""
    result = replay(
        [SEEDS], store=store, rules=rules, policy=AlertPolicy(), now=NOW, detect=_fails_on_tanf
    )
    assert result.skipped == {"prepare: failed": 1}
    assert result.articles == 4
    with store.begin() as conn:
        assert "al-tanf" not in {e.base_id for e in event_store.list_events(conn)}


def test_oversized_pages_are_skipped_unread(
    store: Store, rules: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A "page" over the size limit (a video, a dump) is counted, never read into memory."""
    import monitor.corpora

    monkeypatch.setattr(monitor.corpora, "MAX_PAGE_BYTES", 2000)
    huge = _page("Rockets hit Harir air base on Monday, officials said. " + "x " * 2000)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "huge.html").write_bytes(huge)
    write_warc(
        tmp_path / "a.warc.gz", [("https://news.example/huge", huge, "2024-01-29T08:00:00Z")]
    )
    result = replay(
        [pages, tmp_path / "a.warc.gz"], store=store, rules=rules, policy=AlertPolicy(), now=NOW
    )
    assert result.skipped == {"corpus: too_large": 2}
    assert result.articles == 0


def test_an_article_naming_its_base_only_in_its_title_is_read(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """The relevance check reads the title too, as the extractor does."""
    corpus = tmp_path / "titled.jsonl"
    corpus.write_text(
        json.dumps(
            {
                "url": "https://news.example/titled",
                "published": "2024-01-28T20:00:00+00:00",
                "title": "Drones attack Ain al-Asad air base",
                "text": "Two drones attacked the base on Sunday evening, Iraqi security "
                "officials said. There were no casualties.",
            }
        )
        + "\n"
    )
    result = replay([corpus], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    assert (result.unread, result.articles) == (0, 1)


def test_gold_documents_named_by_file_are_dated(store: Store, rules: Ruleset) -> None:
    """A gold label's bare file name finds the article replayed from that file (and only it:
    "_" in a name is no wildcard)."""
    from monitor.store import articles as article_store

    replay([SEEDS], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    name = "000_346e118d387ee447.txt"
    with store.begin() as conn:
        found = article_store.published_at_of(conn, [name, name.replace("_", "x", 1)])
    assert list(found) == [name]
    assert found[name].tzinfo is not None


def _warc_record(uri: str | None, http: bytes, length: int | None = None) -> bytes:
    """One plain WARC response record, as a hostile archive may hold it."""
    headers = "WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2024-01-29T08:00:00Z\r\n"
    headers += f"WARC-Target-URI: {uri}\r\n" if uri else ""
    headers += f"Content-Length: {len(http) if length is None else length}\r\n\r\n"
    return headers.encode() + http + b"\r\n\r\n"


def _http_page(base: str) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + _attack_page(base)


def _attack_page(base: str) -> bytes:
    return _page(
        f"Two drones targeted {base} on Sunday evening, security officials said, adding that "
        "there was no damage and no one was hurt in the attack."
    )


@pytest.mark.parametrize(
    "broken",
    [
        _warc_record(None, _http_page("Tower 22")),
        _warc_record("https://news.example/t22", _http_page("Tower 22"), length=9),
        b"<html>not a WARC record</html>\r\n\r\n",
    ],
    ids=["no-target-uri", "short-content-length", "garbage-between-records"],
)
def test_malformed_warc_records_are_skipped_and_the_rest_replayed(
    store: Store, rules: Ruleset, tmp_path: Path, broken: bytes
) -> None:
    """A malformed WARC record is one problem naming its file and byte offset (or the last
    record read before it); the records after it in its file, and the good files beside it,
    are replayed."""
    first = _warc_record("https://news.example/h", _http_page("Harir air base"))
    after = _warc_record("https://news.example/c", _http_page("the Conoco gas field base"))
    bad = tmp_path / "bad.warc"
    bad.write_bytes(first + broken + after)
    good = tmp_path / "good.warc.gz"
    write_warc(good, [("https://news.example/a", _attack_page("Ain al-Asad"), "2024-01-29")])
    result = replay([bad, good], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    (problem,) = result.problems
    assert re.fullmatch(rf"{re.escape(str(bad))}@\d+", problem.where)
    # named by its offset, or by the record before it and the offset reading resumed at
    skipped_to = re.search(r"skipped to byte (\d+)$", problem.message)
    offset = int(skipped_to[1]) if skipped_to else int(problem.where.rsplit("@", 1)[1])
    assert offset >= len(first)
    with store.begin() as conn:
        bases = {e.base_id for e in event_store.list_events(conn)}
    assert {"harir", "conoco", "ain-al-asad"} <= bases


def test_a_malformed_record_in_a_gzipped_warc_is_skipped(rules: Ruleset, tmp_path: Path) -> None:
    """In a WARC.gz, reading resumes at the gzip member after a record it cannot frame."""
    import gzip

    from monitor.corpora import CorpusProblem, list_inputs, read_records

    records = [
        _warc_record("https://news.example/1", _http_page("One.")),
        _warc_record("https://news.example/2", _http_page("Two."), length=5),
        b"not a WARC record at all\r\n\r\n",
        _warc_record("https://news.example/3", _http_page("Three.")),
    ]
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(b"".join(gzip.compress(r) for r in records))
    read = list(read_records(list_inputs([archive]).inputs, now=NOW))
    pages = [r[1].url for r in read if not isinstance(r, CorpusProblem)]  # type: ignore[union-attr]
    assert pages[0] == "https://news.example/1"
    assert pages[-1] == "https://news.example/3"
    assert all(isinstance(r, CorpusProblem) for r in read if r not in (read[0], read[-1]))


def test_an_overlong_json_line_is_skipped_without_being_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON Lines row over the size cap of pages is one problem naming its line, read past in
    bounded pieces (never held whole); the rows around it are read; an over-long text file is
    skipped unread as a page is."""
    import tracemalloc

    import monitor.corpora
    from monitor.corpora import CorpusProblem, list_inputs, read_records

    monkeypatch.setattr(monitor.corpora, "MAX_PAGE_BYTES", 2000)
    row = {"url": "https://news.example/{}", "published": "2024-01-29", "text": "Drones."}
    corpus = tmp_path / "big.jsonl"
    with corpus.open("w") as out:
        out.write(json.dumps({**row, "url": "https://news.example/1"}) + "\n")
        out.write(json.dumps({**row, "text": "x" * 8_000_000}) + "\n")
        out.write(json.dumps({**row, "url": "https://news.example/3"}) + "\n")
    (tmp_path / "big.txt").write_text("date 2024-01-29 " + "y" * 3000)
    tracemalloc.start()
    try:
        read = list(read_records(list_inputs([corpus, tmp_path / "big.txt"]).inputs, now=NOW))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # a quarter of the line
    assert read[1] == CorpusProblem(f"{corpus}:2", "line over 2000 bytes: skipped unread")
    assert [r[1].url for r in (read[0], read[2])] == [  # type: ignore[index,union-attr]
        "https://news.example/1",
        "https://news.example/3",
    ]
    assert read[3][1].reason == "too_large"  # type: ignore[index,union-attr]


@pytest.mark.parametrize(
    ("token", "published"),
    [
        ("date 0001-01-01", None),
        ("date 9999-12-31", None),
        ("date 1989-12-31", None),
        ("date 2026-01-03", None),
        ("date 2026-01-01", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        ("date 2024-01-29", datetime(2024, 1, 29, 12, tzinfo=UTC)),
    ],
    ids=["year-1", "year-9999", "before-1990", "after-tomorrow", "today", "plausible"],
)
def test_implausible_date_tokens_date_nothing(
    store: Store, rules: Ruleset, tmp_path: Path, token: str, published: datetime | None
) -> None:
    """A date token before 1990 or more than a day after "now" is no date (the article is left
    to its other clues), so neither overflows nor dates an event in 9999."""
    corpus = tmp_path / "seed.txt"
    corpus.write_text(f"{token} Rockets hit Harir air base on Monday, officials said.\n")
    result = replay([corpus], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    assert result.problems == []
    with store.begin() as conn:
        (event,) = event_store.list_events(conn)
        (source,) = event.sources
    assert source.published_at == published


def test_implausible_record_dates_are_problems(rules: Ruleset, tmp_path: Path) -> None:
    """A JSON Lines or manifest ``published`` outside 1990 .. now + 1 day is a problem naming
    the record, like an unparsable one; an implausible WARC-Date dates nothing."""
    from monitor.corpora import CorpusProblem, list_inputs, read_records

    corpus = tmp_path / "dated.jsonl"
    corpus.write_text(
        json.dumps({"published": "9999-12-31", "text": "x"})
        + "\n"
        + json.dumps({"published": "1970-01-01T00:00:00Z", "text": "x"})
        + "\n"
    )
    archive = tmp_path / "a.warc.gz"
    write_warc(archive, [("https://news.example/p", _page("Rockets."), "2999-01-01T00:00:00Z")])
    read = list(read_records(list_inputs([corpus, archive]).inputs, now=NOW))
    assert [r.where for r in read[:2]] == [f"{corpus}:1", f"{corpus}:2"]  # type: ignore[union-attr]
    assert all(isinstance(r, CorpusProblem) and "out of range" in r.message for r in read[:2])
    assert read[2][1].fallback_at is None  # type: ignore[index,union-attr]


@pytest.mark.parametrize("store", ["postgres"], indirect=True)  # SQLite keeps long values
def test_an_over_long_target_uri_skips_its_record_only(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """A WARC response whose Target-URI is longer than a URL column is skipped with a line
    naming it; the good record beside it is replayed (PostgreSQL refuses the long value)."""
    page = _page(
        "Two drones targeted Harir air base north of Erbil on Sunday, Kurdistan Region "
        "security officials said, adding that there was no damage."
    )
    archive = tmp_path / "crawl.warc.gz"
    write_warc(
        archive,
        [
            ("https://news.example/" + "x" * 5000, page, "2024-01-29T08:00:00Z"),
            (
                "https://news.example/harir",
                page.replace(b"Sunday", b"Monday"),
                "2024-01-30T08:00:00Z",
            ),
        ],
    )
    result = replay([archive], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    assert len(result.problems) == 1
    with store.begin() as conn:
        assert [e.base_id for e in event_store.list_events(conn)] == ["harir"]


@pytest.mark.parametrize("target", ["/relative/path", "javascript:alert(1)", "https://"])
def test_a_warc_record_whose_target_is_no_web_address_is_named(
    store: Store, rules: Ruleset, tmp_path: Path, target: str
) -> None:
    """A WARC response whose Target-URI is no http(s) address with a host is a problem naming
    the record, not a page dropped without a word."""
    page = _page("Rockets fell near Harir air base on Sunday, officials said.")
    archive = tmp_path / "crawl.warc.gz"
    write_warc(archive, [(target, page, "2024-01-29T08:00:00Z")])
    result = replay([archive], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    (problem,) = result.problems
    assert "WARC-Target-URI" in problem.message
    assert problem.where.startswith(str(archive))


def test_a_jsonl_record_whose_url_is_not_http_is_skipped(
    store: Store, rules: Ruleset, tmp_path: Path
) -> None:
    """A JSON Lines record whose url is not http(s) (javascript:, data:) is skipped with a line
    naming it, as a WARC record's is: only web pages are replayed, and alerts link them."""
    corpus = tmp_path / "c.jsonl"
    record = {
        "url": "javascript:alert(1)",
        "published": "2024-01-29T08:00:00Z",
        "title": "Drones hit Harir",
        "text": "Two drones targeted Harir air base north of Erbil on Sunday, officials said.",
    }
    corpus.write_text(json.dumps(record) + "\n")
    result = replay([corpus], store=store, rules=rules, policy=AlertPolicy(), now=NOW)
    assert len(result.problems) == 1
    with store.begin() as conn:
        assert event_store.list_events(conn) == []
