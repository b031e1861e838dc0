"""The HTML backtest report (monitor/report/): contents, escaping, self-containment."""

from __future__ import annotations

import copy
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from monitor.report import render_html

_BASES = [
    ("ain-al-asad", "Ain al-Asad Air Base", "IQ", [33.7856, 42.4412], 3),
    ("erbil-air-base", "Erbil Air Base (Erbil International Airport)", "IQ", [36.2376, 43.9632], 2),
    ("al-tanf", "Al-Tanf Garrison", "SY", [33.5058, 38.6178], 1),
    ("tower-22", "Tower 22", "JO", [33.315, 38.698], 1),
    ("conoco", "Conoco gas field base", "SY", [35.3361, 40.3094], 0),
    ("qasrak", "Qasrak base", "SY", [36.69, 40.48], 0),
]


def _event(
    event_id: int,
    base: str | None,
    day: str | None,
    *,
    url: str,
    evidence: str,
    delay_s: float | None = 0.0,
    **fields: Any,
) -> dict[str, Any]:
    names = {b[0]: b for b in _BASES}
    published = f"{day or '2024-02-01'}T18:00:00+00:00"
    return {
        "id": event_id,
        "base": base,
        "base_name": names[base][1] if base else None,
        "base_mention": names[base][1] if base else "a US base in northeastern Syria",
        "tracked": base is not None,
        "location": names[base][3] if base else None,
        "country": names[base][2] if base else "SY",
        "date": day,
        "date_expression": "on Saturday",
        "weapons": ["drone"],
        "munitions_count": None,
        "attack_count": 1,
        "claimed_by": "Islamic Resistance in Iraq",
        "attribution": "claimed",
        "outcome": "unknown",
        "injured": None,
        "killed": None,
        "sources": [
            {
                "url": url,
                "title": f"Attack report {event_id}",
                "published": published,
                "evidence": evidence,
            }
        ],
        "first_reported_at": published,
        "updated_at": published,
        "alert": {
            "first_report_at": published,
            "alerted_at": None if delay_s is None else published,
            "delay_s": delay_s,
            "updates": [],
        },
        **fields,
    }


