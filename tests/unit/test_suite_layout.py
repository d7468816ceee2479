"""The test suite's own rules: helpers live in tests/support, no test module imports another, and a test
waits on a condition, sleeping only to wait out a real timer (said in a comment on the line)."""

import ast
import re
from pathlib import Path

from tests.support import ROOT

TESTS = ROOT / "tests"
TEST_MODULE = re.compile(r"(^|\.)test_[^.]*$")


def modules(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "bench" not in path.relative_to(TESTS).parts)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_test_module_imports_another_nor_the_benchmarks() -> None:
    leaning = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported(path) if TEST_MODULE.search(name) or name.startswith("tests.bench")
        )
        for path in modules(TESTS)
        if path.name != "test_bench.py"  # the benchmarks' own unit tests
    }
    assert {path: names for path, names in leaning.items() if names} == {}


def test_every_sleep_in_a_test_says_which_timer_it_waits_out() -> None:
    silent = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in modules(TESTS)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\btime\.sleep\(|\bsleep\(\d", line) and "#" not in line
    ]
    assert silent == []
