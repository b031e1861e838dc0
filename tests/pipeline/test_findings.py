"""The backtest report's data (monitor/pipeline/findings.py): bases, timeline, alert timing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from monitor.pipeline.findings import backtest_report
from monitor.pipeline.score import GoldEvent
from monitor.records import Alert, Base, Source
from tests.pipeline.test_score import _event

T0 = datetime(2024, 1, 28, 20, tzinfo=UTC)
BASES = [
    Base("harir", "Harir Air Base", "Iraq", (36.5, 44.3), ("Harir",)),
    Base("tanf", "Al-Tanf Garrison", "Syria", (33.5, 38.6), ("Tanf",)),
]


def _sourced(event_id: int, base: str | None, day: date | None, *published: datetime):  # type: ignore[no-untyped-def]
    event = _event(event_id, base or "x", day)
    sources = tuple(
        Source(url=f"https://news.example/{event_id}/{n}", title="", published_at=at, evidence="e")
        for n, at in enumerate(published)
    )
    return replace(event, base_id=base, sources=sources)


def _alert(alert_id: int, event_id: int, kind: str, at: datetime) -> Alert:
    return Alert(alert_id, event_id, kind, at, "{}")


def _report(events, alerts, **extra):  # type: ignore[no-untyped-def]
    return backtest_report(
        events=events,
        alerts=alerts,
        bases=BASES,
        figures=extra.pop("figures", None),
        replay={"records": 3},
        inputs=["corpus.jsonl"],
        extractor="rules",
        generated_at=T0,
        **extra,
    )


def test_bases_timeline_and_events() -> None:
    """Every configured base is listed with its attacks (undated ones too); the timeline counts
    dated attacks per base and day; untracked events are listed but neither mapped nor
    charted."""
    day = date(2024, 1, 28)
    events = [
        _sourced(1, "harir", day, T0),
        _sourced(2, "harir", day + timedelta(days=2), T0 + timedelta(days=2)),
        _sourced(3, "harir", None, T0),
        _sourced(4, None, day, T0),
    ]
    report = _report(events, [])
    assert [(b["id"], b["attacks"]) for b in report["bases"]] == [("harir", 3), ("tanf", 0)]
    assert report["timeline"] == [
        {"base": "harir", "date": "2024-01-28", "attacks": 1},
        {"base": "harir", "date": "2024-01-30", "attacks": 1},
    ]
    assert [e["id"] for e in report["events"]] == [1, 2, 3, 4]
    assert report["figures"] is None


def test_alert_timing_against_sources_and_gold() -> None:
    """An event alerted by its first source is alerted "at first report"; one whose attack a
    labelled document reported a day earlier (the extractor missed it there) is a day late;
    updates are timed from the first report too; an event without an alert is counted."""
    on_time = _sourced(1, "harir", date(2024, 1, 28), T0, T0 + timedelta(hours=5))
    late = _sourced(2, "tanf", date(2024, 1, 29), T0 + timedelta(days=1))
    silent = _sourced(3, "harir", None, T0)
    alerts = [
        _alert(1, 1, "event.created", T0),
        _alert(2, 1, "event.updated", T0 + timedelta(hours=5)),
        _alert(3, 2, "event.created", T0 + timedelta(days=1)),
    ]
    gold = GoldEvent(
        document="D0",
        urls=frozenset({"https://news.example/d0", "https://news.example/2/0"}),
        base="tanf",
        day=date(2024, 1, 29),
        weapons=frozenset(),
        munitions_count=None,
        claimed_by=None,
        outcome="unknown",
        is_background=False,
    )
    report = _report(
        [on_time, late, silent],
        alerts,
        matched=[(gold, late)],
        published={"https://news.example/d0": T0, "https://news.example/2/0": T0 + timedelta(1)},
    )
    timing = {e["id"]: e["alert"] for e in report["events"]}
    assert timing[1]["delay_s"] == 0.0
    assert timing[1]["updates"] == [
        {"at": (T0 + timedelta(hours=5)).isoformat(), "delay_s": 5 * 3600.0}
    ]
    assert timing[2]["first_report_at"] == T0.isoformat()
    assert timing[2]["delay_s"] == 86400.0
    assert timing[3]["alerted_at"] is None
    assert report["alert_timing"] == {
        "events": 3,
        "alerted": 2,
        "at_first_report": 1,
        "not_alerted": 1,
        "median_delay_s": 43200.0,
        "p90_delay_s": 86400.0,
        "max_delay_s": 86400.0,
    }


def test_an_event_of_undated_articles_has_no_delay() -> None:
    """Undated articles are replayed last, at the latest time seen: their events are alerted,
    but no delay is claimed for them, even against a dated label."""
    undated = _sourced(1, "harir", None, None)  # type: ignore[arg-type]
    report = _report(
        [undated],
        [_alert(1, 1, "event.created", T0 + timedelta(days=30))],
        matched=[
            (
                GoldEvent(
                    "D",
                    frozenset({"https://news.example/1/0"}),
                    "harir",
                    None,
                    frozenset(),
                    None,
                    None,
                    "unknown",
                    False,
                ),
                undated,
            )
        ],
        published={"https://news.example/1/0": T0},
    )
    (timing,) = (e["alert"] for e in report["events"])
    assert timing["first_report_at"] == T0.isoformat()
    assert timing["alerted_at"] is not None
    assert timing["delay_s"] is None
    assert report["alert_timing"]["median_delay_s"] is None
