"""Benchmark: backtesting at archive scale, against trafilatura alone, in one run.

Builds a sparse news WARC the way a crawl of news sites looks: each labelled article of
../shared/corpus (dev.jsonl, dev2.jsonl and the seeds: 168 of them) carried by 10 outlets (page
templates and URLs of their own, and a sentence of their own, so that no copy is a duplicate
before extraction), and for each of those pages 9 ordinary pages (the 150 pages of
../shared/fixtures/html in turn, each copy with a URL and a line of its own). Then it measures:

- trafilatura alone (``bare_extraction``, the options the monitor uses, one process, a fresh
  one so its caches start as cold as the replay's): its cost per page, on the first tenth of
  the WARC's pages (a tenth in the same proportions: one labelled page in ten);
- the whole `monitor replay` process (a subprocess, the real CLI, ``--workers 2``) on that WARC:
  its wall time against trafilatura's cost for every page of it, the ratio;
- steady pages/s with 1 and 2 workers: the pages a WARC ``--scale`` times larger adds over the
  time it adds (start-up, worker processes and cold caches cancel out);
- peak memory of `monitor replay` and its workers (their resident sets summed, sampled every
  20 ms from /proc) at 1x and at ``--scale``x;
- reading alone, one core: fastwarc against warcio, every response record and its payload.

    nice -n 10 .venv/bin/python benchmarks/archive.py [--workers 2] [--scale 10]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

import trafilatura
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitor.pipeline.corpus import parse_json_article, parse_text_article
from monitor.pipeline.relevance import may_report_an_attack
from monitor.pipeline.rules import compile_rules
from monitor.records import Article
from monitor.settings import load_settings

START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # after every labelled article
OUTLETS = 10
ORDINARY_PER_PAGE = 9
Page = tuple[str, bytes, datetime]  # url, body, crawl date


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reader", choices=("fastwarc", "warcio"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        print(_trafilatura_seconds(args.baseline, args.limit))
        return 0
    if args.read:
        print(_read_rate(args.read, args.reader))
        return 0
    fixtures = sorted((SHARED / "fixtures" / "html").glob("*.html"))
    corpora = [SHARED / "corpus" / "dev.jsonl", SHARED / "corpus" / "dev2.jsonl"]
    if not fixtures or not all(c.is_file() for c in corpora):
        print(f"needs {SHARED / 'fixtures' / 'html'} and {corpora}", file=sys.stderr)
        return 2
    ordinary = [p.read_bytes() for p in fixtures]
    articles = list(_labelled(corpora, ROOT / "tests" / "corpus" / "seeds"))
    rules = compile_rules(load_settings(ROOT / "config.yaml", {}).bases)
    labelled = [_outlet_page(a, o, 0)[1] for a in articles for o in range(OUTLETS)]
    print(
        f"{len(articles)} labelled articles x {OUTLETS} outlets, {ORDINARY_PER_PAGE} ordinary "
        f"pages each; the page check passes {sum(may_report_an_attack(p, rules) for p in labelled)}"
        f" of the {len(labelled)} labelled pages and "
        f"{sum(may_report_an_attack(p, rules) for p in ordinary)} of the {len(ordinary)} "
        f"ordinary ones; {args.workers} workers, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="monitor-archive-") as work:
        tmp = Path(work)
        warcs = {s: tmp / f"sparse-{s}x.warc.gz" for s in (1, args.scale)}
        counts = {s: _write_warc(w, _archive(articles, ordinary, s)) for s, w in warcs.items()}
        tenth = counts[1] // 10
        per_page_s = float(_self("--baseline", warcs[1], "--limit", tenth))
        runs = {
            (workers, s): _replay(warcs[s], tmp, workers)
            for workers in sorted({1, args.workers})
            for s in (1, args.scale)
        }
        reading = {name: float(_self("--read", warcs[1], "--reader", name)) for name in READERS}
    _report(args, counts, tenth, per_page_s, runs, reading)
    return 0


@dataclass(frozen=True, slots=True)
class _Run:
    seconds: float
    peak_mb: float


def _report(
    args: argparse.Namespace,
    counts: dict[int, int],
    tenth: int,
    per_page_s: float,
    runs: dict[tuple[int, int], _Run],
    reading: dict[str, float],
) -> None:
    pages, scale = counts[1], args.scale
    main_run = runs[args.workers, 1]
    alone_s = per_page_s * pages
    print(f"\ntrafilatura alone: {per_page_s * 1000:.1f} ms a page ({tenth} pages timed)")
    print(
        f"monitor replay --workers {args.workers}, {pages} pages: {main_run.seconds:.1f} s wall "
        f"({pages / main_run.seconds:.0f} pages/s); trafilatura alone on them: {alone_s:.0f} s; "
        f"ratio {alone_s / main_run.seconds:.1f}x"
    )
    steady = {}
    for workers in sorted({1, args.workers}):
        small, large = runs[workers, 1], runs[workers, scale]
        steady[workers] = (counts[scale] - pages) / (large.seconds - small.seconds)
        print(
            f"--workers {workers}: {pages / small.seconds:.0f} pages/s at 1x, "
            f"{counts[scale] / large.seconds:.0f} at {scale}x, steady {steady[workers]:.0f}; "
            f"peak memory {small.peak_mb:.0f} MB at 1x, {large.peak_mb:.0f} MB at {scale}x"
        )
    if args.workers != 1:
        print(f"steady {args.workers} workers / 1 worker: {steady[args.workers] / steady[1]:.2f}x")
    print(
        "reading alone, one core: "
        + ", ".join(f"{name} {rate:.0f} pages/s" for name, rate in reading.items())
    )


Labelled = tuple[str, str, str, str | None]  # url, title, text, published (ISO)


def _labelled(corpora: Sequence[Path], seeds: Path) -> Iterator[Labelled]:
    """The labelled articles: the rows of the JSON Lines corpora and the seed files, as the
    replay reads them."""
    for corpus in corpora:
        for line in corpus.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                url = row.get("url") or f"https://news.example/{row['id']}"
                yield _fields(parse_json_article(row, url=url, text=row["text"], now=NOW))
    for path in sorted(seeds.glob("*.txt")):
        url = f"https://seed.example/{path.stem}"
        yield _fields(parse_text_article(path.read_text(), url=url, now=NOW))


def _fields(article: Article) -> Labelled:
    published = article.published_at.isoformat() if article.published_at else None
    return article.url, article.title, article.text, published


# Ten outlets: a site name, the wrapper of their story and the line each adds to it.
_OUTLET_NAMES = (
    "Daily Ledger",
    "Frontier Post",
    "Gulf Wire",
    "Levant Times",
    "Morning Courier",
    "Northern Herald",
    "Plains Gazette",
    "River Observer",
    "Tigris Report",
    "Valley News",
)


def _outlet_page(article: Labelled, outlet: int, copy: int) -> Page:
    """A labelled article as one outlet serves it: its own template, URL and closing line."""
    url, title, text, published = article
    name = _OUTLET_NAMES[outlet]
    host = name.lower().replace(" ", "")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n") if p.strip())
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    own_line = f"<p>{name} ({outlet}-{copy}) carried this report from its wire partners.</p>"
    body = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{html.escape(title)} | {name}</title>{meta}<link rel='stylesheet' href='/s{outlet}.css'>"
        f"<script>window.site = '{host}';</script></head><body class='t{outlet}'>"
        f"<header><a href='/'>{name}</a><nav>{_nav(outlet)}</nav></header>"
        f"<main><div class='story-{outlet}'><h1>{html.escape(title)}</h1>"
        f"<div class='body'>{paragraphs}{own_line}</div></div>"
        f"<aside>{_nav(outlet + 3)}</aside></main>"
        f"<footer>&copy; {name} 2024</footer></body></html>"
    )
    day = datetime.fromisoformat(published).astimezone(UTC) if published else START
    path = url.split("://", 1)[-1].split("/", 1)[-1] or "story"
    return f"https://www.{host}.example/{outlet}/{path}?copy={copy}", body.encode(), day


def _nav(seed: int) -> str:
    sections = ("World", "Politics", "Business", "Sport", "Culture", "Science", "Opinion")
    return "".join(
        f"<a href='/{s.lower()}'>{s}</a>" for s in sections[seed % 3 :] + sections[: seed % 3]
    )


def _archive(articles: Sequence[Labelled], ordinary: Sequence[bytes], scale: int) -> Iterator[Page]:
    """``scale`` copies of the sparse archive: outlet by outlet, each labelled page followed by
    its ordinary pages (the fixture pages in turn, each copy with a URL and a line of its own)."""
    n = 0
    for copy in range(scale):
        for outlet in range(OUTLETS):
            for article in articles:
                url, body, day = _outlet_page(article, outlet, copy)
                yield url, body, day
                for _ in range(ORDINARY_PER_PAGE):
                    page = ordinary[n % len(ordinary)] + f"<p>Page {n} of the archive.</p>".encode()
                    yield f"https://web{n % 97}.example/page/{n}", page, day
                    n += 1


def _write_warc(path: Path, pages: Iterator[Page]) -> int:
    """A WARC of HTTP responses, each record its own gzip member (as crawls store them),
    compressed fast: the archive is large and its writing is not what is measured."""
    count = 0
    with path.open("wb") as out:
        for url, body, day in pages:
            record = BytesIO()
            writer = WARCWriter(record, gzip=False)
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            stamp = (day + timedelta(minutes=count % 600)).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": stamp},
                )
            )
            packer = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
            out.write(packer.compress(record.getvalue()) + packer.flush())
            count += 1
    return count


def _self(*arguments: object) -> str:
    """This script's output on a sub-task, in a fresh process."""
    command = [sys.executable, __file__, *map(str, arguments)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _trafilatura_seconds(warc: Path, limit: int | None) -> float:
    """Seconds a page of trafilatura alone (the options the monitor uses) on the first
    ``limit`` pages of a WARC, read beforehand."""
    with warc.open("rb") as handle:
        bodies = []
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                url = record.rec_headers.get_header("WARC-Target-URI")
                bodies.append((url, record.content_stream().read()))
                if limit is not None and len(bodies) >= limit:
                    break
    start = time.perf_counter()
    for url, body in bodies:
        trafilatura.bare_extraction(
            body,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    return (time.perf_counter() - start) / len(bodies)


def _read_warcio(warc: Path) -> int:
    pages = 0
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                record.content_stream().read()
                pages += 1
    return pages


def _read_fastwarc(warc: Path) -> int:
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    pages = 0
    with warc.open("rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.response):
            record.reader.read()
            pages += 1
    return pages


READERS: dict[str, Callable[[Path], int]] = {"fastwarc": _read_fastwarc, "warcio": _read_warcio}


def _read_rate(warc: Path, reader: str) -> float:
    """Pages a second one reader reads (every response record, its HTTP headers parsed and
    its payload read) from a WARC."""
    start = time.perf_counter()
    pages = READERS[reader](warc)
    return pages / (time.perf_counter() - start)


def _replay(corpus: Path, tmp: Path, workers: int) -> _Run:
    """The wall time of `monitor replay` on a corpus, and the peak summed RSS of it and its
    workers (MB)."""
    database = tmp / f"{corpus.stem}-{workers}.db"
    command = [
        sys.executable,
        "-m",
        "monitor",
        "--log-level",
        "error",
        "replay",
        "--database",
        f"sqlite:///{database}",
        "--workers",
        str(workers),
        "--no-progress",
        str(corpus),
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = _watch_memory(process)
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"monitor replay failed: {err.decode()[-2000:]}")
    database.unlink()
    return _Run(seconds, peak())


def _watch_memory(process: subprocess.Popen[bytes]) -> Callable[[], float]:
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(process.pid))
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()

    def result() -> float:
        thread.join()
        return peak[0]

    return result


def _tree_rss_mb(pid: int) -> float:
    """The resident sets of a process and all its descendants (started by any of their
    threads), summed, in MB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


if __name__ == "__main__":
    raise SystemExit(main())
