"""The API function's cold start: import + first request, against `import boto3; boto3.client("dynamodb")`.

The figure that decides is the count of machine instructions (valgrind's callgrind; start-up of an empty
interpreter subtracted from both): it is exactly repeatable, where times on a shared two-core machine swing
by 10% between runs. CPU and wall time (medians of 21 fresh interpreters, alternating) are printed beside
it. The first request is a real GET /articles/{slug}, served through
Mangum from a Lambda-shaped event, reading the article from an embedded moto server on 127.0.0.1, with the
environment template.yaml gives the function. The interpreter is the Lambda runtime's Python (3.13) with
the pinned requirements when `make bench` has built `.venv-lambda`, else this one; our package runs from a
copy compiled to bytecode by that interpreter, as `make build` ships it (infra/bytecode.py).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra import moto_fixes

from tests.bench.harness import Row, median
from tests.support import ROOT
from tests.support.cold_start import EVENT, EVENT_SLUG, endpoint_event, function_environment
from tests.support.local import free_port

LAMBDA_PYTHON = ROOT / ".venv-lambda" / "bin" / "python"

BASELINE = """
import time
start, cpu = time.perf_counter(), time.process_time()
import boto3
boto3.client("dynamodb")
print(time.perf_counter() - start, time.process_time() - cpu)
"""

API = """
import json, time
start, cpu = time.perf_counter(), time.process_time()
import newsfeed.handlers.api as api
context = type("Context", (), {{"function_name": "ApiFunction", "aws_request_id": "cold",
                                "invoked_function_arn": "arn", "memory_limit_in_mb": 1024}})()
response = api.handler(json.load(open({event!r})), context)
elapsed, used = time.perf_counter() - start, time.process_time() - cpu
assert response["statusCode"] == 200, response["statusCode"]
print(elapsed, used)
"""


# A cold container's first request can be any endpoint: each is measured from a fresh interpreter.
ENDPOINTS = {
    "article": f"/articles/{EVENT_SLUG}",
    "list": "/articles",
    "related": f"/articles/{EVENT_SLUG}/related",
    "revisions": f"/articles/{EVENT_SLUG}/revisions",
    "feeds": "/feeds",
    "sections": "/sections",
    "tags": "/tags",
    "health": "/health",
    "docs": "/docs",
}
ENDPOINT_SAMPLES = 11


def interpreter() -> str:
    return str(LAMBDA_PYTHON) if LAMBDA_PYTHON.exists() else sys.executable


def _sample(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one cold start."""
    command = [interpreter(), "-c", code]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _shipped_package(folder: Path) -> Path:
    """A copy of our package under `folder`, compiled to bytecode by the benchmark's interpreter."""
    shutil.copytree(
        ROOT / "functions" / "newsfeed", folder / "newsfeed", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run([interpreter(), "-m", "infra.bytecode", str(folder)], check=True, cwd=ROOT)
    return folder


def _instructions(code: str, env: dict[str, str]) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", interpreter(), "-c", code]
    out = subprocess.run(
        command, capture_output=True, text=True, env={**env, "PYTHONHASHSEED": "0"}, cwd=ROOT, check=True
    )
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))  # type: ignore[union-attr]


def measure(samples: int = 21) -> dict[str, float]:
    """Medians, in seconds: baseline and API, wall and CPU."""
    from moto.server import ThreadedMotoServer

    moto_fixes.apply()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = function_environment(f"http://127.0.0.1:{port}", _shipped_package(Path(folder)))
            counts: dict[str, float] = {}
            if shutil.which("valgrind"):
                # Once uncounted, so that every counted run finds the files in the page cache.
                _sample(API.format(event=str(EVENT)), env)
                empty = _instructions("pass", env)
                counts["baseline_instructions"] = _instructions(BASELINE, env) - empty
                counts["api_instructions"] = _instructions(API.format(event=str(EVENT)), env) - empty
            baseline, api = [], []
            for _ in range(samples):
                baseline.append(_sample(BASELINE, env))
                api.append(_sample(API.format(event=str(EVENT)), env))
            for name, path in ENDPOINTS.items():
                event = endpoint_event(path, Path(folder))
                pairs = [
                    (_sample(BASELINE, env)[0], _sample(API.format(event=str(event)), env)[0])
                    for _ in range(ENDPOINT_SAMPLES)
                ]
                counts[f"{name}_base"] = median([b for b, _ in pairs])
                counts[f"{name}_wall"] = median([a for _, a in pairs])
            return counts | {
                "baseline_wall": median([w for w, _ in baseline]),
                "baseline_cpu": median([c for _, c in baseline]),
                "api_wall": median([w for w, _ in api]),
                "api_cpu": median([c for _, c in api]),
            }
    finally:
        server.stop()


def run() -> list[Row]:
    m = measure()
    version = subprocess.run(
        [interpreter(), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    cpu_ratio, wall_ratio = m["api_cpu"] / m["baseline_cpu"], m["api_wall"] / m["baseline_wall"]
    rows = [Row(f"API cold start, Python {version}: import + first GET", "", "")]
    if "api_instructions" in m:
        ratio = m["api_instructions"] / m["baseline_instructions"]
        rows.append(
            Row(
                "  instructions (callgrind)",
                f"boto3 + client {m['baseline_instructions'] / 1e6:.0f} M",
                f"API {m['api_instructions'] / 1e6:.0f} M: ratio {ratio:.3f}",
            )
        )
    rows.append(
        Row(
            "  CPU time, median of 21",
            f"boto3 + client {m['baseline_cpu'] * 1000:.0f} ms",
            f"API {m['api_cpu'] * 1000:.0f} ms: ratio {cpu_ratio:.2f}",
        )
    )
    rows.append(
        Row(
            "  wall time, median of 21",
            f"boto3 + client {m['baseline_wall'] * 1000:.0f} ms",
            f"API {m['api_wall'] * 1000:.0f} ms: ratio {wall_ratio:.2f}",
        )
    )
    rows.append(Row(f"API cold start per endpoint (wall, median of {ENDPOINT_SAMPLES})", "", "target <= 1.3"))
    for name, path in ENDPOINTS.items():
        ratio = m[f"{name}_wall"] / m[f"{name}_base"]
        rows.append(
            Row(
                f"  GET {path.replace(EVENT_SLUG, '{slug}')}",
                f"boto3 + client {m[f'{name}_base'] * 1000:.0f} ms",
                f"API {m[f'{name}_wall'] * 1000:.0f} ms: ratio {ratio:.2f}"
                + ("" if ratio <= 1.3 else " (missed)"),
            )
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
