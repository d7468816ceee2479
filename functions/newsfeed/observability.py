"""Logging, tracing and metrics for every function (Powertools), configured once.

Service name, log level, metrics namespace and tracing switches come from the standard Powertools
environment variables, which template.yaml sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, ...).
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="newsfeed")
metrics = Metrics(namespace="Newsfeed")
tracer = Tracer(service="newsfeed")

# A batch of only S3 test events or stale redeliveries legitimately records no metric.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
