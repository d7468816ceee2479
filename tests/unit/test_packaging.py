"""What ships: the pinned requirements `sam build` installs are the package's declared dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0].lower().replace("_", "-") for line in requirements}


def test_requirements_txt_pins_exactly_the_runtime_dependencies() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.strip() for line in (ROOT / "layer" / "requirements.txt").read_text().splitlines()]
    pinned = [line for line in lines if line and not line.startswith("#")]
    assert names(pinned) == names(declared)
    assert all("==" in line for line in pinned)
