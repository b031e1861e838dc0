"""Page text extraction with trafilatura: ``extract_article(html, ...) -> Article | Rejected``.

trafilatura is used as a pure function: no downloads, no global deduplication cache, no comments.
Its metadata gives the title and publication date when the feed or corpus did not.
"""

from __future__ import annotations

import re
from datetime import datetime

import trafilatura
from trafilatura.settings import Document

from monitor.pipeline.corpus import parse_published
from monitor.records import Article, Rejected

MIN_TEXT_CHARS = 80


def extract_article(
    html: bytes | str,
    *,
    url: str,
    published_at: datetime | None = None,
    title: str | None = None,
    origin: str = "page",
    feed_id: int | None = None,
) -> Article | Rejected:
    """The article text of an HTML page, or why there is none."""
    if not html.strip():
        return Rejected("extract", "empty", url)
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except (ValueError, TypeError, AttributeError, LookupError) as exc:
        # trafilatura and lxml raise these on pages they cannot parse at all.
        return Rejected("extract", "unparsable", f"{url}: {type(exc).__name__}")
    if not isinstance(document, Document) or not document.text:
        return Rejected("extract", "no_text", url)
    text = document.text
    if len(text) < MIN_TEXT_CHARS:
        return Rejected("extract", "too_short", f"{url}: {len(text)} characters")
    source = "feed" if published_at else "none"
    if published_at is None and document.date:
        try:
            published_at = parse_published(str(document.date))
            source = "page"
        except ValueError:
            published_at = None
    page_title = (title or document.title or "").strip()
    return Article(
        url=url,
        title=re.sub(r"\s+", " ", page_title),
        text=text,
        published_at=published_at,
        published_source=source,
        origin=origin,
        feed_id=feed_id,
    )
