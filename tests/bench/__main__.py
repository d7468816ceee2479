"""`make bench`: every benchmark, one table. Each figure is measured in this run, on this machine."""

from __future__ import annotations

import platform
import sys
import time
from datetime import UTC, datetime

from tests.bench import bench_cold_start, bench_publish

BENCHMARKS = {"publish": bench_publish.run, "cold-start": bench_cold_start.run}


def main(names: list[str]) -> None:
    chosen = {name: run for name, run in BENCHMARKS.items() if not names or name in names}
    started = time.monotonic()
    rows: list[tuple[str, str, str]] = []
    for run in chosen.values():
        rows += run()
    width = max(len(row[0]) for row in rows)
    middle = max(len(row[1]) for row in rows)
    print(
        f"\nnewsfeed benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.node()}"
    )
    for label, small, large in rows:
        print(f"{label:<{width}}  {small:>{middle}}  {large}")
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
