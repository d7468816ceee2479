"""`make bench`'s chart: time to an updated feed and AWS calls per publish by archive size, beside Hugo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHART = Path(__file__).resolve().parents[2] / "docs" / "bench.png"


def draw(figures: dict[str, Any], path: Path = CHART) -> Path | None:
    regeneration = figures.get("regeneration")
    if not regeneration:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(regeneration)
    fig, (times, calls) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    times.plot(sizes, [regeneration[s].wall for s in sizes], "o-", label="newsfeed: one publish, incl. moto")
    times.plot(sizes, [regeneration[s].ours for s in sizes], "o--", label="newsfeed: one publish, our code")
    hugo = figures.get("hugo")
    if hugo:
        hugo_sizes = sorted(hugo)
        times.plot(hugo_sizes, [hugo[s] for s in hugo_sizes], "s-", label="Hugo: full rebuild")
    latency = figures.get("latency", {})
    stacked = sorted(size for size in latency if size > 0)
    if stacked:
        times.plot(
            stacked, [latency[s][0] for s in stacked], "D", label="newsfeed: upload to feed, local stack p50"
        )
    times.set(
        xscale="log", yscale="log", xlabel="articles in the archive", ylabel="seconds to an updated feed"
    )
    times.set_title("Time to an updated RSS feed after one new article")
    times.grid(True, which="both", alpha=0.3)
    times.legend()
    calls.bar(
        [f"{s:,}" for s in sizes], [sum(regeneration[s].calls.values()) for s in sizes], color="tab:blue"
    )
    calls.set(xlabel="articles in the archive", ylabel="AWS calls", title="AWS calls per publish (flat)")
    for index, size in enumerate(sizes):
        total = sum(regeneration[size].calls.values())
        calls.annotate(str(total), (index, total), ha="center", va="bottom")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
