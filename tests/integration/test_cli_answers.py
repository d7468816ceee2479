"""The editor's command against an endpoint that answers, but not as AWS does (a local stack shutting down,
a proxy's error page): a one-line error and status 2, never a traceback."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.cli.main import run


class Answers:
    status, body = 200, b""


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(Answers.status)
        self.send_header("Content-Length", str(len(Answers.body)))
        self.end_headers()
        self.wfile.write(Answers.body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.just(b"<!doctype html>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"),
    )
)
def test_an_answer_that_is_not_aws_is_an_error_line_not_a_traceback(endpoint: str, body: bytes) -> None:
    Answers.status, Answers.body = 200, body
    said, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(err):
        code = run(["status", "--endpoint-url", endpoint])
    assert code == 2
    assert err.getvalue().startswith("error: ") and "Traceback" not in err.getvalue()
