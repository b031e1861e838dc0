"""Keys that decide what is "the same": ``canonical_url``, ``content_hash``, ``item_key``.

Pure functions; the database enforces them with unique constraints.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from url_normalize import url_normalize

from monitor.pipeline.sentences import fold
from monitor.records import FeedItem

# Query parameters that track the reader rather than name the page (as miniflux's urlcleaner).
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|ref|ref_src|"
    r"cmpid|ocid|smid|taid|icid|at_medium|at_campaign|rss|feed|ito)$",
    re.IGNORECASE,
)


def canonical_url(url: str) -> str:
    """The URL with scheme and host normalised, tracking parameters and fragment dropped."""
    if not url.lower().startswith(("http://", "https://")):
        return url
    try:
        normal = url_normalize(url) or url
        parts = urlsplit(normal)
    except ValueError:
        return url  # not a URL we can take apart ("https://[::1/a"): compare it as it is
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    path = parts.path if parts.path != "/" or query else "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def content_hash(text: str) -> str:
    """A hash of the article's words, blind to case, accents, punctuation and spacing."""
    words = re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def item_key(guid: str | None, link: str | None, title: str, summary: str) -> str:
    """A feed entry's identity: its GUID, else its canonical link, else a hash of its text."""
    if guid and guid.strip():
        basis = "guid:" + guid.strip()
    elif link and link.strip():
        basis = "url:" + canonical_url(link.strip())
    else:
        basis = "text:" + title + "\n" + summary
    return _sha256(basis)


def distinct_items(items: Sequence[FeedItem]) -> tuple[tuple[FeedItem, ...], tuple[str, ...]]:
    """One document's entries, each under a key of its own, and a note per key they shared.

    Entries of one document are distinct entries even when they share a GUID (a publisher
    reusing one for a new story) or, lacking GUIDs, a link: keyed alike, the later ones would
    be taken for the first and never queued. So every entry of such a group is keyed by the
    shared key and its canonical link, or, where the link repeats too, its link and text.
    The keys depend on the entries alone, not on their order, so the next poll of the same
    document maps to the same keys and queues nothing. Entries alike in all of it are one entry
    listed twice: the first is kept.
    """
    groups = Counter(item.key for item in items)
    if len(groups) == len(items):
        return tuple(items), ()
    links = Counter((item.key, _link(item)) for item in items if groups[item.key] > 1)
    kept: dict[str, FeedItem] = {}
    for item in items:
        if groups[item.key] == 1:
            kept[item.key] = item
            continue
        basis = f"{item.key}\nurl:{_link(item)}"
        if links[(item.key, _link(item))] > 1:
            basis += f"\ntext:{item.title}\n{item.summary}"
        kept.setdefault(_sha256(basis), replace(item, key=_sha256(basis)))
    notes = tuple(
        f"{count} entries share the key {key[:12]} (one GUID, or one link without a GUID): "
        + "; ".join(repr(i.title[:80]) for i in items if i.key == key)
        for key, count in groups.items()
        if count > 1
    )
    return tuple(kept.values()), notes


def _link(item: FeedItem) -> str:
    return canonical_url(item.link.strip()) if item.link else ""


def _sha256(text: str) -> str:
    # surrogatepass: a lone surrogate in an entry is hashed, never a crash of its whole feed
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# Paragraphs this long are an outlet's own copy; shorter ones are often boilerplate.
_PARAGRAPH_MIN_WORDS = 25
# Share of long paragraphs an earlier article must already have for this one to be its copy.
SYNDICATED_SHARE = 0.6


def paragraph_hashes(text: str) -> tuple[str, ...]:
    """Hashes of the text's long paragraphs, normalised like ``content_hash``."""
    hashes = []
    for paragraph in text.splitlines():
        words = re.sub(r"[^a-z0-9]+", " ", fold(paragraph)).split()
        if len(words) >= _PARAGRAPH_MIN_WORDS:
            hashes.append(hashlib.sha256(" ".join(words).encode()).hexdigest()[:32])
    return tuple(dict.fromkeys(hashes))


def is_syndicated_copy(shared: int, total: int) -> bool:
    """Whether an article whose ``total`` long paragraphs include ``shared`` of an earlier
    article's is a copy of it (a wire story republished, boilerplate and all)."""
    return total >= 2 and shared >= 2 and shared >= SYNDICATED_SHARE * total
