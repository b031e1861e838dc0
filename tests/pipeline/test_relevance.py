"""The raw-bytes relevance check (monitor/pipeline/relevance.py) is never stricter than the
extractor, and lets most ordinary pages go unread."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor.pipeline import lexicon
from monitor.pipeline.corpus import parse_json_article, parse_text_article
from monitor.pipeline.detect import Explanation, explain_article
from monitor.pipeline.pagekeys import compile_attack_keys
from monitor.pipeline.relevance import WINDOW_CHARS, may_report_an_attack
from monitor.pipeline.rules import Ruleset, word_pattern
from monitor.pipeline.sentences import fold
from monitor.records import Article
from tests.conftest import SEEDS, SHARED

CORPORA = [SHARED / "corpus" / "dev.jsonl", SHARED / "corpus" / "dev2.jsonl"]
PAGES = sorted((SHARED / "fixtures" / "html").glob("*.html"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # after every article of the corpus
TRIGGERS = word_pattern(lexicon.ATTACK_TRIGGERS)
FAR = "<p>" + "The council met again to discuss the budget of the city. " * 40 + "</p>"


def _labelled() -> Iterator[tuple[str, Article]]:
    """Every labelled article: the rows of dev.jsonl and dev2.jsonl, and the seeds."""
    for corpus in CORPORA:
        for line in corpus.read_text().splitlines():
            row = json.loads(line)
            url = row.get("url") or row["id"]
            yield row["id"], parse_json_article(row, url=url, text=row["text"], now=NOW)
    for path in sorted(SEEDS.glob("*.txt")):
        yield path.name, parse_text_article(path.read_text(), url=path.name, now=NOW)


def _as_pages(article: Article) -> list[bytes | str]:
    """An article as the check may meet it: as a site serves it (head, navigation, scripts,
    footer) in UTF-8, as ASCII with every other character an entity, as Windows-1252; in plain
    HTML; and as text."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in article.text.split("\n"))
    title = html.escape(article.title)
    served = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'><script>var target = 1;</script></head>"
        f"<body><nav><a href='/' target='_blank'>Home</a></nav><article><h1>{title}</h1>\n"
        f"{paragraphs}</article><footer>&copy; News</footer></body></html>"
    )
    plain = "<html><body><p>" + article.text.replace("\n", "</p><p>") + "</p></body></html>"
    return [
        served.encode(),
        served.encode("ascii", "xmlcharrefreplace"),
        served.replace("utf-8", "windows-1252").encode("cp1252", "xmlcharrefreplace"),
        plain.encode(),
        article.text,
    ]


def _distance(article: Article, explanation: Explanation) -> int:
    """The largest distance (characters) from a reported base's mention to the nearest attack
    word it was read with, over the reported bases of an article (a list's item: to the
    attack word of its lead)."""
    reported = {r.base_id for r in explanation.reports}
    folded = fold(f"{article.title}\n\n{article.text}" if article.title else article.text)
    nearest: dict[str, int] = {}
    for reading, candidates in explanation.readings:
        for candidate in candidates:
            if not candidate.kept or candidate.mention.base_id not in reported:
                continue
            at = candidate.mention.start
            gaps = [abs(t.start - at) for t in candidate.triggers if t.end]
            if len(gaps) < len(candidate.triggers):  # inherited from a list's lead
                before = reading.sentence.start + at
                leads = [m.start() for m in TRIGGERS.finditer(folded, 0, before)]
                gaps.append(before - leads[-1] if leads else len(folded))
            base = candidate.mention.base_id
            nearest[base] = min(nearest.get(base, len(folded)), *gaps)
    return max(nearest.values(), default=0)


