"""The cost model: AWS charges per publish and per million API requests, from what the benchmarks measured.

Prices are the public on-demand list prices for us-east-1 (US East, N. Virginia), as published on the AWS
pricing pages on PRICES_DATE; free tiers are left out. Request counts, DynamoDB request units (from item
sizes) and bytes are this run's measurements; Lambda time is the time our code took here, which is a
stand-in for the billed duration on Lambda (where network round trips replace moto's work).
"""

from __future__ import annotations

from typing import Any

from tests.bench.harness import Row

PRICES_DATE = "2026-11-26"
PRICE = {  # USD
    "dynamodb.WRU": 0.625e-6,  # on-demand write request unit
    "dynamodb.RRU": 0.125e-6,  # on-demand read request unit
    "s3.put": 0.005e-3,  # S3 Standard PUT, COPY, POST, LIST requests
    "s3.get": 0.0004e-3,  # S3 Standard GET, HEAD and other requests
    "sqs.request": 0.40e-6,  # SQS standard queue, per 64 KB request
    "lambda.request": 0.20e-6,
    "lambda.gb_second_arm64": 0.0000133334,
    "apigw.http_request": 1.00e-6,  # HTTP API, first 300 million a month, per 512 KB
    "transfer.gb": 0.09,  # data transfer out to the internet, first 10 TB a month
}
INGEST_AND_PUBLISHER_GB = 0.5  # MemorySize of the ingest and publisher functions (template.yaml)
API_GB = 1.0  # MemorySize of the API function
SQS_REQUESTS_PER_PUBLISH = 3  # S3's SendMessage, the ingest poller's ReceiveMessage and DeleteMessage


def per_publish(calls: dict[str, int], units: dict[str, float], seconds: float) -> dict[str, float]:
    s3_put = sum(n for op, n in calls.items() if op in ("s3.PutObject", "s3.CopyObject", "s3.ListObjectsV2"))
    s3_get = sum(n for op, n in calls.items() if op in ("s3.GetObject", "s3.HeadObject"))
    return {
        "DynamoDB": units.get("dynamodb.WRU", 0) * PRICE["dynamodb.WRU"]
        + units.get("dynamodb.RRU", 0) * PRICE["dynamodb.RRU"],
        "S3": s3_put * PRICE["s3.put"] + s3_get * PRICE["s3.get"],
        "SQS": SQS_REQUESTS_PER_PUBLISH * PRICE["sqs.request"],
        "Lambda": 2 * PRICE["lambda.request"]
        + seconds * INGEST_AND_PUBLISHER_GB * PRICE["lambda.gb_second_arm64"],
    }


def per_million_api_requests(seconds: float, response_bytes: float, read_units: float) -> dict[str, float]:
    million = 1_000_000
    return {
        "API Gateway": million * PRICE["apigw.http_request"],
        "Lambda": million * (PRICE["lambda.request"] + seconds * API_GB * PRICE["lambda.gb_second_arm64"]),
        "DynamoDB": million * read_units * PRICE["dynamodb.RRU"],
        "transfer out": million * response_bytes / 1e9 * PRICE["transfer.gb"],
    }


def _money(parts: dict[str, float]) -> str:
    return ", ".join(f"{name} ${value:.6f}".rstrip("0") for name, value in parts.items())


def run(figures: dict[str, Any]) -> list[Row]:
    rows = [Row(f"cost model (us-east-1 list prices of {PRICES_DATE})", "", "")]
    regeneration = figures.get("regeneration")
    if regeneration:
        largest = regeneration[max(regeneration)]
        parts = per_publish(largest.calls, largest.units, largest.ours)
        rows.append(
            Row(
                "  one publish",
                f"${sum(parts.values()) * 1000:.3f} per 1,000",
                f"{_money(parts)}; {largest.units.get('dynamodb.WRU', 0):.0f} WRU, "
                f"{largest.units.get('dynamodb.RRU', 0):.0f} RRU, "
                f"{largest.units.get('s3.PutObject bytes', 0) / 1024:.0f} KiB to S3",
            )
        )
    api = figures.get("api")
    if api:
        parts = per_million_api_requests(api["api"], api["response_bytes"], api["read_units"])
        rows.append(
            Row(
                "  one million API requests",
                f"${sum(parts.values()):.2f}",
                ", ".join(f"{name} ${value:.2f}" for name, value in parts.items()),
            )
        )
    return rows
