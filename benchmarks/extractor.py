"""Benchmark: the event extractor's cost against page extraction, measured in the same run.

The extractor must never be the pipeline's bottleneck. This times ``detect_events`` on the
labelled articles (../shared/corpus) and trafilatura's extraction on the real pages of
../shared/fixtures/html, and prints both rates and their ratio.

    .venv/bin/python benchmarks/extractor.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from monitor.pipeline.corpus import parse_json_article
from monitor.pipeline.detect import detect_events
from monitor.pipeline.extract import extract_article
from monitor.pipeline.rules import compile_rules
from monitor.settings import load_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    corpus = SHARED / "corpus" / "dev.jsonl"
    pages = sorted((SHARED / "fixtures" / "html").glob("*.html"))
    if not corpus.is_file() or not pages:
        print(f"needs {corpus} and {SHARED / 'fixtures' / 'html'}", file=sys.stderr)
        return 2
    rules = compile_rules(load_settings(ROOT / "config.yaml", {}).bases)
    rows = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    now = datetime.now(UTC)
    articles = [
        parse_json_article(r, url=r.get("url") or "x", text=r["text"], now=now) for r in rows
    ]
    bodies = [p.read_bytes() for p in pages]
    detect_s = _best(args.rounds, lambda: [detect_events(a, rules) for a in articles])
    extract_s = _best(args.rounds, lambda: [extract_article(b, url="http://x/") for b in bodies])
    detect_rate = len(articles) / detect_s
    extract_rate = len(bodies) / extract_s
    chars = sum(len(a.text) for a in articles) / len(articles)
    print(
        f"detect_events: {len(articles)} articles (mean {chars:.0f} chars), "
        f"{detect_rate:.0f} articles/s"
    )
    print(f"trafilatura extraction: {len(bodies)} pages, {extract_rate:.0f} pages/s")
    print(f"extractor is {detect_rate / extract_rate:.1f}x the rate of page extraction")
    return 0


def _best(rounds: int, work) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    sys.exit(main())
