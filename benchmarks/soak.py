"""Soak test, run by hand: the daemon killed with SIGKILL over and over, the webhook down for
a long stretch, and at the end every attack alerted exactly once.

    .venv/bin/python benchmarks/soak.py [--kills 100] [--outage 60] [--seed 1]

Prints what it measured; exits 1 if an attack was lost, alerted wrongly or twice under two ids.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.crashloop import run_crash_loop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--outage", type=float, default=60.0, help="webhook down, seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="monitor-soak-") as work:
        report = run_crash_loop(
            Path(work),
            kills=args.kills,
            outage_s=args.outage,
            seed=args.seed,
            final_wait_s=max(120.0, args.outage * 2),
        )
    print(f"kills survived: {report.kills} (SIGKILL at random moments)")
    print(f"webhook outage survived: {report.outage_s:g} s")
    print(f"attacks published: {report.published}, alerts delivered: {report.delivered}")
    print(
        f"POSTs accepted: {report.accepted_posts} "
        f"(repeats a receiver without webhook-id dedup would see: {report.repeats})"
    )
    print(f"lost: {len(report.missing)}, wrong: {len(report.wrong)}, took {report.seconds:.0f} s")
    ok = not report.missing and not report.wrong and report.delivered == report.published
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
