"""The local stack's saved state (infra/local_state.py) as a file on disk: what was saved loads back; a file
that changed after it was written (one byte flipped anywhere, cut short anywhere) is refused with the one
message that names it and says how to recover, and never half-loaded; a snapshot a killed stack left
half-written is deleted at the next start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infra import local_state, moto_fixes
from moto import mock_aws

from tests.support.moto import table


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a saved state holding a table with an item and a bucket with an object."""
    moto_fixes.apply()
    folder = tmp_path_factory.mktemp("saved")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        table(dynamodb, "kept")
        dynamodb.put_item(
            TableName="kept",
            Item={"pk": {"S": "story"}, "sk": {"S": "article"}, "title": {"S": "Ferry to Baku"}},
        )
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="pages")
        s3.put_object(Bucket="pages", Key="articles/ferry", Body=b"<!doctype html>" * 100)
        local_state.save(folder)
    return (folder / local_state.STATE_FILE).read_bytes()


def load(folder: Path) -> dict[str, str]:
    """Load the state in `folder` into a fresh moto; the item it holds."""
    with mock_aws():
        assert local_state.load(folder) is not None
        item = boto3.client("dynamodb", region_name="us-east-1").get_item(
            TableName="kept", Key={"pk": {"S": "story"}, "sk": {"S": "article"}}
        )["Item"]
        return {name: value["S"] for name, value in item.items()}


def refusal(folder: Path, content: bytes) -> str:
    path = folder / local_state.STATE_FILE
    path.write_bytes(content)
    with mock_aws(), pytest.raises(local_state.UnreadableState) as refused:
        local_state.load(folder)
    assert path.read_bytes() == content  # left as it is
    message = str(refused.value)
    assert str(path) in message
    return message


def test_what_was_saved_loads_back_and_half_written_snapshots_are_deleted(
    saved: bytes, tmp_path: Path
) -> None:
    (tmp_path / local_state.STATE_FILE).write_bytes(saved)
    left = tmp_path / f"{local_state.STATE_FILE}.4242.tmp"
    left.write_bytes(saved[: len(saved) // 2])  # a snapshot whose writer was killed
    assert load(tmp_path) == {"pk": "story", "sk": "article", "title": "Ferry to Baku"}
    assert not left.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [local_state.STATE_FILE]


ANYWHERE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@ANYWHERE
@given(data=st.data())
def test_a_flipped_byte_anywhere_is_refused_with_the_message(
    saved: bytes, tmp_path: Path, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(saved) - 1), label="byte")
    flip = data.draw(st.integers(1, 255), label="xor")
    damaged = saved[:at] + bytes([saved[at] ^ flip]) + saved[at + 1 :]
    message = refusal(tmp_path, damaged)
    first_line = saved.index(b"\n")
    if at > first_line:  # past the header: the checksum finds it
        assert "is damaged" in message and "mv " in message and "newsfeed import" in message
    else:  # in the header: damaged, or names a format or versions this code does not read
        assert "is damaged" in message or "newsfeed export" in message


@ANYWHERE
@given(data=st.data())
def test_a_file_cut_short_anywhere_is_refused_with_the_message(
    saved: bytes, tmp_path: Path, data: st.DataObject
) -> None:
    length = data.draw(st.integers(0, len(saved) - 1), label="length")
    message = refusal(tmp_path, saved[:length])
    assert "is damaged" in message or "newsfeed export" in message


def test_a_state_of_another_format_is_refused_with_how_to_carry_the_articles_over(tmp_path: Path) -> None:
    message = refusal(tmp_path, b'{"format": 1, "moto": "0.0", "python": "3.0"}\n\x80\x04junk')
    assert "newsfeed export" in message and "FRESH=1" in message


def test_what_moto_answered_survives_its_kill_9_and_a_torn_last_record_is_left_out(tmp_path: Path) -> None:
    """Through the server as the local stack runs it: killed at once after its answers (before any snapshot
    could be written), it starts again from the journal; a record cut off by the crash is not replayed."""
    import socket

    from infra import journal, moto_server

    def port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def dynamodb(server: moto_server.MotoServer) -> Any:
        return boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
        ).client("dynamodb", endpoint_url=server.endpoint)

    data = tmp_path / "data"
    with moto_server.running(port(), data) as server:
        client = dynamodb(server)
        table(client, "kept")
        for n in range(20):
            client.put_item(TableName="kept", Item={"pk": {"S": f"story-{n}"}, "sk": {"S": "article"}})
        server.child.kill()  # SIGKILL: no last snapshot
        server.child.wait()
    assert journal.generations(data)
    with journal.path(data, journal.generations(data)[-1]).open("ab") as torn:
        torn.write(b"\x00\x00\x10\x00partial")
    with moto_server.running(port(), data) as server:
        assert server.restored
        keys = sorted(item["pk"]["S"] for item in dynamodb(server).scan(TableName="kept")["Items"])
    assert keys == sorted(f"story-{n}" for n in range(20))


def test_a_state_saved_in_the_previous_format_still_loads(saved: bytes, tmp_path: Path) -> None:
    """Format 2 summed what follows the header line only: a data folder saved by it loads as it did."""
    import hashlib
    import json

    first = saved[: saved.index(b"\n") + 1]
    body = saved[len(first) : -local_state.CHECKSUM_LINE_BYTES]
    old_header = json.dumps({**json.loads(first), "format": 2}).encode() + b"\n"
    old = old_header + body + local_state.CHECKSUM + hashlib.sha256(body).hexdigest().encode() + b"\n"
    (tmp_path / local_state.STATE_FILE).write_bytes(old)
    assert load(tmp_path) == {"pk": "story", "sk": "article", "title": "Ferry to Baku"}
