"""One editorial field taken through everything an article goes through, for tests/integration/
test_one_field.py: run as `python -m tests.support.new_field FIELD VALUE OUT` with a copy of the package, to
which the field was added, first on PYTHONPATH. Prints what each stage gave, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from newsfeed.cli.export import export
from newsfeed.cli.transfer import Importer
from newsfeed.dal.content import ContentTable
from newsfeed.dal.uploads import UploadBucket
from tests.support.factories import markdown
from tests.support.moto import PROCESS_ENV, SITE_ENV, moto_stack
from tests.support.pipeline import api, report

SLUG = "kazakh-leader-offers-explanation-for-crisis"


def round_trip(field: str, value: str, out: Path) -> dict[str, object]:
    seen: dict[str, object] = {}
    with pytest.MonkeyPatch.context() as patch:
        for name, setting in (PROCESS_ENV | SITE_ENV).items():
            patch.setenv(name, setting)
        with moto_stack(patch) as stack:
            stack.put("story.md", markdown(**{field: value}))
            stack.drain()
            table = ContentTable(stack.table)
            seen["stored"] = getattr(table.articles.article_record(SLUG), field, None)
            refused = report(stack, "inbox/story.md")
            seen["refused"] = [problem["field"] for problem in refused["problems"]] if refused else []
            if seen["stored"] is None:
                return seen
            client = api(stack)
            seen["answered"] = client.get(f"/articles/{SLUG}").json().get(field)
            seen["selected"] = client.get(f"/articles/{SLUG}?fields={field}").json()
            seen["listed"] = client.get("/articles").json()["items"][0].get(field)
            schema = client.get("/openapi.json").json()["components"]["schemas"]["ArticleOut"]
            seen["documented"] = field in schema["properties"]
            export(table, out)
            seen["exported"] = json.loads((out / "story.json").read_text()).get(field)
        with moto_stack(patch) as fresh:
            importer = Importer(UploadBucket(fresh.uploads), ContentTable(fresh.table), out, wait=fresh.drain)
            seen["import"] = importer.run(60).accepted
            article = ContentTable(fresh.table).articles.article_record(SLUG)
            seen["imported"] = getattr(article, field, None)
    return seen


if __name__ == "__main__":
    field, value, out = sys.argv[1:]
    print(json.dumps(round_trip(field, value, Path(out))))
