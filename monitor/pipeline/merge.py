"""Merge reports of one attack into one event: keys, matching and the facts a report adds.

An event is identified by (base, day): several outlets reporting the same attack, or a claim
followed by a confirmation, become one event listing all its sources. A report that fixes no day
joins an event of its base only when the event's day is within ``UNDATED_WINDOW_DAYS`` of the
report's publication: the one such event, or the one whose weapons and munition counts agree
with it; otherwise it stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from monitor.records import Attribution, Event, Report

UNDATED_WINDOW_DAYS = 2
_ATTRIBUTION_RANK = {Attribution.CLAIMED: 0, Attribution.REPORTED: 1, Attribution.CONFIRMED: 2}


def event_key(report: Report, *, article_hash: str) -> str:
    """The unique key of the event a report belongs to, when it can be computed alone."""
    base = report.base_id or f"unnamed-{(report.country or 'xx').lower()}"
    if report.base_id is not None and report.day is not None:
        return f"{base}/{report.day.isoformat()}"
    day = report.day.isoformat() if report.day else "undated"
    return f"{base}/{day}/{article_hash[:16]}"


def candidate_days(published_at: datetime | None) -> tuple[date, date] | None:
    """The range of event days an undated report may join, or None when it may join none."""
    if published_at is None:
        return None
    day = published_at.date()
    return day - timedelta(days=UNDATED_WINDOW_DAYS), day


def choose_event(report: Report, candidates: Sequence[Event]) -> Event | None:
    """The event an undated report of a tracked base belongs to: the one recent event of its
    base, or, among several, the one whose weapons and munition count agree with it.

    Outlets count munitions differently ("two rockets" here, "three" there) and a later report
    often corrects an earlier one, so with one recent event a disagreement is not another
    attack: a second alert for the same attack teaches users to ignore the product."""
    same_base = [event for event in candidates if event.base_id == report.base_id]
    if len(same_base) == 1:
        return same_base[0]
    fitting = [
        event
        for event in same_base
        if _weapons_agree(event.weapons, report.weapons)
        and _counts_agree(event.munitions_count, report.munitions_count)
    ]
    if len(fitting) != 1:
        return None  # none, or ambiguous: a new event is safer than a wrong merge
    return fitting[0]


def merge_report(event: Event, report: Report) -> tuple[Event, tuple[str, ...]]:
    """The event with what ``report`` adds, and the names of the facts that are new.

    Only facts a user acts on count as new (casualties, outcome, claimant, confirmation, a
    resolved day); a mere repeat adds nothing, so it never triggers an update alert.
    """
    added: list[str] = []
    weapons = tuple(sorted({*event.weapons, *report.weapons} - {"unknown"})) or ("unknown",)
    outcome = event.outcome
    if report.outcome.severity > event.outcome.severity:
        outcome = report.outcome
        added.append("outcome")
    injured = _larger(event.injured, report.injured)
    if injured != event.injured:
        added.append("injured")
    killed = _larger(event.killed, report.killed)
    if killed != event.killed:
        added.append("killed")
    claimed_by = event.claimed_by
    if claimed_by is None and report.claimed_by is not None:
        claimed_by = report.claimed_by
        added.append("claimed_by")
    attribution = event.attribution
    if _ATTRIBUTION_RANK[report.attribution] > _ATTRIBUTION_RANK[event.attribution]:
        attribution = report.attribution
        added.append("attribution")
    day, day_expression = event.day, event.day_expression
    if day is None and report.day is not None:
        day, day_expression = report.day, report.day_expression
        added.append("date")
    merged = replace(
        event,
        weapons=weapons,
        munitions_count=_larger(event.munitions_count, report.munitions_count),
        attack_count=max(event.attack_count, report.attack_count),
        claimed_by=claimed_by,
        attribution=attribution,
        outcome=outcome,
        injured=injured,
        killed=killed,
        day=day,
        day_expression=day_expression,
    )
    return merged, tuple(added)


def _larger(old: int | None, new: int | None) -> int | None:
    if new is None:
        return old
    return new if old is None else max(old, new)


def _counts_agree(known: int | None, reported: int | None) -> bool:
    return known is None or reported is None or known == reported


def _weapons_agree(known: Sequence[str], reported: Sequence[str]) -> bool:
    a, b = set(known) - {"unknown"}, set(reported) - {"unknown"}
    return not a or not b or bool(a & b)
