"""An export of events as a file: ``events_csv`` and ``events_geojson``, flat and mapped forms
of the event object (``pipeline.alerts.event_object``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from monitor.pipeline.alerts import event_object
from monitor.records import Event

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
