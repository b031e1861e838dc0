"""Score detected events against gold labels (the format of ``seeds.gold.jsonl``).

Over tracked-base events: a predicted event matches a gold event of the same base whose day is
within one day; an undated gold event is matched by a predicted event of that base citing the
document among its sources. Each gold event is matched once: another predicted event for it is a
duplicate and counts against precision. Gold events marked ``is_background`` are optional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from monitor.pipeline.dedup import canonical_url
from monitor.records import Event

FIELDS = ("day", "weapons", "munitions_count", "claimed_by", "outcome")


@dataclass(frozen=True, slots=True)
class GoldEvent:
    document: str  # the gold document id
    urls: frozenset[str]  # URLs (or file names) under which the document is replayed
    base: str
    day: date | None
    weapons: frozenset[str]
    munitions_count: int | None
    claimed_by: str | None
    outcome: str
    is_background: bool


@dataclass(slots=True)
class Score:
    true_positives: int = 0
    false_positives: list[Event] = field(default_factory=list)
    duplicates: list[Event] = field(default_factory=list)
    misses: list[GoldEvent] = field(default_factory=list)
    field_hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    matched: int = 0
    predicted_true: int = 0  # predicted events that report a labelled attack
    pairs: list[tuple[GoldEvent, Event]] = field(default_factory=list)  # matched, for fields

    @property
    def precision(self) -> float:
        predicted = self.predicted_true + len(self.false_positives) + len(self.duplicates)
        return self.predicted_true / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        relevant = self.true_positives + len(self.misses)
        return self.true_positives / relevant if relevant else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def field_accuracy(self) -> dict[str, float]:
        return {k: (v / self.matched if self.matched else 1.0) for k, v in self.field_hits.items()}


def gold_events(row: Mapping[str, Any]) -> list[GoldEvent]:
    """The tracked-base gold events of one gold document."""
    names = {canonical_url(str(v)) for v in (row.get("url"), row.get("file")) if v}
    return [
        GoldEvent(
            document=str(row.get("id") or row.get("file")),
            urls=frozenset(names),
            base=event["base"],
            day=date.fromisoformat(event["date"]) if event.get("date") else None,
            weapons=frozenset(event.get("weapons") or ()),
            munitions_count=event.get("munitions_count"),
            claimed_by=event.get("claimed_by"),
            outcome=event.get("outcome") or "unknown",
            is_background=bool(event.get("is_background")),
        )
        for event in row.get("events", ())
        if event.get("base") and event["base"] != "unnamed"
    ]


def merge_gold(gold: Sequence[GoldEvent]) -> list[GoldEvent]:
    """One gold event per attack: the same base and day labelled in several documents (several
    outlets, or a syndicated copy) is one attack, which a system should report once."""
    merged: dict[tuple[str, date], GoldEvent] = {}
    out: list[GoldEvent] = []
    for event in gold:
        if event.day is None:
            out.append(event)
            continue
        key = (event.base, event.day)
        first = merged.get(key)
        if first is None:
            merged[key] = event
            out.append(event)
            continue
        joined = replace(
            first,
            urls=first.urls | event.urls,
            is_background=first.is_background and event.is_background,
        )
        merged[key] = joined
        out[out.index(first)] = joined
    return out


def score_events(events: Sequence[Event], gold: Sequence[GoldEvent]) -> Score:
    """Precision, recall, duplicates and per-field accuracy of ``events`` against ``gold``.

    Each predicted event takes its closest unclaimed dated gold event (and every undated gold
    event of its base whose document it cites); an event whose every match is already taken is a
    duplicate, one with no match is false. Background gold events may be found or not.
    """
    gold = merge_gold(gold)
    score = Score()
    tracked = [e for e in events if e.tracked]
    matches = {id(e): _matches(e, gold) for e in tracked}
    # Dated labels go to their closest events first (then the earliest), so the event on the
    # right day is not made a duplicate by one a day off that happened to come first.
    pairs = sorted(
        (_distance(event, gold[index]), n, index)
        for n, event in enumerate(tracked)
        for index in matches[id(event)]
        if gold[index].day is not None
    )
    primary: dict[int, Event] = {}
    taken_by: dict[int, int] = {}  # event position -> its label
    for _, n, index in pairs:
        if index not in primary and n not in taken_by:
            primary[index] = tracked[n]
            taken_by[n] = index
    found = set(primary)
    for n, event in enumerate(tracked):
        undated = [i for i in matches[id(event)] if gold[i].day is None and i not in found]
        if undated and n not in taken_by:
            taken_by[n] = undated[0]
            primary[undated[0]] = event
        found.update(undated)
    for n, event in enumerate(tracked):
        if not matches[id(event)]:
            score.false_positives.append(event)
        elif n not in taken_by:
            score.duplicates.append(event)
        elif not gold[taken_by[n]].is_background:
            score.predicted_true += 1
    for index, gold_event in enumerate(gold):
        if not gold_event.is_background:
            if index in found:
                score.true_positives += 1
            else:
                score.misses.append(gold_event)
    # Fields are compared once per reported attack: each event against the label it took first.
    for index, event in primary.items():
        if gold[index].is_background:
            continue
        score.matched += 1
        score.pairs.append((gold[index], event))
        for name, hit in _field_hits(event, gold[index]).items():
            score.field_hits[name] += int(hit)
    return score


def _distance(event: Event, gold_event: GoldEvent) -> int:
    if event.day is None or gold_event.day is None:
        return 2
    return abs((event.day - gold_event.day).days)


def _matches(event: Event, gold: Sequence[GoldEvent]) -> list[int]:
    """The gold events this one may report, closest first."""
    candidates = []
    for index, gold_event in enumerate(gold):
        if gold_event.base != event.base_id:
            continue
        if gold_event.day is None:
            if _cites(event, gold_event):
                candidates.append((0, index))
        elif event.day is not None and abs((event.day - gold_event.day).days) <= 1:
            candidates.append((abs((event.day - gold_event.day).days), index))
        elif event.day is None and _cites(event, gold_event):
            candidates.append((2, index))
    return [index for _, index in sorted(candidates)]


def _cites(event: Event, gold_event: GoldEvent) -> bool:
    return any(
        source.url in gold_event.urls or any(source.url.endswith("/" + u) for u in gold_event.urls)
        for source in event.sources
    )


def _field_hits(event: Event, gold: GoldEvent) -> dict[str, bool]:
    weapons = frozenset(event.weapons) - {"unknown"}
    return {
        "day": event.day == gold.day,
        "weapons": weapons == gold.weapons - {"unknown"},
        "munitions_count": event.munitions_count == gold.munitions_count,
        "claimed_by": _same_group(event.claimed_by, gold.claimed_by),
        "outcome": event.outcome.value == gold.outcome,
    }


def _same_group(found: str | None, gold: str | None) -> bool:
    if found is None or gold is None:
        return found is gold
    a, b = found.casefold(), gold.casefold()
    return a == b or a in b or b in a


def score_summary(score: Score) -> dict[str, Any]:
    """The figures and lists of a backtest as one JSON-ready object."""
    return {
        "precision": round(score.precision, 4),
        "recall": round(score.recall, 4),
        "f1": round(score.f1, 4),
        "true_positives": score.true_positives,
        "duplicates": len(score.duplicates),
        "false_positives": len(score.false_positives),
        "misses": len(score.misses),
        "matched": score.matched,
        "field_accuracy": {k: round(v, 4) for k, v in score.field_accuracy().items()},
        "missed_events": [
            {
                "document": g.document,
                "base": g.base,
                "date": g.day.isoformat() if g.day else None,
                "url": min(g.urls, key=lambda u: (not u.startswith("http"), u), default=None),
            }
            for g in score.misses
        ],
        "false_events": [_event_summary(e) for e in score.false_positives],
        "duplicate_events": [_event_summary(e) for e in score.duplicates],
        "field_errors": [
            {
                "id": event.id,
                "document": gold.document,
                "base": gold.base,
                "date": gold.day.isoformat() if gold.day else None,
                "field": name,
                "found": _field_value(event, name),
                "labelled": _gold_value(gold, name),
            }
            for gold, event in score.pairs
            for name, hit in _field_hits(event, gold).items()
            if not hit
        ],
    }


def _field_value(event: Event, name: str) -> Any:
    if name == "day":
        return event.day.isoformat() if event.day else None
    if name == "weapons":
        return sorted(set(event.weapons) - {"unknown"})
    if name == "outcome":
        return event.outcome.value
    return getattr(event, name)


def _gold_value(gold: GoldEvent, name: str) -> Any:
    if name == "day":
        return gold.day.isoformat() if gold.day else None
    if name == "weapons":
        return sorted(gold.weapons - {"unknown"})
    return getattr(gold, name)


def _event_summary(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "base": event.base_id,
        "date": event.day.isoformat() if event.day else None,
        "sources": [s.url for s in event.sources],
        "evidence": event.sources[0].evidence if event.sources else "",
    }
