"""Files in .newsfeed-running/ that are damaged or forged are passed over, never trusted or fatal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsfeed.cli import connection


@pytest.mark.parametrize(
    "text",
    ["garbage{", "[]", '{"endpoint": "x", "site": "y", "pid": "PID"}', '{"endpoint": "x", "site": "y"}', ""],
)
def test_a_damaged_running_file_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(connection, "RUNNING_DIR", tmp_path)
    pid = os.getpid()
    (tmp_path / f"{pid}.json").write_text(text.replace("PID", str(pid)))
    assert connection.running_local_stacks() == []
    with pytest.raises(connection.NoLocalStack, match="no local stack of this checkout is running"):
        connection.local_endpoint()
