"""What a queue's consumer asks of SQS beyond Lambda's own handling (a sooner or later retry), and how many
messages a queue holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsfeed.dal import clients

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


def retry_later(queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Keep a failed message hidden for `seconds` (its next attempt), instead of the queue's default."""
    clients.sqs().change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


def messages_in(queue_url: str, client: SQSClient | None = None) -> int:
    """How many messages a queue holds, waiting or being handled (SQS's approximate counts)."""
    found = (client or clients.sqs()).get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(found.get("ApproximateNumberOfMessages", "0")) + int(
        found.get("ApproximateNumberOfMessagesNotVisible", "0")
    )
