"""The ledger of upload changes the ingest has already applied (Powertools idempotency, in DynamoDB).

S3 delivers each event at least once and SQS may hand one message to two invocations; the ledger answers
a repeat with the first answer, without reading the upload or the content table again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsfeed.dal import clients

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


def processed_changes(table: str) -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.dynamodb())
