"""Benchmark: backtesting at archive scale, against trafilatura alone, in one run.

Measures pages (or articles) per second and the peak memory of the real `monitor replay`
command (a subprocess, with its worker processes) on archives built here from
../shared/fixtures/html (150 ordinary web pages that name no attack) and the labelled articles
of ../shared/corpus (dev.jsonl and the seeds), wrapped in HTML:

- baseline: trafilatura alone (``trafilatura.bare_extraction``, one process, the options the
  monitor uses, a fresh process) on the fixture pages, and on the pages of each WARC;
- "all": a WARC of the 150 fixture pages and the 78 labelled articles;
- "needs extraction": a WARC whose every page can name a tracked base (the labelled articles
  and the fixture pages the raw-bytes check lets through), so every page is extracted;
- "sparse": a WARC where nine pages in ten cannot name a base (fixture pages the check skips);
- "text": JSON Lines of plain text, one labelled article in ten (the others are the fixture
  pages' text);
- each at 1x and 10x its size, to show that peak memory does not grow with the archive.

Memory is the peak of the summed resident set of `monitor replay` and its workers, sampled every
20 ms from /proc. Copies of a page get their own URL and a sentence of their own, so that
none is skipped as a duplicate before it is extracted.

    .venv/bin/python benchmarks/archive.py [--workers 2] [--scale 10]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

import trafilatura
from warcio.archiveiterator import ArchiveIterator

from monitor.pipeline.relevance import may_name_a_base
from monitor.pipeline.rules import compile_rules
from monitor.settings import load_settings
from tests.archives import write_warc

START = datetime(2024, 1, 1, tzinfo=UTC)
_TEXT_RUN = re.compile(rb"(?<=>)[^<>]{12,}<")  # a run of text between tags
Page = tuple[str, bytes, datetime]  # url, body, crawl date


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        print(_baseline(args.baseline))
        return 0
    fixtures = sorted((SHARED / "fixtures" / "html").glob("*.html"))
    corpora = [SHARED / "corpus" / "dev.jsonl", ROOT / "tests" / "corpus" / "seeds"]
    if not fixtures or not corpora[0].is_file():
        print(f"needs {SHARED / 'fixtures' / 'html'} and {corpora[0]}", file=sys.stderr)
        return 2
    rules = compile_rules(load_settings(ROOT / "config.yaml", {}).bases)
    ordinary = [p.read_bytes() for p in fixtures]
    articles = list(_labelled(corpora))
    labelled = [_wrap(*article) for article in articles]
    named = [page for page in labelled if may_name_a_base(page[1], rules)]
    readable = [p for p in ordinary if may_name_a_base(p, rules)]
    unreadable = [p for p in ordinary if not may_name_a_base(p, rules)]
    print(
        f"{len(ordinary)} fixture pages ({len(unreadable)} cannot name a base), "
        f"{len(labelled)} labelled articles ({len(named)} name a tracked base); "
        f"{args.workers} workers, "
        f"{os.cpu_count()} CPUs"
    )
    needs = [*named, *readable]
    sparse = [*named, *(unreadable * 10)][: len(named) * 10]
    texts = [*(text for _, _, text, _ in articles), *[_text(p) for p in unreadable] * 10]
    rows: list[tuple[str, int, float, str]] = []
    peaks: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="monitor-archive-") as work:
        tmp = Path(work)
        fixture_warc = tmp / "fixtures.warc.gz"
        _write_warc(fixture_warc, _copies(ordinary, 1))
        rows.append(
            (
                "trafilatura alone, the fixture pages",
                len(ordinary),
                _trafilatura_rate(fixture_warc),
                "1.00x",
            )
        )
        counts: dict[tuple[str, int], int] = {}
        archives: dict[tuple[str, int], Path] = {}
        runs: list[tuple[str, Path, float | None]] = []  # name, archive unit 1x, baseline
        for name, unit, copies in (
            ("all fixture pages and labelled articles", [*labelled, *ordinary], 1),
            ("needs extraction", needs, 3),
            ("sparse (9 in 10 cannot name a base)", sparse, 1),
        ):
            for scale in (1, args.scale):
                warc = tmp / f"{name.split()[0]}-{scale}.warc.gz"
                counts[name, scale] = _write_warc(warc, _copies(unit, copies * scale))
                archives[name, scale] = warc
            baseline = _trafilatura_rate(archives[name, 1])
            rows.append((f"trafilatura alone, {name} pages", counts[name, 1], baseline, "1.00x"))
            runs.append((name, archives[name, 1], baseline))
        name = "text (1 in 10 names a base)"
        for scale in (1, args.scale):
            archives[name, scale] = tmp / f"text-{scale}.jsonl"
            counts[name, scale] = _write_jsonl(
                archives[name, scale], texts[: len(named) * 10], scale
            )
        runs.append((name, archives[name, 1], None))
        for name, _, baseline in runs:
            seconds = {}
            for scale in (1, args.scale):
                seconds[scale], peak = _replay(archives[name, scale], tmp, args.workers)
                peaks.setdefault(name, []).append(peak)
                rate = counts[name, scale] / seconds[scale]
                rows.append(
                    _row(f"monitor replay, {name}, {scale}x", counts[name, scale], rate, baseline)
                )
            # The fixed cost (start-up, worker processes) cancels out: the rate at which an
            # archive of this kind replays, however large.
            more = counts[name, args.scale] - counts[name, 1]
            steady = more / (seconds[args.scale] - seconds[1])
            rows.append(_row(f"monitor replay, {name}, steady rate", more, steady, baseline))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'run':<{width}}  {'records':>7}  {'per second':>10}  {'vs trafilatura':>14}")
    for label, count, rate, ratio in rows:
        print(f"{label:<{width}}  {count:>7}  {rate:>10.0f}  {ratio:>14}")
    print(
        "(vs trafilatura: against trafilatura alone, one process, on the pages of the 1x "
        f"archive; steady rate: the records of the {args.scale}x run beyond the 1x run's, over "
        "the extra time they took)"
    )
    print("\npeak memory (monitor replay and its workers, summed):")
    for name, (small, large) in peaks.items():
        growth = large / small
        print(f"  {name}: {small:.0f} MB at 1x, {large:.0f} MB at {args.scale}x ({growth:.2f}x)")
    return 0


Labelled = tuple[str, str, str, str | None]  # url, title, text, published


def _row(
    label: str, count: int, rate: float, baseline: float | None
) -> tuple[str, int, float, str]:
    return label, count, rate, f"{rate / baseline:.2f}x" if baseline else "-"


def _labelled(corpora: Sequence[Path]) -> Iterator[Labelled]:
    """The labelled articles: dev.jsonl's rows and the seed files."""
    for line in corpora[0].read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            url = row.get("url") or f"https://news.example/{row['id']}"
            yield url, row.get("title") or "", row["text"], row.get("published")
    for path in sorted(corpora[1].glob("*.txt")):
        text = path.read_text()
        day = text.split()[1] if text.startswith("date ") else None
        yield f"https://seed.example/{path.stem}", "", text.split("\n", 1)[1] if day else text, day


