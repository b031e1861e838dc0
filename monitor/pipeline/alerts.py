"""Render events: the export object (README "Event object") and webhook alert bodies (its CSV
and GeoJSON forms are ``pipeline.exports``).

The same JSON object is printed by ``monitor events --format jsonl``, sent in alerts, and
documented in the README; a test compares all three.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from monitor.records import Attribution, Event, Outcome, Source

SCHEMA_VERSION = 1
ALERT_KINDS = ("event.created", "event.updated", "monitor.test")
_SLACK_TEXT_LIMIT = 3000  # characters in one Slack section block
_DISCORD_DESCRIPTION_LIMIT = 4096
_NAME_CHARS = 200  # a base mention, a claimant, a weapon, a title: any short field
_TITLE_NAME_CHARS = 80  # the base as named in a message's title
_EVIDENCE_CHARS = 500  # a quoted sentence in a chat message
_URL_CHARS = 2000
_JSON_CHARS = {"evidence": 1000, "url": _URL_CHARS}  # other strings: _NAME_CHARS
_LIST_ITEMS = 10  # weapons, and sources (the latest) in a json alert
_SOURCES_SHOWN = 3  # the latest sources, in a chat message
_URL_SAFE = "/:?#=&%+,;!$~"  # kept in a link target; the rest is percent-encoded
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}):(?=/)")
# A host name (news.example) or an IPv4 address; a dot may be ideographic or full-width.
_DOMAIN = re.compile(
    r"(?:[^\W_](?:[\w-]*[^\W_])?[.\u3002\uff0e\uff61])+[^\W\d_]{2,63}\b"
    r"|\b\d{1,3}(?:[.\u3002\uff0e\uff61]\d{1,3}){3}\b"
)
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_MENTION_OPENING = re.compile(r"<(?=[!@#])")
_DISCORD_MARKUP = re.compile(r"[\\*_~`|<>\[\]()#]")
# Control and format characters: bidi overrides reorder what a reader sees, zero-width ones
# hide words. Article text loses them before anything else is done to it.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_TEAMS_TEXT_LIMIT = 20000


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


def alert_body(kind: str, event: Event) -> dict[str, Any]:
    """The body of a ``json``-format alert, every string and list capped."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"alerts: unknown alert kind {kind!r}")
    body: dict[str, Any] = _bounded(
        {"type": kind, "schema_version": SCHEMA_VERSION, "event": event_object(event)}
    )
    return body


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
    """The bytes to POST to a webhook of format ``json``, ``slack``, ``discord`` or ``teams``.

    Every string from an article or a feed is capped; in a chat message it is shown as quoted
    text (escaped, its links and mentions defused) and only a source's URL is a link.
    """
    if fmt == "json":
        payload: dict[str, Any] = _bounded(body)
    elif fmt in _CHAT:
        payload = _CHAT[fmt](body)
    else:
        raise ValueError(f"alerts: unknown webhook format {fmt!r}")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _bounded(value: Any, key: str = "") -> Any:
    """A copy of an alert body with each string and list capped (sources: the latest), so
    that no article makes an alert of unbounded size."""
    if isinstance(value, str):
        return _clip(value, _JSON_CHARS.get(key, _NAME_CHARS), flatten=False)
    if isinstance(value, list):
        return [_bounded(item, key) for item in value[-_LIST_ITEMS:]]
    if isinstance(value, dict):
        return {k: _bounded(v, k) for k, v in value.items()}
    return value


def _clip(text: object, limit: int, *, flatten: bool = True) -> str:
    """At most ``limit`` characters; ``flatten`` also makes it one line without control or
    format characters, so article text never starts a line of markup nor reorders the text."""
    value = str(text)
    whole = len(value) <= limit * 4  # whitespace and invisible characters may shrink a text
    if flatten:
        value = _INVISIBLE.sub("", " ".join(value[: limit * 4].split()))
    return value if whole and len(value) <= limit else value[: limit - 1] + "…"


def _defused(text: str) -> str:
    """Article text that no chat service turns into a link or a mention: ``scheme://`` becomes
    ``scheme[:]//``, a domain's dots (ideographic and full-width ones too) ``[.]``, ``@name``
    and ``<!``, ``<@``, ``<#`` (Slack's and Discord's mention openings) get a zero-width space
    after their first character, and ``](`` one inside, which undoes a markdown link. Shown
    even where no markup is parsed (Slack's header, Teams), so no body carries a mention."""
    text = _SCHEME.sub(r"\1[:]", text)
    text = _DOMAIN.sub(lambda m: _DOTS.sub("[.]", m.group(0)), text)
    text = _MENTION_OPENING.sub("<\u200b", text)
    return text.replace("@", "@\u200b").replace("](", "]\u200b(")


def _link_target(url: object) -> str | None:
    """The source URL fit to be a link, or None: http(s), an ASCII host (IDNA), no user part,
    every character that could end a link early percent-encoded."""
    text = str(url)
    if len(text) > _URL_CHARS:
        return None
    try:
        parts = urlsplit(text.strip())
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in {"http", "https"} or "@" in parts.netloc:
        return None
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", host):
        return None
    netloc = host if port is None else f"{host}:{port}"
    path, query, fragment = (quote(part, safe=_URL_SAFE) for part in parts[2:])
    return urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))


