"""The raw-bytes relevance check (monitor/pipeline/relevance.py) is never stricter than the
extractor, and lets most ordinary pages go unread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.pipeline.corpus import parse_json_article
from monitor.pipeline.detect import detect_events
from monitor.pipeline.relevance import may_name_a_base
from monitor.pipeline.rules import Ruleset

SHARED = Path(__file__).resolve().parents[3] / "shared"
DEV = SHARED / "corpus" / "dev.jsonl"
PAGES = sorted((SHARED / "fixtures" / "html").glob("*.html"))


@pytest.mark.skipif(not DEV.is_file(), reason=f"development corpus not found at {DEV}")
def test_every_article_with_a_tracked_report_passes(rules: Ruleset) -> None:
    """Each labelled article in which the extractor finds a tracked base passes the check,
    as HTML and with its words split by tags."""
    checked = 0
    for line in DEV.read_text().splitlines():
        row = json.loads(line)
        article = parse_json_article(row, url=row.get("url") or "x", text=row["text"])
        if not any(r.base_id for r in detect_events(article, rules)):
            continue
        checked += 1
        html = "<html><body><p>" + article.text.replace("\n", "</p><p>") + "</p></body></html>"
        assert may_name_a_base(html.encode(), rules), row["id"]
    assert checked > 30


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (b"<p>Drones hit <b>Ain</b> al-<i>Asad</i> air base</p>", True),
        ("<p>Rockets struck Ḥarīr air base</p>".encode(), True),
        (b"<p>Ain al-&#65;sad</p>", True),
        ("Harir".encode("utf-16"), True),
        (b"<p>The city council voted on the budget.</p>", False),
    ],
    ids=["split-by-tags", "diacritics", "numeric-entity", "utf-16", "ordinary"],
)
def test_check_on_raw_bytes(rules: Ruleset, page: bytes, expected: bool) -> None:
    """Tags, diacritics and pages it cannot judge pass; a page naming no base does not."""
    assert may_name_a_base(page, rules) is expected


@pytest.mark.skipif(not PAGES, reason="fixture pages not found")
def test_most_ordinary_pages_are_skipped(rules: Ruleset) -> None:
    """Most of the 150 ordinary web pages name no base and would not be extracted."""
    passed = sum(may_name_a_base(p.read_bytes(), rules) for p in PAGES)
    assert passed < len(PAGES) * 0.5
