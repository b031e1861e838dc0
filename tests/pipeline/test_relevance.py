"""The raw-bytes relevance check (monitor/pipeline/relevance.py) is never stricter than the
extractor, and lets most ordinary pages go unread."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.pipeline.corpus import parse_json_article
from monitor.pipeline.detect import detect_events
from monitor.pipeline.relevance import may_name_a_base
from monitor.pipeline.rules import Ruleset

SHARED = Path(__file__).resolve().parents[3] / "shared"
DEV = SHARED / "corpus" / "dev.jsonl"
PAGES = sorted((SHARED / "fixtures" / "html").glob("*.html"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # after every article of the corpus


@pytest.mark.skipif(not DEV.is_file(), reason=f"development corpus not found at {DEV}")
def test_every_article_with_a_tracked_report_passes(rules: Ruleset) -> None:
    """Each labelled article in which the extractor finds a tracked base passes the check,
    as UTF-8 HTML, as ASCII HTML with every other character an entity, as Windows-1252 and
    as text."""
    checked = 0
    for line in DEV.read_text().splitlines():
        row = json.loads(line)
        article = parse_json_article(row, url=row.get("url") or "x", text=row["text"], now=NOW)
        if not any(r.base_id for r in detect_events(article, rules)):
            continue
        checked += 1
        html = "<html><body><p>" + article.text.replace("\n", "</p><p>") + "</p></body></html>"
        assert may_name_a_base(html.encode(), rules), row["id"]
        assert may_name_a_base(html.encode("ascii", "xmlcharrefreplace"), rules), row["id"]
        assert may_name_a_base(html.encode("cp1252", "xmlcharrefreplace"), rules), row["id"]
        assert may_name_a_base(article.text, rules), row["id"]
    assert checked > 30


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (b"<p>Drones hit <b>Ain</b> al-<i>Asad</i> air base</p>", True),
        ("<p>Rockets struck Ḥarīr air base</p>".encode(), True),
        (b"<p>Ain al-&#65;sad</p>", True),
        (b"<p>Rockets struck Har&iacute;r air base</p>", True),
        ("<p>Rockets struck Har\u00edr air base</p>".encode("cp1252"), True),
        ("<p>Rockets struck ＨＡＲＩＲ</p>".encode(), True),
        ("<p>Rockets struck H\u0323ari\u0301r</p>".encode(), True),
        (b"<p>Rockets struck Ha&shy;rir</p>", True),
        (b"<p>Drones hit <b>Tower</b>&nbsp;<i>22</i></p>", True),
        ("<p>Rockets struck Harir</p>", True),
        ("Drones hit AinAlAsad and #AlTanf overnight", True),
        ("Rockets hit Harirairbase", True),
        (b"<p><span class='dropcap'>T</span>ower 22 was hit</p>", True),
        (b"<p>Ain al-As<span>ad</span> air base</p>", True),
        (
            "<p>Rockets struck Har\u00edr air base. \u201cNo damage,\u201d he said.</p>".encode(
                "cp1252"
            ),
            True,
        ),
        (b"<p>Rockets struck &HilbertSpace;arir air base</p>", True),
        (
            "<meta charset='shift_jis'><p>ロケット弾が Ｈａｒｉｒ air base を攻撃</p>".encode(
                "shift_jis"
            ),
            True,
        ),
        ("Harir".encode("utf-16"), True),
        (b"<p>The city council voted on the budget.</p>", False),
        ("<p>Der Stadtrat stimmte über den Haushalt ab. &uuml; &#8217;</p>".encode(), False),
        (b"<p>Hariri said the towers were 220 m tall.</p>", False),
        (b"<p>Drones hit Tel al-Beidar and the Tenef garrison</p>", True),
        (b"<p>A drone struck <b>Hareer</b> air&shy;field</p>", True),
        ("<p>Drones hit Malikiyy\u00e9h</p>".encode("cp1252"), True),
        (b"<p>Facilities used on the site were closed.</p>", False),
    ],
    ids=[
        "split-by-tags",
        "diacritics",
        "numeric-entity",
        "named-entity",
        "windows-1252",
        "fullwidth",
        "combining-marks",
        "soft-hyphen",
        "phrase-across-tags",
        "text",
        "words-run-together",
        "alias-run-together",
        "tag-inside-a-word",
        "tags-inside-a-word",
        "windows-1252-with-quotes",
        "case-sensitive-entity",
        "shift-jis",
        "utf-16",
        "ordinary",
        "ordinary-with-accents",
        "near-miss",
        "variants-only",
        "variant-across-tags",
        "variant-windows-1252",
        "variant-near-miss",
    ],
)
def test_check_on_raw_bytes(rules: Ruleset, page: bytes | str, expected: bool) -> None:
    """Tags, diacritics, entities, legacy encodings and pages it cannot judge pass; a page
    naming no base does not, whatever its accents and entities."""
    assert may_name_a_base(page, rules) is expected


@pytest.mark.skipif(not PAGES, reason="fixture pages not found")
def test_most_ordinary_pages_are_skipped(rules: Ruleset) -> None:
    """Most of the 150 ordinary web pages name no base and would not be extracted."""
    passed = sum(may_name_a_base(p.read_bytes(), rules) for p in PAGES)
    assert passed < len(PAGES) * 0.5