def sample_report() -> dict[str, Any]:
    """A small, realistic report: six bases (two never attacked), six events, gold figures."""
    events = [
        _event(
            1,
            "ain-al-asad",
            "2023-10-18",
            url="https://news.example/2023/10/18/asad",
            evidence="Two drones targeted Ain al-Asad air base in western Iraq on Wednesday.",
            weapons=["drone", "rocket"],
            munitions_count=2,
            outcome="intercepted",
        ),
        _event(
            2,
            "al-tanf",
            "2023-10-18",
            url="https://wire.example/tanf?id=7&lang=en",
            evidence="A drone attack on al-Tanf garrison caused minor injuries.",
            outcome="casualties",
            injured=2,
        ),
        _event(
            3,
            "ain-al-asad",
            "2023-11-20",
            url="https://news.example/2023/11/20/asad",
            evidence="Rockets struck Ain al-Asad; several personnel were hurt.",
            weapons=["rocket"],
            munitions_count=5,
            delay_s=11400.0,
        ),
        _event(
            4,
            "erbil-air-base",
            "2023-12-25",
            url="https://paper.example/erbil",
            evidence="A drone was shot down near Erbil airport, the counter-terrorism "
            "service said.",
            outcome="intercepted",
        ),
        _event(
            5,
            "tower-22",
            "2024-01-28",
            url="https://news.example/2024/01/28/tower-22",
            evidence="Three US soldiers were killed and 34 injured when a drone struck "
            "Tower 22 in Jordan.",
            outcome="casualties",
            injured=34,
            killed=3,
            attribution="confirmed",
        ),
        _event(
            6,
            None,
            None,
            url="file:///corpus/seeds/006.txt",
            evidence="A base in northeastern Syria came under drone fire.",
            delay_s=None,
        ),
        _event(
            7,
            "erbil-air-base",
            None,
            url="https://paper.example/erbil-2",
            evidence="Another drone was downed near Erbil.",
            outcome="intercepted",
        ),
    ]
    return {
        "schema": 1,
        "generated_at": "2026-11-21T15:30:00+00:00",
        "inputs": ["tests/corpus/seeds"],
        "extractor": "rules",
        "replay": {
            "records": 12,
            "articles": 10,
            "duplicates": 1,
            "unread": 1,
            "rejected": {"extract.too_short": 1},
            "problems": 0,
            "seconds": 0.8,
        },
        "figures": {
            "precision": 0.8571,
            "recall": 0.9565,
            "f1": 0.9041,
            "true_positives": 6,
            "duplicates": 0,
            "false_positives": 1,
            "misses": 1,
            "matched": 6,
            "field_accuracy": {
                "day": 0.907,
                "weapons": 0.8333,
                "munitions_count": 0.6667,
                "claimed_by": 1.0,
                "outcome": 0.5,
            },
            "missed_events": [{"document": "S004", "base": "harir", "date": "2023-11-07"}],
            "false_events": [
                {
                    "id": 7,
                    "base": "erbil-air-base",
                    "date": None,
                    "sources": ["https://paper.example/erbil-2"],
                    "evidence": "Another drone was downed near Erbil.",
                }
            ],
            "duplicate_events": [],
            "articles": 10,
            "skipped_records": 0,
        },
        "bases": [
            {"id": i, "name": n, "country": c, "location": loc, "attacks": a}
            for i, n, c, loc, a in _BASES
        ],
        "timeline": [
            {"base": "ain-al-asad", "date": "2023-10-18", "attacks": 1},
            {"base": "al-tanf", "date": "2023-10-18", "attacks": 1},
            {"base": "ain-al-asad", "date": "2023-11-20", "attacks": 1},
            {"base": "erbil-air-base", "date": "2023-12-25", "attacks": 1},
            {"base": "tower-22", "date": "2024-01-28", "attacks": 1},
        ],
        "events": events,
        "alert_timing": {
            "events": 7,
            "alerted": 6,
            "at_first_report": 5,
            "not_alerted": 1,
            "median_delay_s": 0.0,
            "p90_delay_s": 11400.0,
            "max_delay_s": 11400.0,
        },
    }


class _Page(HTMLParser):
    """Every start tag with its attributes, the text inside each [data-figure] element, and
    whether the tags balance."""

    _VOID = frozenset({"meta", "br", "link", "img", "input", "hr", "wbr"})

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.figure_text: dict[str, str] = {}
        self.open: list[str] = []
        self.errors: list[str] = []
        self._figure: str | None = None
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if "data-figure" in values:
            self._figure = values["data-figure"]
            self.figure_text[self._figure] = ""
        if tag not in self._VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
        else:
            self.open.pop()
        self._figure = None

    def handle_data(self, data: str) -> None:
        if self._figure is not None:
            self.figure_text[self._figure] += data

    def with_attr(self, name: str) -> list[dict[str, str]]:
        return [attrs for _tag, attrs in self.tags if name in attrs]


def figures_from(attrs: list[dict[str, str]]) -> dict[str, Any]:
    """The figures object rebuilt from the data-figure/data-value attributes."""
    figures: dict[str, Any] = {}
    for element in attrs:
        *parents, key = element["data-figure"].split(".")
        target = figures
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = json.loads(element["data-value"])
    return figures


def test_document_is_one_well_formed_page() -> None:
    """The report is one HTML document whose tags balance, with the chart, map and sections."""
    document = render_html(sample_report())
    page = _Page(document)
    assert document.startswith("<!DOCTYPE html>")
    assert page.errors == []
    assert page.open == []
    ids = {attrs["id"] for attrs in page.with_attr("id")}
    assert {"timeline", "map", "figures", "alerts", "events", "report-data"} <= ids


def test_figures_carry_their_exact_json_values() -> None:
    """Every figure is in the page with its JSON value, and the figures rebuild exactly."""
    report = sample_report()
    page = _Page(render_html(report))
    assert figures_from(page.with_attr("data-figure")) == report["figures"]
    assert page.figure_text["precision"] == "0.857"
    assert page.figure_text["field_accuracy.day"] == "0.907"
    assert page.figure_text["misses"] == "1"


