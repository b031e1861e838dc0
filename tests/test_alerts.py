"""Alert bodies, formats and signatures (monitor/pipeline/alerts.py, monitor/http.py)."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, date, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from monitor.http import sign
from monitor.pipeline.alerts import alert_body, render_alert
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
    event = Event(
        **{
            **{f: getattr(SAMPLE, f) for f in SAMPLE.__slots__},  # type: ignore[arg-type]
            "sources": (long_source,) * 5,
        }
    )
    slack = json.loads(render_alert(alert_body("event.created", event), "slack"))
    assert len(slack["blocks"][1]["text"]["text"]) <= 3000


SECRET = "whsec_" + base64.b64encode(b"a key of thirty-two random bytes").decode()


def test_signature_verifies_with_the_standard_webhooks_library() -> None:
    """A delivered alert passes ``standardwebhooks.Webhook(secret).verify``, the call the
    README gives receivers, and fails it with another key."""
    body = render_alert(alert_body("event.created", SAMPLE), "json")
    stamp = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(SECRET, "msg_1", stamp, body),
    }
    assert Webhook(SECRET).verify(body, headers)["event"]["base"] == "tower-22"
    other = "whsec_" + base64.b64encode(b"another key, thirty-two bytes.." + b"!").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)
