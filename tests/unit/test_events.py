import json
from typing import Any

import pytest

from newsfeed.logic.events import parse_notification
from newsfeed.models.upload import ChangeKind, UploadChange


def s3_record(key: str, event: str = "ObjectCreated:Put", **obj: Any) -> dict[str, Any]:
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2024-03-29T04:00:00.123Z",
        "eventName": event,
        "userIdentity": {"principalId": "AWS:EDITOR"},
        "s3": {"bucket": {"name": "uploads"}, "object": {"key": key, **obj}},
    }


def message(*records: dict[str, Any]) -> str:
    return json.dumps({"Records": list(records)})


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("inbox/a+b.md", "inbox/a b.md"),
        ("inbox/a%2Bb.md", "inbox/a+b.md"),
        ("inbox/100%25.md", "inbox/100%.md"),
        ("inbox/%D2%9A%D0%B0%D0%B7%D0%B0%D2%9B.md", "inbox/Қазақ.md"),
        ("inbox%2Fsub%2Fa.md", "inbox/sub/a.md"),  # moto encodes '/', AWS does not
        ("inbox/sub/a.md", "inbox/sub/a.md"),
    ],
)
def test_keys_are_decoded(encoded: str, decoded: str) -> None:
    change = parse_notification(message(s3_record(encoded, size=10, eTag="abc", sequencer="0A1"))).changes[0]
    assert change.key == decoded


def test_put_and_delete() -> None:
    put = s3_record("inbox/a.md", size=12, eTag="etag1", sequencer="0055AED6DCD90281E5")
    delete = s3_record("inbox/a.md", "ObjectRemoved:Delete", sequencer="0055AED6DCD90281E6")
    changes = parse_notification(message(put, delete)).changes
    assert [(c.kind, c.size, c.etag) for c in changes] == [
        (ChangeKind.PUT, 12, "etag1"),
        (ChangeKind.DELETE, None, None),
    ]
    assert changes[0].order < changes[1].order


def test_sequencers_of_different_lengths_compare_after_right_padding() -> None:
    def change(sequencer: str) -> UploadChange:
        return parse_notification(message(s3_record("inbox/a.md", sequencer=sequencer))).changes[0]

    # S3: "right pad the shorter value with zeros, then compare lexicographically"
    assert change("0A").order > change("09FF").order
    assert change("0A").order == change("0A00").order
    assert change("0055AED6DCD90281E5").order < change("0055AED6DCD90281F").order


def test_events_without_sequencer_order_by_time_and_after_any_sequencer() -> None:
    early = parse_notification(message(s3_record("inbox/a.md"))).changes[0]
    record = s3_record("inbox/a.md")
    record["eventTime"] = "2024-03-29T04:00:00.124Z"
    late = parse_notification(message(record)).changes[0]
    assert early.order < late.order


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads"}),
        "not json",
        json.dumps([1, 2]),
        json.dumps({"hello": "world"}),
        message({"eventSource": "aws:sns"}),
        message(s3_record("elsewhere/a.md")),
        message(s3_record("inbox/notes.txt")),
        message(s3_record("elsewhere/picture.jpg")),
        message(s3_record("inbox/a.md", "ObjectRestore:Completed")),
    ],
)
def test_test_events_and_foreign_messages_are_ignored(body: str) -> None:
    notification = parse_notification(body)
    assert notification.changes == []
    assert notification.ignored
