"""``python -m benchmarks``: generate (or reuse) a profile, measure, write the report.

    python -m benchmarks                    # 1,000,000 items, report in benchmarks/reports/
    python -m benchmarks --items 20000 --repeats 5 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import report
from benchmarks.generate import DEFAULT_CACHE_DIR, DEFAULT_SEED, ensure_profile
from benchmarks.store_bench import BenchConfig, run
from workstation.store.db import DB_NAME

DEFAULT_ITEMS = 1_000_000
DEFAULT_OUT = Path(__file__).resolve().parent / "reports"


def _positive(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Store benchmark: build a synthetic profile through the store code, time "
                    "opening, paging and searching it against plain sqlite3, write a report.")
    p.add_argument("--items", type=_positive, default=DEFAULT_ITEMS,
                   help="items in the profile (default: %(default)s)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="report directory (default: benchmarks/reports)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    p.add_argument("--repeats", type=_positive, default=20,
                   help="timed runs per figure (default: %(default)s)")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                   help="where generated profiles are kept (default: benchmarks/.cache)")
    p.add_argument("--regenerate", action="store_true",
                   help="build the profile again even if a cached one exists")
    p.add_argument("--no-cold-disk", action="store_true",
                   help="skip the open with the file evicted from the OS cache")
    p.add_argument("--quiet", action="store_true", help="do not print the report")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    directory, manifest, reused = ensure_profile(args.cache_dir, args.items, args.seed,
                                                 regenerate=args.regenerate)
    config = BenchConfig(items=args.items, seed=args.seed, repeats=args.repeats,
                         cold_disk=not args.no_cold_disk)
    result = run(directory / DB_NAME, manifest, config, reused_cache=reused)
    md_path, json_path = report.write(result, args.out)
    if not args.quiet:
        sys.stdout.write(report.to_markdown(result))
    sys.stderr.write(f"report: {md_path}\n        {json_path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
