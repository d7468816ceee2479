"""What a queue's consumer asks of SQS beyond Lambda's own handling: a sooner (or later) retry."""

from __future__ import annotations

from newsfeed.dal import clients


def retry_later(queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Keep a failed message hidden for `seconds` (its next attempt), instead of the queue's default."""
    clients.sqs().change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
