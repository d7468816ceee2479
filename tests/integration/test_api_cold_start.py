"""The API function's cold start, by contract: the modules it imports before its first answer are exactly
these. A new import on that path (a heavy library, a module of ours that drags others in) fails here with its
name; make it lazy, or add it below if the first answer really needs it. The time it costs is measured by
`make bench` (tests/bench/bench_cold_start.py), not here."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from infra import moto_fixes
from moto.server import ThreadedMotoServer

from tests.support import ROOT
from tests.support.cold_start import EVENT, endpoint_event, function_environment
from tests.support.local import free_port

# Third-party packages by top-level name (their own submodules vary by version); ours module by module.
FIRST_ANSWER_IMPORTS = {
    "anyio",
    "boto3",
    "botocore",
    "certifi",
    "dateutil",
    "jmespath",
    "mangum",
    "s3transfer",
    "six",
    "starlette",
    "typing_extensions",
    "urllib3",
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
    "newsfeed.models.limits",
    "newsfeed.models.scope",
    "newsfeed.models.site",
    "newsfeed.models.text",
}
# anyio imports sniffio when it is installed: here it comes with selenium (the browser test); the layer the
# function ships with does not have it.
IMPORTED_IF_INSTALLED = {"sniffio"}

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
    new = imported - FIRST_ANSWER_IMPORTS - IMPORTED_IF_INSTALLED
    assert not new, f"new on the cold-start path: {sorted(new)}"
    assert not FIRST_ANSWER_IMPORTS - imported, (
        f"no longer imported: {sorted(FIRST_ANSWER_IMPORTS - imported)}"
    )
