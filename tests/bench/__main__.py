"""`make bench`: every benchmark, one table, and docs/bench.png. Each figure is measured in this run."""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from tests.bench import (
    bench_api,
    bench_burst,
    bench_cold_start,
    bench_fediverse,
    bench_hugo,
    bench_import,
    bench_import_cost,
    bench_ingest,
    bench_lanes,
    bench_latency,
    bench_pages,
    bench_photos,
    bench_publish,
    bench_related,
    bench_restart,
    bench_search,
    chart,
    cost,
)
from tests.bench.harness import FIGURES, Row

BENCHMARKS: dict[str, Callable[[], list[Row]]] = {
    "publish": bench_publish.run,
    "burst": bench_burst.run,
    "api": bench_api.run,
    "cold-start": bench_cold_start.run,
    "ingest": bench_ingest.run,
    "import": bench_import.run,
    "import-cost": bench_import_cost.run,
    "lanes": bench_lanes.run,
    "latency": bench_latency.run,
    "pages": bench_pages.run,
    "photos": bench_photos.run,
    "hugo": bench_hugo.run,
    "related": bench_related.run,
    "search": bench_search.run,
    "fediverse": bench_fediverse.run,
    "restart": bench_restart.run,
}
# Run only when named (`python -m tests.bench restart import`): filling and restarting a 10,000-article stack
# takes about four minutes, importing the 7,600 AG News files and waiting for every related list and the
# publisher about fifteen, probing the live lane through such an import about as long, counting an import's
# calls in this process a few minutes, search's 20,000-article index and 7,600-article bulk indexing two or
# three, federation's 10,000 follower servers and its local stack about three; `make bench` stays under ten
# minutes without them.
ON_REQUEST = {"restart", "import", "import-cost", "lanes", "search", "fediverse"}


def main(names: list[str]) -> None:
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}"
        )
    started = time.monotonic()
    rows: list[Row] = []
    for name, run in BENCHMARKS.items():
        if name in names or (not names and name not in ON_REQUEST):
            print(f"running {name}...", file=sys.stderr, flush=True)
            rows += run()
    rows += cost.run(FIGURES)
    width = max(len(row.label) for row in rows)
    middle = max(len(row.figure) for row in rows)
    print(
        f"\nnewsfeed benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    for row in rows:
        print(f"{row.label:<{width}}  {row.figure:<{middle}}  {row.against}".rstrip())
    drawn = chart.draw(FIGURES)
    if drawn is not None:
        print(f"chart: {drawn}")
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
