"""What a backtest found, as one JSON-ready report: ``backtest_report``.

The report holds the accuracy figures (exactly ``monitor backtest --json``'s object, when gold
labels were given), every tracked base with its count of attacks, the attacks per base and day
(for a timeline), every event with its sources and evidence, and when each event would have
been alerted relative to its first report.

"First report" is the earliest publication among the event's sources; with gold labels, the
earliest publication among the labelled documents reporting that attack, when earlier (a report
the extractor missed). In a replay, an alert is recorded at the publication time of the article
that raised it: the monitor's own latency (seconds, see the README) comes on top.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from monitor.pipeline.alerts import event_object
from monitor.pipeline.score import GoldEvent
from monitor.records import Alert, Base, Event

SCHEMA = 1
AT_FIRST_REPORT_S = 60.0  # alerted within this of the first report: "at first report"


def backtest_report(
    *,
    events: Sequence[Event],
    alerts: Sequence[Alert],
    bases: Sequence[Base],
    figures: Mapping[str, Any] | None,
    matched: Sequence[tuple[GoldEvent, Event]] = (),
    published: Mapping[str, datetime] | None = None,
    replay: Mapping[str, Any],
    inputs: Sequence[str],
    extractor: str,
    generated_at: datetime,
) -> dict[str, Any]:
    """The report of a backtest; ``matched`` pairs gold events with the events that found
    them and ``published`` dates the gold documents' URLs."""
    earliest_labelled = _earliest_labelled(matched, published or {})
    timings = {e.id: _timing(e, alerts, earliest_labelled.get(e.id)) for e in events}
    tracked = [e for e in events if e.base_id is not None]
    per_base = Counter(e.base_id for e in tracked)
    per_day = Counter((e.base_id, e.day.isoformat()) for e in tracked if e.day is not None)
    return {
        "schema": SCHEMA,
        "generated_at": generated_at.isoformat(),
        "inputs": list(inputs),
        "extractor": extractor,
        "replay": dict(replay),
        "figures": dict(figures) if figures is not None else None,
        "bases": [
            {
                "id": base.id,
                "name": base.name,
                "country": base.country,
                "location": list(base.location),
                "attacks": per_base.get(base.id, 0),
            }
            for base in bases
        ],
        "timeline": [
            {"base": base, "date": day, "attacks": count}
            for (base, day), count in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        ],
        "events": [{**event_object(e), "alert": timings[e.id]} for e in events],
        "alert_timing": _timing_summary(list(timings.values())),
    }


def _earliest_labelled(
    matched: Sequence[tuple[GoldEvent, Event]], published: Mapping[str, datetime]
) -> dict[int, datetime]:
    earliest: dict[int, datetime] = {}
    for gold, event in matched:
        times = [published[url] for url in gold.urls if url in published]
        if times:
            first = min(times)
            earliest[event.id] = min(first, earliest.get(event.id, first))
    return earliest


def _timing(event: Event, alerts: Sequence[Alert], labelled: datetime | None) -> dict[str, Any]:
    dated = [s.published_at for s in event.sources if s.published_at is not None]
    times = [*dated, *([labelled] if labelled is not None else [])]
    first = min(times) if times else None
    own = sorted((a for a in alerts if a.event_id == event.id), key=lambda a: a.created_at)
    created = next((a for a in own if a.kind == "event.created"), None)

    def delay(at: datetime) -> float | None:
        # Undated articles are replayed last, at the latest time seen: no delay to speak of.
        return round((at - first).total_seconds(), 1) if first is not None and dated else None

    return {
        "first_report_at": first.isoformat() if first else None,
        "alerted_at": created.created_at.isoformat() if created else None,
        "delay_s": delay(created.created_at) if created else None,
        "updates": [
            {"at": a.created_at.isoformat(), "delay_s": delay(a.created_at)}
            for a in own
            if a.kind == "event.updated"
        ],
    }


def _timing_summary(timings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    delays = sorted(t["delay_s"] for t in timings if t["delay_s"] is not None)
    return {
        "events": len(timings),
        "alerted": sum(1 for t in timings if t["alerted_at"] is not None),
        "at_first_report": sum(1 for d in delays if d <= AT_FIRST_REPORT_S),
        "not_alerted": sum(1 for t in timings if t["alerted_at"] is None),
        "median_delay_s": statistics.median(delays) if delays else None,
        "p90_delay_s": _percentile(delays, 0.9) if delays else None,
        "max_delay_s": delays[-1] if delays else None,
    }


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]