def _wrap(url: str, title: str, text: str, published: str | None) -> Page:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"{meta}</head><body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}"
        f"</h1>{paragraphs}</article><footer>© News</footer></body></html>"
    )
    day = datetime.fromisoformat(published[:10]).replace(tzinfo=UTC) if published else START
    return url, page.encode(), day


def _copies(pages: Sequence[Page | bytes], times: int) -> Iterator[Page]:
    """``times`` copies of the pages, each a new page to the extractors: a URL of its own and
    a word of its own after every run of text (trafilatura caches what it saw of a line)."""
    for copy in range(times):
        tag = f" c{copy}<".encode()
        for n, page in enumerate(pages):
            url, body, day = (
                page if isinstance(page, tuple) else (f"https://web.example/p{n}", page, START)
            )
            distinct = _TEXT_RUN.sub(lambda m, tag=tag: m.group()[:-1] + tag, body)
            yield f"{url}?copy={copy}", distinct, day + timedelta(minutes=copy)


def _write_warc(path: Path, pages: Iterator[Page]) -> int:
    return write_warc(path, ((u, b, d.strftime("%Y-%m-%dT%H:%M:%SZ")) for u, b, d in pages))


def _text(page: bytes) -> str:
    document = trafilatura.bare_extraction(page, with_metadata=False, deduplicate=False)
    return str(getattr(document, "text", "") or "")


def _write_jsonl(path: Path, texts: Sequence[str], scale: int) -> int:
    count = 0
    with path.open("w") as out:
        for copy in range(scale):
            for n, text in enumerate(texts):
                row = {
                    "url": f"https://text.example/{copy}/{n}",
                    "published": (START + timedelta(hours=n)).isoformat(),
                    "text": f"{text}\nArchive copy {copy} of article {n}.",
                }
                out.write(json.dumps(row) + "\n")
                count += 1
    return count


def _trafilatura_rate(warc: Path) -> float:
    """Pages per second of trafilatura alone (one process, the options the monitor uses) on
    the HTML pages of a WARC, in a fresh process: its caches start as cold as the replay's."""
    out = subprocess.run(
        [sys.executable, __file__, "--baseline", str(warc)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.split()[0])


def _baseline(warc: Path) -> float:
    with warc.open("rb") as handle:
        bodies = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(handle)
            if r.rec_type == "response"
        ]
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
    return len(bodies) / (time.perf_counter() - start)


def _replay(corpus: Path, tmp: Path, workers: int) -> tuple[float, float]:
    """The seconds `monitor replay` took, and the peak summed RSS of it and its workers (MB)."""
    database = tmp / f"{corpus.stem}.db"
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
    return seconds, peak()


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
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending += [int(c) for c in children]
    return total / 1024


if __name__ == "__main__":
    raise SystemExit(main())
