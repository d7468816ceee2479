"""A warm API request against a bare GetItem of the same article, on the same backend (moto, in-process).

Both sides read the same item from the same table through the functions' shared DynamoDB client; the API
side is the whole Lambda handler: a Lambda-shaped API Gateway event through Mangum, routing, the read,
validation, JSON and ETag. The ratio is what our code adds to the one read a request needs. Also printed:
the bytes of the response, for the cost model.
"""

from __future__ import annotations

import json
import time
from typing import Any

from newsfeed.dal.items import record_item
from newsfeed.dal.keys import article_key
from tests.bench.harness import FIGURES, Row, median, moto_stack, read_units
from tests.support import ROOT
from tests.support.factories import archived_article

EVENT = ROOT / "events" / "lambda" / "api-get-article.json"
SLUG = "kazakh-leader-offers-explanation-for-crisis"
REQUESTS = 400


class Context:
    function_name = "ApiFunction"
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ApiFunction"
    memory_limit_in_mb = 1024


def measure() -> dict[str, float]:
    with moto_stack() as bench:
        from newsfeed.dal import clients
        from newsfeed.handlers import api

        table = bench.outputs["ContentTableName"]
        article = archived_article(0).model_copy(update={"slug": SLUG})
        client = clients.dynamodb()
        client.put_item(TableName=table, Item=record_item(article))
        event: dict[str, Any] = json.loads(EVENT.read_text())
        first = api.handler(event, Context())  # type: ignore[arg-type]
        assert first["statusCode"] == 200, first

        def request() -> None:
            api.handler(event, Context())  # type: ignore[arg-type]

        def read() -> None:
            client.get_item(TableName=table, Key=article_key(SLUG), ConsistentRead=False)

        handler_times: list[float] = []
        read_times: list[float] = []
        for _ in range(REQUESTS):  # alternating, so that drift on a shared machine hits both alike
            for action, times in ((request, handler_times), (read, read_times)):
                start = time.perf_counter()
                action()
                times.append(time.perf_counter() - start)
        units = read_units(
            [client.get_item(TableName=table, Key=article_key(SLUG))["Item"]], consistent=False
        )
        return {
            "read_units": units,
            "api": median(handler_times),
            "get_item": median(read_times),
            "response_bytes": float(len(first["body"])),
        }


def run() -> list[Row]:
    m = measure()
    FIGURES["api"] = m
    ratio = m["api"] / m["get_item"]
    return [
        Row("API warm GET /articles/{slug}, median of 400", "", ""),
        Row("  bare GetItem, same item and client", f"{m['get_item'] * 1000:.2f} ms", ""),
        Row(
            "  whole handler (Mangum, route, read, JSON)",
            f"{m['api'] * 1000:.2f} ms",
            f"ratio {ratio:.2f} (target <= 1.5)",
        ),
        Row("  response body", f"{m['response_bytes'] / 1024:.1f} KiB", ""),
    ]
