"""Lambda functions answered in process: smoke-test functions for the provider (tests only).

moto stores the functions (so ``ListTags``, ARNs and ``ResourceNotFoundException`` are moto's) but
would run their code in Docker; :class:`LocalFunctions` answers their ``Invoke`` with a Python
callable instead, by patching moto's ``LambdaFunction._invoke_lambda`` while installed. A callable
returns the function's result (JSON-serialisable) or raises: a raised exception is a function error
(Lambda answers 200 with ``X-Amz-Function-Error``: Lambda API reference, Invoke, ``FunctionError``).
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable
from typing import Any

__all__ = ["LocalFunctions"]

Handler = Callable[[dict[str, Any]], Any]

_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'Passed': True}\n")
    return buffer.getvalue()


class LocalFunctions:
    """Functions created in moto whose invocations run a Python callable."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.handlers: dict[str, Handler] = {}
        self.invocations: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._saved: Any = None

    def add(self, name: str, handler: Handler, *, tags: dict[str, str] | None = None) -> str:
        """Create function ``name`` (tagged ``tags``) answered by ``handler``; its ARN."""
        iam = self.session.client("iam")
        try:
            role = iam.get_role(RoleName="local-functions")["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            role = iam.create_role(RoleName="local-functions", AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"]
        created = self.session.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
            Tags=dict(tags or {}),
        )
        self.handlers[name] = handler
        return str(created["FunctionArn"])

    def install(self) -> LocalFunctions:
        from moto.awslambda.models import LambdaFunction

        functions = self
        original = LambdaFunction._invoke_lambda

        def invoke(fn: Any, event: Any = None) -> tuple[str, bool, str]:
            handler = functions.handlers.get(fn.function_name)
            if handler is None:
                return original(fn, event)
            payload = event if isinstance(event, dict) else json.loads(event or "{}")
            with functions._lock:
                functions.invocations.append((fn.function_name, payload))
            try:
                return json.dumps(handler(payload)), False, ""
            except Exception as error:  # the function's error, as Lambda reports it
                body = {"errorMessage": str(error), "errorType": type(error).__name__}
                return json.dumps(body), True, ""

        self._saved = original
        LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign,assignment]
        return self

    def uninstall(self) -> None:
        from moto.awslambda.models import LambdaFunction

        if self._saved is not None:
            LambdaFunction._invoke_lambda = self._saved  # type: ignore[method-assign]
            self._saved = None
