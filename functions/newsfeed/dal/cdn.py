"""CloudFront in front of the public bucket: what must stop being served before its cache would let it go."""

from __future__ import annotations

import time
from collections.abc import Sequence

import boto3


def invalidate(distribution_id: str, paths: Sequence[str]) -> None:
    """Drop these paths (`/images/<digest>/*`) from every edge cache; none without a distribution (the
    local stack serves the bucket directly)."""
    if not distribution_id or not paths:
        return
    boto3.client("cloudfront").create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": list(paths)},
            "CallerReference": f"newsfeed-{time.time_ns()}",
        },
    )
