"""Keys that decide what is "the same": ``canonical_url``, ``content_hash``, ``item_key``.

Pure functions; the database enforces them with unique constraints.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from url_normalize import url_normalize

from monitor.pipeline.sentences import fold

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
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


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