def test_without_gold_labels_there_are_no_figures_but_a_chart_and_map() -> None:
    """No gold: a line says so, no figure is shown, and the timeline and map are still drawn."""
    report = sample_report()
    report["figures"] = None
    document = render_html(report)
    page = _Page(document)
    assert "No gold labels were given" in document
    assert page.with_attr("data-figure") == []
    assert len(page.with_attr("data-base")) == len(_BASES)
    assert sum(1 for tag, attrs in page.tags if tag == "circle") > len(_BASES)


def test_an_empty_report_is_still_a_valid_page() -> None:
    """No events, no timeline, no bases: a valid page that says so."""
    report = sample_report()
    report.update(events=[], timeline=[], bases=[], alert_timing=None)
    document = render_html(report)
    page = _Page(document)
    assert page.errors == []
    assert {"timeline", "map"} <= {attrs["id"] for attrs in page.with_attr("id")}
    assert "No dated attacks on tracked bases." in document
    assert "No events." in document


@pytest.mark.parametrize(
    "field",
    ["evidence", "title", "base_mention", "claimed_by", "date_expression"],
    ids=["evidence", "title", "mention", "claimant", "date-expression"],
)
def test_text_from_news_pages_is_escaped(field: str) -> None:
    """A script or markup in any text taken from a page is shown, never run."""
    report = sample_report()
    hostile = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'
    event = report["events"][5] if field == "base_mention" else report["events"][0]
    if field in ("evidence", "title"):
        event["sources"][0][field] = hostile
    else:
        event[field] = hostile
    document = render_html(report)
    page = _Page(document)
    assert [tag for tag, _ in page.tags if tag in ("script", "img")] == ["script"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in document
    assert document.count("</script>") == 1


def test_the_embedded_report_round_trips_and_cannot_close_its_script() -> None:
    """The report is embedded as JSON that parses back to itself and holds no '</'."""
    report = sample_report()
    report["events"][0]["sources"][0]["evidence"] = "a </script><!-- b & c > d"
    document = render_html(report)
    match = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', document, re.S
    )
    assert match is not None
    assert "</" not in match.group(1)
    assert "<!--" not in match.group(1)
    assert json.loads(match.group(1)) == report


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://wire.example/a?b=1&c=2", "https://wire.example/a?b=1&c=2"),
        ("http://news.example/x", "http://news.example/x"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("file:///etc/passwd", None),
        ("//evil.example/x", None),
    ],
    ids=["https", "http", "javascript", "javascript-mixed-case", "data", "file", "relative"],
)
def test_only_web_urls_become_links(url: str, href: str | None) -> None:
    """A source URL is linked only when it is http(s); any other is shown as text."""
    report = sample_report()
    report["figures"] = None
    report["events"] = [report["events"][0]]
    report["events"][0]["sources"][0]["url"] = url
    page = _Page(render_html(report))
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a" and "href" in attrs]
    external = [link for link in links if not link.startswith("#")]
    assert external == ([href] if href else [])


def test_nothing_is_loaded_from_elsewhere() -> None:
    """No script, style, font, image or tile from another place: the only URLs in the page
    are the sources' own, as links or text."""
    report = sample_report()
    document = render_html(report)
    page = _Page(document)
    sources = {s["url"] for e in report["events"] for s in e["sources"]}
    sources |= {u for row in report["figures"]["false_events"] for u in row["sources"]}
    assert not [attrs for _tag, attrs in page.tags if "src" in attrs]
    assert not [tag for tag, _attrs in page.tags if tag in ("link", "img", "iframe", "object")]
    assert "url(" not in document
    assert "@import" not in document
    text = html.unescape(document).replace("\\u0026", "&")  # as shown, and as in the JSON
    for found in re.findall(r"(?:[a-zA-Z][\w+.-]*:)?//[^\s\"'<>\\]+", text):
        assert any(found.startswith(source) for source in sources), found
    assert "default-src 'none'" in document


