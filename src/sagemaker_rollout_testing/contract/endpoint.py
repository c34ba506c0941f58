"""A local HTTP endpoint that speaks the Lambda Invoke API, as ``sam local start-lambda`` does.

``cfn test --endpoint http://...`` builds a boto3 Lambda client on that URL (unsigned, no retries)
and calls ``Invoke`` for each handler request (``rpdk/core/contract/resource_client.py``,
``ResourceClient.__init__`` and ``_call``). The endpoint answers:

* ``POST /2015-03-31/functions/<name>/invocations``: the Lambda Invoke API (AWS Lambda API
  reference, "Invoke": the request body is the event; a synchronous invocation answers 200 with the
  function's response as the body, and ``X-Amz-Function-Error`` when the function failed; an unknown
  function is a 404 ``ResourceNotFoundException``), run by :meth:`ContractWorld.invoke`;
* ``POST /_harness/test``: the runner saying which input set and test it is in (the harness's
  attribution of invocations; not an AWS API);
* anything else: moto's server application (``DomainDispatcherApplication``), which
  picks the service from the request's signature. The runner asks STS ``GetCallerIdentity`` for
  the account of its requests (``rpdk/core/boto_helpers.py``, ``get_account``): moto answers it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sagemaker_rollout_testing.contract.world import ContractWorld

__all__ = ["ContractEndpoint", "InvokeApp"]

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_MAX_BODY = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's payload (AWS Lambda developer guide, "Lambda
quotas": 6 MB)."""

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class InvokeApp:
    """The WSGI application: Lambda Invoke for the type's functions, the harness path, moto for the rest.

    Parameters
    ----------
    world:
        Runs the invocations.
    fallback:
        The WSGI application for every other request (default: moto's server application).
    """

    def __init__(self, world: ContractWorld, fallback: Any = None) -> None:
        self.world = world
        if fallback is None:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

            fallback = DomainDispatcherApplication(create_backend_app)
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        match = _INVOKE.match(path)
        if match is not None and method == "POST":
            result = self.world.invoke(match.group("name"), _body(environ))
            headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")]
            if result.function_error:
                headers.append(("X-Amz-Function-Error", result.function_error))
            if result.error_type:
                headers.append(("x-amzn-ErrorType", result.error_type))
            status = {200: "200 OK", 404: "404 Not Found"}.get(result.status, f"{result.status} Error")
            start_response(status, [*headers, ("Content-Length", str(len(result.body)))])
            return [result.body]
        if path == "/_harness/test" and method == "POST":
            note = json.loads(_body(environ) or b"{}")
            self.world.note_test(int(note.get("input_set", 0)), str(note.get("test", "")))
            start_response("204 No Content", [])
            return [b""]
        answer: Iterable[bytes] = self.fallback(environ, start_response)
        return answer


def _body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > _MAX_BODY:
        raise ValueError(f"request body of {length} bytes is over Lambda's {_MAX_BODY}")
    stream = environ["wsgi.input"]
    data: bytes = stream.read(length) if length else b""
    return data


class ContractEndpoint:
    """:class:`InvokeApp` served on ``127.0.0.1`` (a free port) from a background thread.

    One request at a time: the runner is sequential, and so is CloudFormation for one operation.
    """

    def __init__(self, world: ContractWorld, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("ContractEndpoint: not started")
        return f"http://{self.host}:{self._server.server_port}"

    def __enter__(self) -> ContractEndpoint:
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = make_server(self.host, self.port, InvokeApp(self.world), threaded=False)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="contract-endpoint", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
