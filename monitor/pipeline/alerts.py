"""Render events: the export object (README "Event object"), its CSV and GeoJSON forms, and
webhook alert bodies.

The same JSON object is printed by ``monitor events --format jsonl``, sent in alerts, and
documented in the README; a test compares all three.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from monitor.records import Attribution, Event, Outcome, Source

SCHEMA_VERSION = 1
ALERT_KINDS = ("event.created", "event.updated", "monitor.test")
_SLACK_TEXT_LIMIT = 3000  # characters in one Slack section block
_DISCORD_DESCRIPTION_LIMIT = 4096
_TEAMS_TEXT_LIMIT = 20000
# The event object's fields, flat: its location as latitude and longitude, its sources as their
# URLs and as a JSON array (title, published, evidence, url). A field the object gains and this
# lacks makes the export fail (csv.DictWriter), so the CSV can never fall behind the JSON.
CSV_COLUMNS = (
    "id",
    "base",
    "base_name",
    "base_mention",
    "tracked",
    "latitude",
    "longitude",
    "country",
    "date",
    "date_expression",
    "weapons",
    "munitions_count",
    "attack_count",
    "claimed_by",
    "attribution",
    "outcome",
    "injured",
    "killed",
    "source_urls",
    "sources",
    "first_reported_at",
    "updated_at",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def event_object(event: Event) -> dict[str, Any]:
    """The documented JSON object of one event."""
    return {
        "id": event.id,
        "base": event.base_id,
        "base_name": event.base_name,
        "base_mention": event.base_mention,
        "tracked": event.tracked,
        "location": list(event.location) if event.location else None,
        "country": event.country,
        "date": event.day.isoformat() if event.day else None,
        "date_expression": event.day_expression,
        "weapons": list(event.weapons),
        "munitions_count": event.munitions_count,
        "attack_count": event.attack_count,
        "claimed_by": event.claimed_by,
        "attribution": event.attribution.value,
        "outcome": event.outcome.value,
        "injured": event.injured,
        "killed": event.killed,
        "sources": [
            {
                "url": source.url,
                "title": source.title,
                "published": source.published_at.isoformat() if source.published_at else None,
                "evidence": source.evidence,
            }
            for source in event.sources
        ],
        "first_reported_at": event.first_reported_at.isoformat(),
        "updated_at": event.updated_at.isoformat(),
    }


def events_geojson(events: Sequence[Event]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the events that have a location (tracked bases), each a
    Point with the event object, less its location, as properties."""
    features = []
    for event in events:
        if event.location is None:
            continue
        properties = event_object(event)
        properties.pop("location")
        latitude, longitude = event.location
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def events_csv(events: Sequence[Event]) -> str:
    """The events as CSV (RFC 4180 quoting), one row per event, columns ``CSV_COLUMNS``.

    The CSV is for spreadsheets, so a text cell that a spreadsheet would run as a formula
    (article text such as "=HYPERLINK(...)" or "-1+2") is prefixed with ``'`` as OWASP advises;
    numbers are written as numbers, a negative longitude unprefixed. The JSON forms keep the
    exact text.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in events:
        flat = event_object(event)
        latitude, longitude = flat.pop("location") or (None, None)
        sources = flat.pop("sources")
        flat |= {
            "latitude": latitude,
            "longitude": longitude,
            "weapons": ";".join(flat["weapons"]),
            "source_urls": " ".join(source["url"] for source in sources),
            "sources": json.dumps(sources, ensure_ascii=False),
        }
        writer.writerow({key: _spreadsheet_safe(value) for key, value in flat.items()})
    return buffer.getvalue()


def _spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def alert_body(kind: str, event: Event) -> dict[str, Any]:
    """The body of a ``json``-format alert."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"alerts: unknown alert kind {kind!r}")
    return {"type": kind, "schema_version": SCHEMA_VERSION, "event": event_object(event)}


def sample_alert(now: datetime) -> dict[str, Any]:
    """The body of ``monitor alerts test``: a made-up event, typed ``monitor.test``."""
    sample = Event(
        id=0,
        key="test",
        base_id=None,
        base_name=None,
        base_mention="test alert from monitor: no attack happened",
        country=None,
        location=None,
        day=now.date(),
        day_expression=None,
        weapons=("unknown",),
        munitions_count=None,
        attack_count=1,
        claimed_by=None,
        attribution=Attribution.REPORTED,
        outcome=Outcome.UNKNOWN,
        injured=None,
        killed=None,
        first_reported_at=now,
        updated_at=now,
        sources=(
            Source(
                url="https://example.invalid/monitor-test",
                title="monitor test",
                published_at=now,
                evidence="This is a test alert.",
            ),
        ),
    )
    return alert_body("monitor.test", sample)


def render_alert(body: dict[str, Any], fmt: str) -> bytes:
    """The bytes to POST to a webhook of format ``json``, ``slack``, ``discord`` or ``teams``."""
    if fmt == "json":
        payload: dict[str, Any] = body
    else:
        title, lines = _summary(body)
        text = "\n".join(lines)
        if fmt == "slack":
            payload = {
                "text": title,
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": _cut(text, _SLACK_TEXT_LIMIT)},
                    },
                ],
            }
        elif fmt == "discord":
            payload = {
                "content": title[:2000],
                "embeds": [
                    {"title": title[:256], "description": _cut(text, _DISCORD_DESCRIPTION_LIMIT)}
                ],
            }
        elif fmt == "teams":
            payload = {
                "type": "message",
                "attachments": [
                    {
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "content": {
                            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard",
                            "version": "1.4",
                            "body": [
                                {
                                    "type": "TextBlock",
                                    "text": title,
                                    "weight": "Bolder",
                                    "wrap": True,
                                },
                                {
                                    "type": "TextBlock",
                                    "text": _cut(text, _TEAMS_TEXT_LIMIT),
                                    "wrap": True,
                                },
                            ],
                        },
                    }
                ],
            }
        else:
            raise ValueError(f"alerts: unknown webhook format {fmt!r}")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _summary(body: dict[str, Any]) -> tuple[str, list[str]]:
    event = body["event"]
    target = event["base_name"] or event["base_mention"]
    verb = {"event.updated": "Update", "monitor.test": "TEST alert, not an attack"}.get(
        body["type"], "Attack"
    )
    title = f"{verb}: {target} ({event['date'] or 'date unknown'})"
    lines = [
        f"Weapons: {', '.join(event['weapons'])}"
        + (f" ({event['munitions_count']})" if event["munitions_count"] else ""),
        f"Outcome: {event['outcome']}"
        + (f", injured {event['injured']}" if event["injured"] else "")
        + (f", killed {event['killed']}" if event["killed"] else ""),
        f"Claimed by: {event['claimed_by'] or 'no claim'} ({event['attribution']})",
    ]
    lines += [f"Source: {s['url']}\n> {s['evidence'][:500]}" for s in event["sources"][-3:]]
    return title, lines


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
