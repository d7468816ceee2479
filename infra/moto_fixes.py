"""Making moto's TransactWriteItems behave like DynamoDB's, for the local stack and the tests.

moto applies a transaction's writes one by one and, when a condition fails, restores a deep copy of every
table it touched. That copy includes the table's stream, so (1) a cancelled transaction leaves stream
records of writes that never happened, (2) a stream iterator held across it sees nothing afterwards, and
(3) every transaction costs time proportional to the whole table and its stream history (200 uploads took
minutes). DynamoDB checks every condition first and then writes all or nothing; so does this replacement.
It only reorders moto's own operations: conditions are evaluated by moto's parser, writes by moto's
put/update/delete.
"""

from __future__ import annotations

from typing import Any

_APPLIED = "_newsfeed_atomic_transactions"


def atomic_transactions() -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, _APPLIED, False):
        return

    def key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
        if op_type != "Put":
            return dict(op["Key"])
        table = backend.get_table(op["TableName"])
        key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = op["Item"][table.range_key_attr]
        return key

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        operations = []
        seen: set[tuple[str, str]] = set()
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            ((op_type, op),) = item.items()
            key = key_of(self, op_type, op)
            identity = (op["TableName"], str(sorted(key.items())))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            operations.append((op_type, op, key))

        errors: list[tuple[str | None, str | None, Any]] = []
        for _, op, key in operations:  # every condition, before any write
            current = self.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            holds = condition is None or get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current)
            if holds:
                errors.append((None, None, None))
            else:
                old = (
                    current.to_json()["Attributes"]
                    if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else None
                )
                errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
        if any(code for code, _, _ in errors):
            raise TransactionCanceledException(errors)

        for op_type, op, key in operations:  # then all the writes
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(
                    op["TableName"],
                    op["Item"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                    condition_expression=op.get("ConditionExpression"),
                )
            elif op_type == "Delete":
                self.delete_item(
                    op["TableName"],
                    key,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                    condition_expression=op.get("ConditionExpression"),
                )
            elif op_type == "Update":
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                    condition_expression=op.get("ConditionExpression"),
                )

    setattr(DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010 - patching a method
    setattr(DynamoDBBackend, _APPLIED, True)


def fast_stream_records() -> None:
    """Answer DynamoDB Streams' GetRecords with plain JSON: moto's generic serializer takes about a second for
    a hundred article images, which made every burst in the local stack crawl."""
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    if getattr(DynamoDBStreamsHandler, _APPLIED, False):
        return

    def get_records(self: Any) -> str:
        limit = self._get_param("Limit") or 1000
        result = self.backend.get_records(self._get_param("ShardIterator"), limit)
        for record in result["Records"]:
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if hasattr(created, "timestamp"):
                record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
        return str(dynamo_json_dump(result))

    setattr(DynamoDBStreamsHandler, "get_records", get_records)  # noqa: B010 - patching a method
    setattr(DynamoDBStreamsHandler, _APPLIED, True)


def apply() -> None:
    """Every fix above; idempotent."""
    atomic_transactions()
    fast_stream_records()