@pytest.mark.skipif(not all(c.is_file() for c in CORPORA), reason=f"corpora not found at {SHARED}")
def test_every_article_with_a_tracked_report_passes(rules: Ruleset) -> None:
    """Each labelled article (dev.jsonl, dev2.jsonl, the seeds) in which the extractor reports
    an attack on a tracked base passes the check in every form a page may take, and the window
    keeps a wide margin over the distance between its base and its attack word."""
    checked, widest = 0, 0
    for name, article in _labelled():
        explanation = explain_article(article, rules)
        if not any(r.base_id for r in explanation.reports):
            continue
        checked += 1
        for form, page in enumerate(_as_pages(article)):
            assert may_report_an_attack(page, rules), (name, form)
        widest = max(widest, _distance(article, explanation))
    assert checked > 100
    assert 0 < widest <= WINDOW_CHARS / 4


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (f"<p>Harir air base opened a school.</p>{FAR}<p>Rockets struck a car.</p>", False),
        (f"<p>Rockets struck a car.</p>{FAR}<p>Omar was elected mayor.</p>", False),
        ("<p>Rockets struck a car near Harir air base.</p>", True),
        ("<p>Harir air base said on Sunday that no one had been hurt when it was hit.</p>", True),
        ("<p>Rockets str&#117;ck Harir air base.</p>", True),
        ("<p>Rockets <b>st</b>ruck Harir air base.</p>", True),
        ("<p>Ha<span>rir</span> air base was hit</p><p>Officials said so.</p>", True),
        ("<p>Harir air base <a href='/x' target='_blank'>opened</a> a school.</p>", False),
        ("<p>Harir air base opened a school.</p><script>e.target = 1</script>", False),
        ("<p>Rockets struck a car.</p><!-- Harir air base -->", False),
        (
            '<script type=\'application/ld+json\'>{"headline": "Drones hit Harir air base"}'
            "</script><p>More soon.</p>",
            True,
        ),
        ("<p>Drones targeted these bases:</p><ul><li>Ain al-Asad</li><li>Harir</li></ul>", True),
    ],
    ids=[
        "base-then-attack-far",
        "attack-then-alias-far",
        "near",
        "attack-word-at-the-end-of-the-sentence",
        "attack-word-with-an-entity",
        "attack-word-split-by-a-tag",
        "base-split-by-a-tag-attack-word-against-a-block-tag",
        "attack-word-as-an-attribute-name",
        "attack-word-in-a-script",
        "base-in-a-comment",
        "both-in-json-ld",
        "list-of-bases-under-an-attack-lead",
    ],
)
def test_a_base_and_an_attack_word_must_be_near(rules: Ruleset, page: str, expected: bool) -> None:
    """A page passes only when a base can be named near an attack word, in its text or its
    metadata, however either is spelled in the markup."""
    assert may_report_an_attack(page.encode(), rules) is expected


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (b"<p>Drones hit <b>Ain</b> al-<i>Asad</i> air base</p>", True),
        ("<p>Rockets struck Ḥarīr air base</p>".encode(), True),
        (b"<p>Drones hit Ain al-&#65;sad</p>", True),
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
        (b"<p>Drones hit Ain al-As<span>ad</span> air base</p>", True),
        (
            "<p>Rockets struck Har\u00edr air base. \u201cNo damage,\u201d he said.</p>".encode(
                "cp1252"
            ),
            True,
        ),
        (b"<p>Rockets struck &HilbertSpace;arir air base</p>", True),
        (
            "<meta charset='shift_jis'><p>ロケット弾が Ｈａｒｉｒ air base を attacked</p>".encode(
                "shift_jis"
            ),
            True,
        ),
        ("Harir".encode("utf-16"), True),
        (b"<p>The city council voted on the budget.</p>", False),
        ("<p>Der Stadtrat stimmte über den Haushalt ab. &uuml; &#8217;</p>".encode(), False),
        (b"<p>Hariri said the towers were hit 220 times.</p>", False),
        (b"<p>Drones hit Tel al-Beidar and the Tenef garrison</p>", True),
        (b"<p>A drone struck <b>Hareer</b> air&shy;field</p>", True),
        ("<p>Drones hit Malikiyy\u00e9h</p>".encode("cp1252"), True),
        (b"<p>Facilities used on the site were hit.</p>", False),
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
    assert may_report_an_attack(page, rules) is expected


def test_a_trigger_without_a_fixed_first_word_is_refused() -> None:
    """An attack word whose pattern may start with any word cannot become a page key that is
    never stricter than it: compiling it is an error, not a silent miss."""
    compile_attack_keys(lexicon.ATTACK_TRIGGERS)
    with pytest.raises(ValueError, match="starts with no fixed word"):
        compile_attack_keys([r"(?:[\w-]+ )?hit"])


@pytest.mark.skipif(not PAGES, reason="fixture pages not found")
def test_most_ordinary_pages_are_skipped(rules: Ruleset) -> None:
    """Nearly all of the 150 ordinary web pages would not be extracted: their short alias
    words ("Omar", "embassy") stand nowhere near an attack word."""
    passed = sum(may_report_an_attack(p.read_bytes(), rules) for p in PAGES)
    assert passed <= len(PAGES) * 0.05
