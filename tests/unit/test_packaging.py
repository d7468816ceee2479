"""What ships: the pinned requirements `sam build` installs are the package's declared dependencies."""

import re
import tomllib
from pathlib import Path

from tests.support import ROOT


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0].lower().replace("_", "-") for line in requirements}


def test_requirements_txt_pins_exactly_the_runtime_dependencies() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [
        line.strip()
        for layer in ("layer", "layer-pages", "layer-photos", "layer-federation")
        for line in (ROOT / layer / "requirements.txt").read_text().splitlines()
    ]
    pinned = [line for line in lines if line and not line.startswith("#")]
    assert names(pinned) == names(declared)
    assert len(pinned) == len(names(pinned))  # each in one layer
    assert all("==" in line for line in pinned)


def test_shipped_bytecode_is_used_whatever_the_source_timestamps(tmp_path: Path) -> None:
    """`make build` compiles the build: a zip's coarse file times must not make the bytecode stale."""
    import importlib.util
    import os
    import subprocess
    import sys

    from infra.bytecode import compile_tree

    package = tmp_path / "shipped"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("ANSWER = 42\n")
    assert compile_tree(tmp_path)
    for source in package.rglob("*.py"):
        os.utime(source, (1, 1))  # as if unpacked with other times
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert int.from_bytes(cached.read_bytes()[4:8], "little") == 0b01  # hash-based, source not checked
    # With the source made unreadable as code, the answer can only come from the bytecode.
    (package / "inner" / "__init__.py").write_text("raise SystemExit('compiled from source')\n")
    out = subprocess.run(
        [sys.executable, "-c", "import shipped.inner as m; print(m.ANSWER)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "42"
    assert not compile_tree(_broken(tmp_path / "broken"))


def _broken(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bad.py").write_text("def (:\n")
    return folder
