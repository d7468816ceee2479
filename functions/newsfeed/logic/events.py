"""S3 event notifications (as carried in SQS message bodies) to `UploadChange`s."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from newsfeed.logic.parsing import is_upload_name
from newsfeed.models import limits
from newsfeed.models.photo import is_photo_key
from newsfeed.models.upload import ChangeKind, UploadChange


@dataclass(frozen=True)
class Notification:
    """What one queue message asks of the ingest: changes to apply, and what it ignored and why."""

    changes: list[UploadChange] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _event_time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _change(record: dict[str, Any]) -> UploadChange | str:
    """An `UploadChange`, or the reason this record is none of the ingest's business."""
    if record.get("eventSource") != "aws:s3":
        return f"not an S3 record (eventSource={record.get('eventSource')!r})"
    name = str(record.get("eventName", ""))
    if name.startswith("ObjectCreated:"):
        kind = ChangeKind.PUT
    elif name.startswith("ObjectRemoved:"):
        kind = ChangeKind.DELETE
    else:
        return f"event {name!r} is neither a create nor a remove"
    s3 = record.get("s3") or {}
    obj = s3.get("object") or {}
    raw_key = obj.get("key")
    bucket = (s3.get("bucket") or {}).get("name")
    if not isinstance(raw_key, str) or not isinstance(bucket, str):
        return "S3 record without a bucket name or object key"
    # S3 URL-encodes keys in events with '+' for spaces (moto also encodes '/'): unquote_plus undoes both.
    key = unquote_plus(raw_key)
    if not key.startswith(limits.UPLOAD_PREFIX) and not (
        key.startswith(limits.IMPORT_PREFIX) and kind is ChangeKind.PUT
    ):
        return f"{key!r} is outside {limits.UPLOAD_PREFIX} (and not an import bundle)"
    if not is_upload_name(key) and not (is_photo_key(key) and key.startswith(limits.UPLOAD_PREFIX)):
        return f"{key!r} is neither an article file ({', '.join(limits.UPLOAD_SUFFIXES)}) nor a photo"
    size = obj.get("size")
    etag = obj.get("eTag")
    return UploadChange(
        kind=kind,
        bucket=bucket,
        key=key,
        size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        etag=str(etag).strip('"') if etag and kind is ChangeKind.PUT else None,
        sequencer=obj.get("sequencer") or None,
        event_time=_event_time(record.get("eventTime")),
    )


def parse_notification(body: str) -> Notification:
    """Decode one SQS message body. Test events and foreign messages are ignored, never errors."""
    try:
        message = json.loads(body)
    except (json.JSONDecodeError, RecursionError):
        return Notification(ignored=["message body is not JSON"])
    if not isinstance(message, dict):
        return Notification(ignored=["message body is not a JSON object"])
    if message.get("Event") == "s3:TestEvent":
        return Notification(ignored=["s3:TestEvent"])
    records = message.get("Records")
    if not isinstance(records, list):
        return Notification(ignored=["message has no S3 Records"])
    result = Notification()
    for record in records:
        outcome = _change(record) if isinstance(record, dict) else "record is not an object"
        if isinstance(outcome, UploadChange):
            result.changes.append(outcome)
        else:
            result.ignored.append(outcome)
    return result
