"""The API function's cold start, by contract: the modules it imports before its first answer are exactly
these. A new import on that path (a heavy library, a module of ours that drags others in) fails here with its
name; make it lazy, or add it below if the first answer really needs it. The time it costs is measured by
`make bench` (tests/bench/bench_cold_start.py), not here."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from importlib import metadata
from pathlib import Path

import pytest
from infra import moto_fixes
from moto.server import ThreadedMotoServer

from tests.support import ROOT
from tests.support.cold_start import EVENT, endpoint_event, function_environment
from tests.support.local import free_port

# Ours, module by module: a module of ours new on the path fails here with its name.
OUR_FIRST_ANSWER_IMPORTS = {
    "newsfeed",
    "newsfeed.api",
    "newsfeed.api.app",
    "newsfeed.api.article",
    "newsfeed.api.http",
    "newsfeed.api.operations",
    "newsfeed.config",
    "newsfeed.dal",
    "newsfeed.dal.clients",
    "newsfeed.dal.keys",
    "newsfeed.dal.stored",
    "newsfeed.handlers",
    "newsfeed.handlers.api",
    "newsfeed.models",
    "newsfeed.models.article_shape",
    "newsfeed.models.caching",
    "newsfeed.models.limits",
    "newsfeed.models.scope",
    "newsfeed.models.site",
    "newsfeed.models.text",
}
# Third-party: only what boto3, Mangum and Starlette need, as their releases declare it (so a new botocore
# that imports other modules of its own is fine; pydantic, Jinja2 or nh3 on the path are not). botocore uses
# certifi when it is installed without declaring it; anyio uses sniffio the same way.
FIRST_ANSWER_DISTRIBUTIONS = ("boto3", "mangum", "starlette")
UNDECLARED = {"certifi", "sniffio"}


def needed_by(distributions: tuple[str, ...]) -> set[str]:
    """The top-level module names of these distributions and of everything they require (no extras)."""
    seen: set[str] = set()
    todo = list(distributions)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        with suppress(metadata.PackageNotFoundError):
            todo += [
                re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]
                for requirement in metadata.requires(name) or []
                if "extra ==" not in requirement
            ]
    return {
        top
        for top, owners in metadata.packages_distributions().items()
        if any(owner.lower().replace("_", "-") in seen for owner in owners)
    }


FIRST_ANSWER = """
import json, sys
import newsfeed.handlers.api as api
context = type("Context", (), {{"function_name": "ApiFunction", "aws_request_id": "cold",
                                "invoked_function_arn": "arn", "memory_limit_in_mb": 1024}})()
response = api.handler(json.load(open({event!r})), context)
assert response["statusCode"] == 200, response
names = set()
for name in sys.modules:
    top = name.partition(".")[0]
    if top not in sys.stdlib_module_names and not top.startswith("_"):
        names.add(name if top == "newsfeed" else top)
print(json.dumps(sorted(names)))
"""


@pytest.fixture
def api_environment() -> Iterator[dict[str, str]]:
    """The API function's environment, against a moto server on 127.0.0.1 holding the article asked for."""
    moto_fixes.apply()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield function_environment(f"http://{host}:{port}", ROOT / "functions")
    finally:
        server.stop()


@pytest.mark.parametrize("path", [None, "/health"])
def test_the_api_imports_only_these_modules_before_its_first_answer(
    api_environment: dict[str, str], path: str | None, tmp_path: Path
) -> None:
    """The article answer's cold start, and /health's (which a load balancer or monitor may ask first)."""
    event = EVENT if path is None else endpoint_event(path, tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", FIRST_ANSWER.format(event=str(event))],
        capture_output=True,
        text=True,
        env=api_environment,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    imported = set(json.loads(run.stdout.strip().splitlines()[-1]))
    ours = {name for name in imported if name.partition(".")[0] == "newsfeed"}
    assert ours == OUR_FIRST_ANSWER_IMPORTS, (
        f"new: {sorted(ours - OUR_FIRST_ANSWER_IMPORTS)}; gone: {sorted(OUR_FIRST_ANSWER_IMPORTS - ours)}"
    )
    theirs = imported - ours - needed_by(FIRST_ANSWER_DISTRIBUTIONS) - UNDECLARED
    assert not theirs, f"third-party packages new on the cold-start path: {sorted(theirs)}"
