"""The report's text helpers: escaping, links, clipped names, number, date and duration formats.

Their names keep the leading underscore: they are private to ``monitor.report``.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _json_for_html(value: Any) -> str:
    """JSON that cannot close or comment out its <script> element: <, > and & as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _link(url: str, text: str) -> str:
    return f'<a href="{_e(url.strip())}" rel="noopener noreferrer nofollow">{_e(text)}</a>'


def _short_url(url: str) -> str:
    if not _is_web_url(url):
        return url
    parts = urlsplit(url.strip())
    host = parts.netloc.removeprefix("www.")
    return _clip_text(host + parts.path, 70)


def _short_name(name: str) -> str:
    """A base's name without its parenthesised gloss: "Erbil Air Base (Erbil …)" → "Erbil Air
    Base"."""
    return name.split(" (")[0].strip() or name


def _clip_text(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _when(value: Any) -> str:
    """An ISO timestamp as "2024-01-20 18:00 UTC"; anything else as it is."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    if seconds == 0:
        return "0"
    total = round(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    elif minutes:
        text = f"{minutes} min"
    else:
        text = f"{secs} s"
    return ("−" if seconds < 0 else "") + text


def _delay(seconds: Any, *, missing: str = "not alerted") -> str:
    """ "at first report", "+3 h 10 min", or "not alerted"."""
    if not isinstance(seconds, int | float):
        return missing
    if seconds == 0:
        return "at first report"
    return ("+" if seconds > 0 else "") + _duration(seconds)
