"""The commands the README and docs/ show, run word for word against a local stack (on ports of its own: the
docs' `127.0.0.1:3000` is rewritten to them), with the output the docs print where they print one."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT, corpus
from tests.support.local import Running, free_port, get, start_local_stack

pytestmark = pytest.mark.e2e
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROMPTED = re.compile(r"^\$ (?P<command>.+?)(?:\s+# .*)?$")
# Output the docs show that no run repeats: progress bars, rates, times, the 7,600-file example's counts.
VARYING = re.compile(
    r"%\||articles/s|\d{4} (files|articles)|rejected: (ag-|\d)|^  (published|rejected): \d|  - slug:"
)


@dataclass
class Shown:
    doc: Path
    command: str
    output: list[str]


def shown_commands() -> list[Shown]:
    """Every `$ command` in a ```sh block of the README and docs/, with the lines printed after it."""
    found: list[Shown] = []
    for doc in DOCS:
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), flags=re.S):
            for line in block.splitlines():
                if match := PROMPTED.match(line):
                    found.append(Shown(doc, match["command"], []))
                elif found and found[-1].doc == doc and "$ " not in line[:2]:
                    found[-1].output.append(line)
    return found


def files_to_save(doc: Path) -> dict[str, str]:
    """The files a doc asks the reader to write: a fenced block followed by "Save it as `NAME`"."""
    text, saved = doc.read_text(), {}
    for block in re.finditer(r"```\w*\n(.*?)```", text, flags=re.S):
        if after := re.match(r"\s*Save it as `([^`]+)`", text[block.end() :]):
            saved[after[1]] = block[1]
    return saved


@pytest.fixture(scope="module")
def stack() -> Iterator[Running]:
    running = start_local_stack(free_port(), free_port())
    yield running
    running.process.terminate()
    running.process.communicate(timeout=60)


def test_the_docs_show_commands_to_run() -> None:
    commands = [shown.command for shown in shown_commands()]
    assert any(c.startswith(".venv/bin/newsfeed publish") for c in commands)
    assert any(c.startswith(".venv/bin/newsfeed import") for c in commands)


def test_every_command_shown_works_word_for_word(stack: Running, tmp_path: Path) -> None:
    for doc in DOCS:
        for name, body in files_to_save(doc).items():
            (tmp_path / name).write_text(body)
    corpus.write_files(tmp_path / "archive", 30)  # the import example's folder, smaller
    (tmp_path / "events").symlink_to(ROOT / "events")  # as from the checkout: its sample photos
    port = stack.base.rsplit(":", 1)[1]
    images: list[str] = []  # every image the docs' pages and answers show
    for shown in shown_commands():
        words = shlex.split(shown.command.replace("127.0.0.1:3000", f"127.0.0.1:{port}"))
        if words[0] == ".venv/bin/newsfeed":  # this interpreter's, told which stack (a `make run` may be up)
            words = [sys.executable, "-m", "newsfeed.cli", *words[1:], "--endpoint-url", stack.aws]
        elif words[0] == "curl":
            words.insert(1, "--fail")  # an answer other than 2xx fails the command
        run = subprocess.run(words, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
        assert run.returncode == 0, f"{shown.doc.name}: {shown.command}\n{run.stdout}{run.stderr}"
        for image in re.findall(
            r'(?:src="|srcset="|, |"url": ?")(http://127\.0\.0\.1:\d+/images/[^" ,]+)', run.stdout
        ):
            assert get(image)[0] == 200, f"{shown.doc.name}: {shown.command}: broken image {image}"
            images.append(image)
        for line in shown.output:
            expected = line.replace("127.0.0.1:3000", f"127.0.0.1:{port}")
            if expected.strip() and not VARYING.search(expected):
                assert expected in run.stdout, f"{shown.doc.name}: {shown.command}: no line {expected!r}"
    # The README's photo (640 pixels wide): 480 and 640 in three formats, and its four crops.
    assert len(set(images)) >= 10
