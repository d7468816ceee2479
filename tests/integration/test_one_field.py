"""An article's editorial fields are declared once (`models.article.EditorialFields`): a field added there,
and nowhere else, is accepted in an upload, stored, answered by the API (whole, by `fields=`, in lists, and
in the OpenAPI document), exported and imported again."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

DECLARATION = "class EditorialFields(BaseModel):"


def package_with_field(folder: Path, field: str) -> Path:
    """A copy of the package whose EditorialFields has one more field, as a newcomer would add it."""
    copy = folder / "functions"
    shutil.copytree(
        ROOT / "functions" / "newsfeed", copy / "newsfeed", ignore=shutil.ignore_patterns("__pycache__")
    )
    model = copy / "newsfeed" / "models" / "article.py"
    source = model.read_text()
    start = source.index(DECLARATION)
    at = source.index("\n    def ", start)  # after the last field, before the class's methods
    model.write_text(
        f'{source[:at]}\n    {field}: str = ""\n    """A line above the headline."""\n{source[at:]}'
    )
    return copy


def round_trip_in(package: Path, folder: Path) -> dict[str, object]:
    """`tests.support.new_field` with `package` (a folder holding `newsfeed`) as the code under test."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.new_field", "kicker", "Exclusive", str(folder / "export")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{package}:{ROOT}", "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return seen


def test_a_field_added_to_the_editorial_fields_goes_everywhere_an_article_goes(tmp_path: Path) -> None:
    seen = round_trip_in(package_with_field(tmp_path, "kicker"), tmp_path)
    assert seen == {
        "stored": "Exclusive",
        "refused": [],
        "answered": "Exclusive",
        "selected": {"kicker": "Exclusive"},
        "listed": "Exclusive",
        "documented": True,
        "exported": "Exclusive",
        "import": 1,
        "imported": "Exclusive",
    }


def test_without_the_field_the_same_upload_is_refused_naming_it(tmp_path: Path) -> None:
    """The control: the package as it is refuses the field, so the copy's one line made the difference."""
    seen = round_trip_in(ROOT / "functions", tmp_path)
    assert seen == {"stored": None, "refused": ["kicker"]}
