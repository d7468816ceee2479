"""Finding a deployed (or local) stack's resources by its CloudFormation outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from newsfeed.models.errors import NewsfeedError


class StackNotFound(NewsfeedError):
    pass


@dataclass(frozen=True)
class StackOutputs:
    api_url: str
    uploads_bucket: str
    content_table: str
    feeds_url: str
    site_url: str  # where readers find the articles' pages
    public_bucket: str  # the site's pages and feeds
    bulk_dead_letters: str | None = None  # the bulk lane's failed work (a stack deployed before has none)


def stack_outputs(cloudformation: Any, stack: str) -> StackOutputs:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except (ClientError, BotoCoreError) as error:
        raise StackNotFound(f"cannot read stack {stack!r}: {error}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    try:
        return StackOutputs(
            api_url=outputs["ApiUrl"].rstrip("/"),
            uploads_bucket=outputs["UploadsBucketName"],
            content_table=outputs["ContentTableName"],
            feeds_url=outputs["FeedsUrl"].rstrip("/"),
            site_url=outputs.get("SiteUrl", outputs["FeedsUrl"]).rstrip("/"),
            public_bucket=outputs["PublicBucketName"],
            bulk_dead_letters=outputs.get("BulkDeadLetterQueueUrl"),
        )
    except KeyError as missing:
        raise StackNotFound(f"stack {stack!r} has no output {missing}; is it a newsfeed stack?") from None
