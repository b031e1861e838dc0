"""Backtest scoring against gold labels (monitor/pipeline/score.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.pipeline.score import gold_events, score_events
from monitor.records import Attribution, Event, Outcome, Source

NOW = datetime(2024, 1, 29, tzinfo=UTC)


def _event(event_id: int, base: str, day: date | None, *urls: str) -> Event:
    return Event(
        id=event_id,
        key=f"k{event_id}",
        base_id=base,
        base_name=base,
        base_mention=base,
        country="IQ",
        location=(0.0, 0.0),
        day=day,
        day_expression=None,
        weapons=("drone",),
        munitions_count=None,
        attack_count=1,
        claimed_by=None,
        attribution=Attribution.REPORTED,
        outcome=Outcome.UNKNOWN,
        injured=None,
        killed=None,
        first_reported_at=NOW,
        updated_at=NOW,
        sources=tuple(Source(url=u, title="", published_at=None, evidence="e") for u in urls),
    )


def _gold(doc: str, base: str, day: str | None, *, background: bool = False) -> dict:  # type: ignore[type-arg]
    return {
        "id": doc,
        "url": f"https://news.example/{doc}",
        "events": [
            {
                "base": base,
                "date": day,
                "weapons": ["drone"],
                "outcome": "unknown",
                "is_background": background,
            }
        ],
    }


def _score(events: list[Event], *rows: dict):  # type: ignore[no-untyped-def,type-arg]
    return score_events(events, [g for row in rows for g in gold_events(row)])


def test_one_event_for_an_attack_two_outlets_labelled() -> None:
    """Two documents labelling the same base and day are one attack: one event finds both."""
    score = _score(
        [_event(1, "harir", date(2024, 1, 28), "https://news.example/a")],
        _gold("a", "harir", "2024-01-28"),
        _gold("b", "harir", "2024-01-28"),
    )
    assert (score.precision, score.recall, len(score.duplicates)) == (1.0, 1.0, 0)


def test_second_event_for_one_attack_is_a_duplicate() -> None:
    """Two events within a day of one labelled attack: the second is a duplicate."""
    score = _score(
        [_event(1, "harir", date(2024, 1, 28)), _event(2, "harir", date(2024, 1, 29))],
        _gold("a", "harir", "2024-01-28"),
    )
    assert [e.id for e in score.duplicates] == [2]
    assert score.precision == pytest.approx(0.5)
    assert score.recall == 1.0


def test_undated_label_is_found_by_an_event_citing_its_document() -> None:
    """An undated label is matched by an event of its base that cites its document."""
    cited = _score([_event(1, "harir", None, "https://news.example/a")], _gold("a", "harir", None))
    uncited = _score(
        [_event(1, "harir", None, "https://news.example/z")], _gold("a", "harir", None)
    )
    assert (cited.recall, cited.precision) == (1.0, 1.0)
    assert (uncited.recall, len(uncited.false_positives)) == (0.0, 1)


def test_consecutive_days_are_two_attacks() -> None:
    """Labels on consecutive days of one base each need their own event."""
    score = _score(
        [_event(1, "ain-al-asad", date(2023, 10, 31))],
        _gold("a", "ain-al-asad", "2023-10-31"),
        _gold("a", "ain-al-asad", "2023-10-30"),
    )
    assert score.recall == pytest.approx(0.5)
    assert [(g.base, str(g.day)) for g in score.misses] == [("ain-al-asad", "2023-10-30")]


def test_background_labels_are_optional() -> None:
    """A background label neither counts as missed nor makes its event false."""
    found = _score(
        [_event(1, "harir", date(2024, 1, 1))], _gold("a", "harir", "2024-01-01", background=True)
    )
    missed = _score([], _gold("a", "harir", "2024-01-01", background=True))
    assert (found.precision, len(found.false_positives)) == (1.0, 0)
    assert (missed.recall, missed.misses) == (1.0, [])


def test_unnamed_targets_are_not_scored() -> None:
    """Labels of unnamed targets and untracked events are outside the figures."""
    untracked = _event(1, "harir", date(2024, 1, 1))
    untracked = Event(
        **{
            **{f: getattr(untracked, f) for f in Event.__slots__},  # type: ignore[arg-type]
            "base_id": None,
        }
    )
    score = _score([untracked], _gold("a", "unnamed", "2024-01-01"))
    assert (score.precision, score.recall, score.false_positives) == (1.0, 1.0, [])


def test_closest_event_takes_the_label() -> None:
    """Of two events a day apart, the one on the labelled day is the match, the other the
    duplicate, whatever their order."""
    score = _score(
        [_event(1, "harir", date(2024, 1, 1)), _event(2, "harir", date(2024, 1, 2))],
        _gold("a", "harir", "2024-01-02"),
    )
    assert [e.id for e in score.duplicates] == [1]
    assert score.field_accuracy()["day"] == 1.0
