"""Logging, tracing and metrics for every function (Powertools), configured once.

Service name, log level, metrics namespace and tracing switches come from the standard Powertools
environment variables, which template.yaml sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, ...).

`tracer` and `metrics` are built on first use, and the API function imports this module only on its first
failure: Powertools and the X-Ray SDK behind the tracer are not among the modules it imports before its
first answer (tests/integration/test_api_cold_start.py). Lambda's active tracing still traces it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics, Tracer

    metrics: Metrics
    tracer: Tracer

logger = Logger(service="newsfeed")

# A batch of only S3 test events or stale redeliveries legitimately records no metric.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def __getattr__(name: str) -> Any:
    if name == "metrics":
        from aws_lambda_powertools import Metrics

        globals()["metrics"] = Metrics(namespace="Newsfeed")
    elif name == "tracer":
        from aws_lambda_powertools import Tracer

        globals()["tracer"] = Tracer(service="newsfeed")
    else:
        raise AttributeError(name)
    return globals()[name]