def test_every_tracked_base_is_on_the_map_sized_by_attacks() -> None:
    """Every base has a marker; a disc's area is proportional to attacks, none gets a ring."""
    report = sample_report()
    page = _Page(render_html(report))
    markers = {attrs["data-base"]: attrs for attrs in page.with_attr("data-base")}
    assert set(markers) == {b["id"] for b in report["bases"]}
    assert {k: int(v["data-attacks"]) for k, v in markers.items()} == {
        b["id"]: b["attacks"] for b in report["bases"]
    }
    radii = {}
    for i, (_tag, attrs) in enumerate(page.tags):
        if "data-base" in attrs:
            circle = next(a for t, a in page.tags[i:] if t == "circle")
            radii[attrs["data-base"]] = float(circle["r"])
    assert radii["ain-al-asad"] ** 2 / radii["erbil-air-base"] ** 2 == pytest.approx(3 / 2, 0.02)
    assert "quiet" in markers["qasrak"]["class"]
    assert "quiet" not in markers["al-tanf"]["class"]


def test_the_timeline_has_a_row_per_attacked_base_and_a_mark_per_day() -> None:
    """One row per base with dated attacks, one mark per base and day, with tooltips."""
    report = sample_report()
    report["timeline"].append({"base": "tower-22", "date": "2024-01-28", "attacks": 2})
    document = render_html(report)
    timeline = document[document.index('<svg id="timeline"') :]
    timeline = timeline[: timeline.index("</svg>")]
    page = _Page(timeline)
    labels = [a for t, a in page.tags if t == "text" and a.get("class") == "row-label"]
    assert len(labels) == 4
    assert timeline.count('<g class="mark">') == 5
    assert "Tower 22 — Sun 28 Jan 2024: 3 attacks" in timeline


@pytest.mark.parametrize(
    "days",
    [
        ["2024-01-28"],
        ["2023-10-18", "2023-10-19"],
        ["2019-12-30", "2020-01-08", "2021-04-23", "2023-10-18", "2024-08-02"],
    ],
    ids=["one-day", "two-days", "five-years"],
)
def test_the_time_axis_is_labelled_for_any_span(days: list[str]) -> None:
    """A day, a few days or years of attacks all get readable ticks; long lulls are cut."""
    report = sample_report()
    report["timeline"] = [{"base": "al-tanf", "date": d, "attacks": 1} for d in days]
    document = render_html(report)
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)', document)
    assert ticks
    assert ('class="cut"' in document) == (len(days) > 2)


@pytest.mark.parametrize(
    ("delay_s", "shown"),
    [
        (0.0, "at first report"),
        (11400.0, "+3 h 10 min"),
        (45.0, "+45 s"),
        (None, "not alerted"),
        (93600.0, "+1 d 2 h"),
    ],
    ids=["at-once", "hours", "seconds", "never", "days"],
)
def test_alert_delays_read_as_durations(delay_s: float | None, shown: str) -> None:
    """Each event's alert delay is given in words."""
    report = sample_report()
    report["events"][0]["alert"]["delay_s"] = delay_s
    document = render_html(report)
    alerts = document[document.index('<section id="alerts">') :]
    row = alerts[alerts.index('href="#event-1"') :]
    assert shown in row[: row.index("</tr>")]


def test_events_list_their_facts_and_sources() -> None:
    """Each event shows its base (or its mention when untracked), facts and linked sources."""
    report = sample_report()
    document = render_html(report)
    events = document[document.index('<section id="events">') :]
    assert events.count('<article class="event"') == len(report["events"])
    assert "Tower 22" in events
    assert "34 / 3" in events
    assert "untracked base</span> “a US base in northeastern Syria”" in events
    assert '<a href="https://wire.example/tanf?id=7&amp;lang=en"' in events
    assert "<code>file:///corpus/seeds/006.txt</code>" in events


def test_rendering_does_not_change_the_report() -> None:
    """render_html only reads its argument."""
    report = sample_report()
    before = copy.deepcopy(report)
    render_html(report)
    assert report == before
