"""One smoke-test call: InvokeEndpoint on the provider's own endpoint, or the user's Lambda.

Each call is bounded to :data:`~sagemaker_rollout.sagemaker.INVOKE_TIMEOUT_SECONDS` (its client waits
at most that long for an answer, one attempt per try) and ends in one :class:`Outcome`:

* ``PASS``: the answer looks as the ``SmokeTest`` expects.
* ``FAIL``, the new fleet (or the user's test) said no: another status than expected (a model's
  non-200 answers arrive as ``ModelError`` with ``OriginalStatusCode``; SageMaker API reference,
  InvokeEndpoint, Errors), another content type, ``ModelNotReadyException``, no answer within the
  bound (SageMaker itself answers ``ModelError`` with status 0 when the container takes longer than
  60 s: "A customer's model containers must respond to requests within 60 seconds", API reference,
  InvokeEndpoint), a function that raised (``FunctionError``: Lambda API reference, Invoke) or
  answered ``{"Passed": false}``.
* ``ERROR``, the test could not be made: throttling (``ThrottlingException``,
  ``TooManyRequestsException``), AccessDenied, a service error (5xx), a function that is missing or
  answered something else than ``{"Passed": true|false}``. Throttling and 5xx are tried again
  while the call's bound lasts.

Both ``FAIL`` and ``ERROR`` fail the smoke test (a test that cannot run cannot pass); the answer
says which. The function's payload carries the endpoint, the config and the phase, never the
ResponseURL, a journal token or credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

from sagemaker_rollout.aws.calls import AWS_ERRORS, error_code, error_message, short
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.naming import SMOKE_CONSENT_TAG as CONSENT_TAG
from sagemaker_rollout.sagemaker import INVOKE_TIMEOUT_SECONDS as CALL_TIMEOUT_SECONDS

__all__ = ["Outcome", "SmokeCall", "SmokeTest", "consents", "smoke_call"]

_TRANSIENT = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "ServiceException",
        "InternalFailure",
        "InternalDependencyException",
    }
)
_TRIES = 3
_PAUSE = 2.0


class SmokeTest(Protocol):
    """What a call needs of ``SmokeTest`` (:class:`sagemaker_rollout.spec.smoke.SmokeTest`)."""

    @property
    def function_arn(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def expect_status(self) -> int: ...
    @property
    def expect_content_type(self) -> str: ...


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class SmokeCall:
    """One call's outcome, its latency (s, on the provider's clock) and what it saw."""

    outcome: Outcome
    seconds: float
    detail: str = ""

    def record(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "ms": round(self.seconds * 1000), "detail": self.detail}


def consents(lambda_client: Any, arn: str) -> bool:
    """The function carries the consent tag (``ListTags`` on the unqualified function ARN: Lambda API
    reference; raises what it raises)."""
    unqualified = arn.split(":function:", 1)[0] + ":function:" + _name(arn)
    tags = lambda_client.list_tags(Resource=unqualified).get("Tags", {})
    return str(tags.get(CONSENT_TAG, "")).lower() == "true"


def _name(arn: str) -> str:
    return arn.split(":function:", 1)[1].split(":", 1)[0]


def smoke_call(
    client: Any,
    clock: Clock,
    test: SmokeTest,
    payload: dict[str, Any],
    *,
    bound: float = CALL_TIMEOUT_SECONDS,
) -> SmokeCall:
    """Make one call (``client``: sagemaker-runtime for ``Invoke``, lambda for ``FunctionArn``, with
    a read timeout of ``bound``: 60 s, or less when the invocation has less left) and classify it."""
    started = clock.now()
    last = SmokeCall(Outcome.ERROR, 0.0, "not attempted")
    for attempt in range(_TRIES):
        try:
            seen = _function(client, test, payload) if test.function_arn else _invoke(client, test, payload)
        except (ReadTimeoutError, ConnectTimeoutError):
            return SmokeCall(Outcome.FAIL, clock.now() - started, f"no answer within {bound:.0f} s")
        except ClientError as error:
            seen = _client_error(test, error)
            if seen.outcome is Outcome.ERROR and error_code(error) in _TRANSIENT and attempt + 1 < _TRIES:
                last = seen
                if clock.now() - started + _PAUSE * (attempt + 1) < bound:
                    clock.sleep(_PAUSE * (attempt + 1))
                    continue
        except AWS_ERRORS as error:
            seen = SmokeCall(Outcome.ERROR, 0.0, short(str(error), 200))
        took = clock.now() - started
        if took > bound and seen.outcome is Outcome.PASS:
            # An answer later than the bound is no answer: the client would have stopped waiting
            # (its read timeout is the bound); a clock that is not the socket's says so here.
            return SmokeCall(Outcome.FAIL, took, f"no answer within {bound:.0f} s")
        return SmokeCall(seen.outcome, took, seen.detail)
    return SmokeCall(last.outcome, clock.now() - started, last.detail)


def _invoke(client: Any, test: SmokeTest, payload: dict[str, Any]) -> SmokeCall:
    arguments: dict[str, Any] = {
        "EndpointName": payload["EndpointName"],
        "Body": test.body.encode(),
        "ContentType": test.content_type,
    }
    if test.expect_content_type:
        arguments["Accept"] = test.expect_content_type
    answer = client.invoke_endpoint(**arguments)
    body = answer.get("Body")
    if hasattr(body, "read"):
        body.read()
    if test.expect_status != 200:
        return SmokeCall(Outcome.FAIL, 0.0, f"answered 200, expected {test.expect_status}")
    got = str(answer.get("ContentType", ""))
    if test.expect_content_type and got.split(";")[0].strip() != test.expect_content_type:
        return SmokeCall(
            Outcome.FAIL, 0.0, f"answered {got or 'no content type'}, expected {test.expect_content_type}"
        )
    return SmokeCall(Outcome.PASS, 0.0, "200")


def _function(client: Any, test: SmokeTest, payload: dict[str, Any]) -> SmokeCall:
    answer = client.invoke(
        FunctionName=test.function_arn, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
    )
    raw = answer.get("Payload")
    data = raw.read() if hasattr(raw, "read") else (raw or b"")
    if answer.get("FunctionError"):
        return SmokeCall(
            Outcome.FAIL, 0.0, short(f"the function raised: {data.decode(errors='replace')}", 200)
        )
    try:
        result = json.loads(data or b"null")
    except ValueError:
        result = None
    if not isinstance(result, dict) or not isinstance(result.get("Passed"), bool):
        return SmokeCall(
            Outcome.ERROR, 0.0, 'the function must answer {"Passed": true|false, "Reason": "..."}'
        )
    reason = short(str(result.get("Reason") or ""), 200)
    if result["Passed"]:
        return SmokeCall(Outcome.PASS, 0.0, reason)
    return SmokeCall(Outcome.FAIL, 0.0, reason or "the function answered Passed: false")


def _client_error(test: SmokeTest, error: ClientError) -> SmokeCall:
    code = error_code(error)
    message = short(error_message(error), 200)
    if code == "ModelError":
        status = error.response.get("OriginalStatusCode")
        if status is None:
            status = error.response.get("Error", {}).get("OriginalStatusCode")
        original = error.response.get("OriginalMessage")  # the model's own words, without SageMaker's wrapper
        if isinstance(original, str) and original.strip():
            message = short(original, 200)
        if status is not None and str(status) == str(test.expect_status):
            return SmokeCall(Outcome.PASS, 0.0, str(status))
        return SmokeCall(Outcome.FAIL, 0.0, f"model answered {status}: {message}")
    if code == "ModelNotReadyException":
        return SmokeCall(Outcome.FAIL, 0.0, f"{code}: {message}")
    return SmokeCall(Outcome.ERROR, 0.0, f"{code or 'error'}: {message}")
