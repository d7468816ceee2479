"""Fault injection: make chosen AWS calls of this process fail as AWS would, before they reach moto.

A handler registered first on botocore's `before-send` event answers with an AWS-shaped error response, so
botocore parses it and applies its retry policy exactly as it would against AWS. botocore calls every
`before-send` handler and takes the first answer, so the failed request is also pointed at an address moto
does not serve: the call must fail without its effect, as a refused call on AWS does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from moto.core.botocore_stubber import MockRawResponse


@dataclass
class Fault:
    service: str  # "s3" | "dynamodb"
    operation: str  # "PutObject", "Query", ...
    status: int
    code: str
    times: int = 1  # how many matching calls fail; later ones go through
    when: Callable[[AWSPreparedRequest], bool] = lambda _request: True
    details: dict[str, Any] = field(default_factory=dict)  # more fields of a JSON error body
    seen: int = 0  # matching calls, failed or not
    failed: int = 0

    def response(self, request: AWSPreparedRequest) -> AWSResponse:
        if self.service == "dynamodb":
            error = {"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}", "message": "injected"}
            body = json.dumps(error | self.details)
            headers = {"Content-Type": "application/x-amz-json-1.0"}
        else:
            body = f"<Error><Code>{self.code}</Code><Message>injected</Message></Error>"
            headers = {"Content-Type": "application/xml"}
        http_headers = HTTPHeaders()
        for name, value in headers.items():
            http_headers[name] = value
        return AWSResponse(request.url, self.status, http_headers, MockRawResponse(body.encode()))


@dataclass
class Faults:
    """Install on a client with `attach`; each fault counts what it saw and how often it failed."""

    faults: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def attach(self, client: Any) -> None:
        client.meta.events.register_first("before-send", self._before_send)

    def _before_send(self, request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse | None:
        service, operation = event_name.split(".")[1:3]
        for fault in self.faults:
            if fault.service == service and fault.operation == operation and fault.when(request):
                fault.seen += 1
                if fault.failed < fault.times:
                    fault.failed += 1
                    response = fault.response(request)
                    request.url = "http://127.0.0.1:9/refused-by-fault-injection"
                    return response
        return None