@dataclass(frozen=True, slots=True)
class _Markup:
    """How one chat service shows article text as quoted text, and a source URL as a link."""

    escape: Callable[[str], str]
    link: Callable[[str], str]

    def text(self, value: object, limit: int = _NAME_CHARS) -> str:
        return self.escape(_defused(_clip(value, limit)))


@dataclass(frozen=True, slots=True)
class _Source:
    url: str | None  # the link target, or None when the URL is not fit to be one
    shown: str  # the link in the service's syntax, or the defused URL as quoted text
    evidence: str


@dataclass(frozen=True, slots=True)
class _Summary:
    title: str
    facts: list[str]
    sources: list[_Source]


def _summary(body: dict[str, Any], markup: _Markup) -> _Summary:
    """The message's title, facts and sources, every string from an article through ``markup``."""
    event = body["event"]
    verb = {"event.updated": "Update", "monitor.test": "TEST alert, not an attack"}.get(
        body.get("type", ""), "Attack"
    )
    target = markup.text(
        event.get("base_name") or event.get("base_mention") or "unknown base", _TITLE_NAME_CHARS
    )
    weapons = ", ".join(markup.text(w) for w in list(event.get("weapons") or [])[:_LIST_ITEMS])
    facts = [
        f"Weapons: {weapons}" + _count(markup, "", event.get("munitions_count")),
        f"Outcome: {markup.text(event.get('outcome'))}"
        + _count(markup, "injured ", event.get("injured"))
        + _count(markup, "killed ", event.get("killed")),
        f"Claimed by: {markup.text(event.get('claimed_by') or 'no claim')}"
        f" ({markup.text(event.get('attribution'))})",
    ]
    sources = []
    for source in list(event.get("sources") or [])[-_SOURCES_SHOWN:]:
        url = _link_target(source.get("url"))
        sources.append(
            _Source(
                url=url,
                shown=markup.link(url) if url else f"(not linked) {markup.text(source.get('url'))}",
                evidence=markup.text(source.get("evidence") or "", _EVIDENCE_CHARS),
            )
        )
    return _Summary(
        f"{verb}: {target} ({markup.text(event.get('date') or 'date unknown')})", facts, sources
    )


def _count(markup: _Markup, label: str, value: object) -> str:
    if not value:
        return ""
    return f", {label}{markup.text(value)}" if label else f" ({markup.text(value)})"


def _within(lines: list[str], limit: int) -> str:
    """Whole lines, joined, up to ``limit`` characters; a line that does not fit ends the text
    with "…" (no line is cut, so no escape or link is broken)."""
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 2:
            kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def _quoted(summary: _Summary) -> list[str]:
    """The facts, then each source as its link and its quoted evidence (Slack, Discord)."""
    return [*summary.facts, *(f"Source: {s.shown}\n> {s.evidence}" for s in summary.sources)]


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK = _Markup(escape=_slack_escape, link=lambda url: "<" + url.replace("&", "&amp;") + ">")
_DISCORD = _Markup(escape=lambda text: _DISCORD_MARKUP.sub(r"\\\g<0>", text), link="<{}>".format)
_PLAIN = _Markup(escape=str, link=str)  # Teams TextRuns and Slack's header show no markup


def _slack(body: dict[str, Any]) -> dict[str, Any]:
    summary = _summary(body, _SLACK)
    header = _summary(body, _PLAIN).title
    return {
        "text": _within([summary.title], _SLACK_TEXT_LIMIT),  # the notification
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _clip(header, 150, flatten=False)},
            },
            *(
                {"type": "section", "text": {"type": "mrkdwn", "text": text}}
                for text in (
                    _within(summary.facts, _SLACK_TEXT_LIMIT),
                    *(_within([line], _SLACK_TEXT_LIMIT) for line in _quoted(summary)[3:]),
                )
            ),
        ],
    }


def _discord(body: dict[str, Any]) -> dict[str, Any]:
    summary = _summary(body, _DISCORD)
    return {
        "content": _within([summary.title], 2000),
        "allowed_mentions": {"parse": []},  # whatever the text says, nobody is pinged
        "embeds": [
            {
                "title": _within([summary.title], 256),
                "description": _within(_quoted(summary), _DISCORD_DESCRIPTION_LIMIT),
            }
        ],
    }


def _teams(body: dict[str, Any]) -> dict[str, Any]:
    """An Adaptive Card of TextRuns, which Teams shows without markdown; a source's URL is a
    TextRun that opens it."""
    summary = _summary(body, _PLAIN)
    blocks = [_rich(_run(summary.title, weight="Bolder")), *(_rich(_run(f)) for f in summary.facts)]
    for source in summary.sources:
        opens = (
            {"selectAction": {"type": "Action.OpenUrl", "url": source.url}} if source.url else {}
        )
        blocks.append(_rich(_run("Source: "), _run(source.shown, **opens)))
        blocks.append(_rich(_run(source.evidence, italic=True)))
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": blocks,
                },
            }
        ],
    }


def _rich(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs)}


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


_CHAT: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "slack": _slack,
    "discord": _discord,
    "teams": _teams,
}
