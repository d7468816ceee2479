"""The benchmark suite's own arithmetic: request units, the cost model, the chart, the Hugo site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bench import bench_hugo, chart, cost
from tests.bench.bench_publish import Measured
from tests.bench.harness import item_bytes, read_units, write_units


def test_request_units_follow_dynamodbs_rounding() -> None:
    small = {"pk": {"S": "article#a"}, "sk": {"S": "article"}}
    assert item_bytes(small) == len("pk") + len("article#a") + len("sk") + len("article")
    assert write_units(small) == 1
    two_kib = {"pk": {"S": "x"}, "body": {"S": "y" * 2000}}
    assert write_units(two_kib) == 2  # 1 KB steps
    assert read_units([two_kib], consistent=True) == 1  # 4 KB steps
    assert read_units([two_kib, two_kib, two_kib], consistent=True) == 2  # a Query's items add up first
    assert read_units([two_kib], consistent=False) == 0.5


def test_cost_of_a_publish_adds_up_its_measured_parts() -> None:
    calls = {"s3.PutObject": 10, "s3.HeadObject": 10, "dynamodb.GetItem": 3}
    units = {"dynamodb.WRU": 40.0, "dynamodb.RRU": 200.0}
    parts = cost.per_publish(calls, units, seconds=0.25)
    assert parts["DynamoDB"] == pytest.approx(40 * 0.625e-6 + 200 * 0.125e-6)
    assert parts["S3"] == pytest.approx(10 * 0.005e-3 + 10 * 0.0004e-3)
    assert parts["Lambda"] == pytest.approx(2 * 0.2e-6 + 0.25 * 0.5 * 0.0000133334)


def test_a_million_api_requests_cost_the_gateway_the_function_the_read_and_the_bytes() -> None:
    parts = cost.per_million_api_requests(seconds=0.002, response_bytes=1000, read_units=0.5)
    assert parts["API Gateway"] == pytest.approx(1.00)
    assert parts["DynamoDB"] == pytest.approx(0.0625)
    assert parts["transfer out"] == pytest.approx(0.09)
    assert parts["Lambda"] == pytest.approx(0.2 + 1e6 * 0.002 * 1.0 * 0.0000133334)


def test_the_chart_is_drawn(tmp_path: Path) -> None:
    calls = {"dynamodb.Query": 8}
    figures = {
        "regeneration": {n: Measured(calls, {}, wall=0.5, ours=0.25) for n in (200, 2000, 20000)},
        "hugo": {200: 0.1, 2000: 0.7, 20000: 12.0},
        "latency": {0: (0.3, 0.4), 10000: (0.4, 0.5)},
    }
    path = chart.draw(figures, tmp_path / "bench.png")
    assert path is not None
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.draw({}, tmp_path / "none.png") is None


@pytest.mark.skipif(shutil.which("hugo") is None, reason="hugo (Debian package) is not installed")
def test_the_hugo_site_builds_with_its_rss_feed() -> None:
    assert bench_hugo.build_time(20, runs=1) > 0
