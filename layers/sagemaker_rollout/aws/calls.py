"""The provider's AWS calls: retried on the provider's clock, errors classified."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from sagemaker_rollout.clock import Clock

__all__ = [
    "AWS_ERRORS",
    "call",
    "call_deadline",
    "current_call_deadline",
    "error_code",
    "error_message",
    "is_not_found",
    "is_transient",
    "reason_of",
    "short",
    "tags_of",
]

_RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ConcurrentUpdateException",
        # Application Auto Scaling's retryable errors (API reference, "Common errors" and each
        # action's errors: InternalServiceException, ConcurrentUpdateException).
        "InternalServiceException",
        "ServiceUnavailableException",
        "InternalServerException",
        # DynamoDB (the journal): throttling and 5xx (DynamoDB developer guide, "Error handling").
        "ProvisionedThroughputExceededException",
        "TransactionConflictException",
    }
)
_ATTEMPTS = 6

AWS_ERRORS = (ClientError, BotoCoreError)
"""What an AWS call raises when AWS (or the way to it) says no: an error answer, or a connection,
timeout or parameter error. Anything else from a call is a bug and is left to the step barrier."""


def error_code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Message", str(error)))
    return str(error)


def is_not_found(error: BaseException) -> bool:
    """SageMaker's "Could not find ..." (a ValidationException) or a ResourceNotFound."""
    code = error_code(error)
    message = error_message(error).lower()
    return code in ("ResourceNotFound", "ResourceNotFoundException", "ObjectNotFoundException") or (
        code == "ValidationException"
        and ("could not find" in message or "no scalable target found" in message)
    )


def is_transient(error: BaseException) -> bool:
    """Throttling, a 5xx, or a connection problem: worth waiting out (not the caller's fault).

    Besides the named codes, any 5xx status counts (AWS General Reference, "Error retries and
    exponential backoff": retry server errors and throttling, not client errors).
    """
    if isinstance(error, ConnectionError | HTTPClientError):
        return True
    if isinstance(error, ClientError):
        if error_code(error) in _RETRYABLE:
            return True
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return isinstance(status, int) and status >= 500
    return isinstance(error, BotoCoreError) and "timeout" in type(error).__name__.lower()


_DEADLINE: ContextVar[float | None] = ContextVar("sagemaker_rollout_call_deadline", default=None)


@contextmanager
def call_deadline(until: float | None) -> Iterator[None]:
    """Within the block, :func:`call` never sleeps for a retry past ``until`` (clock seconds).

    Front ends set it per invocation (a registry handler has 60 s to return a progress event; a
    request has its deadline): a transient error that would need a retry beyond it is raised at
    once, for the engine to turn into a wait it owns. Nested blocks keep the earlier of the two.
    None: no deadline beyond the retry count.
    """
    current = _DEADLINE.get()
    token = _DEADLINE.set(until if current is None else (current if until is None else min(current, until)))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_call_deadline() -> float | None:
    """The deadline :func:`call_deadline` set for this context, if any."""
    return _DEADLINE.get()


def call(clock: Clock, method: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Call ``method(**kwargs)``, retrying throttling and transient errors with backoff on ``clock``.

    botocore's own retries are off (``max_attempts=1``) so that every wait happens on the injected
    clock: simulated in tests and the demo, real in Lambda. At most 6 attempts, waiting 1, 2, 4, 8
    and 16 s between them (31 s), and never a wait past :func:`call_deadline`'s.
    """
    delay = 1.0
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return method(**kwargs)
        except (ClientError, ConnectionError, HTTPClientError) as error:
            if not is_transient(error) or attempt == _ATTEMPTS:
                raise
            deadline = _DEADLINE.get()
            if deadline is not None and clock.now() + delay > deadline:
                raise
            clock.sleep(delay)
            delay = min(delay * 2, 20.0)
    raise AssertionError("unreachable")  # pragma: no cover


def tags_of(response: Mapping[str, Any]) -> dict[str, str]:
    """``ListTags`` response -> {key: value}."""
    return {t["Key"]: t["Value"] for t in response.get("Tags", [])}


REASON_LIMIT = 255
"""CloudFormation shows at most 256 characters of a reason (crhelper keeps the tail)."""


def short(text: str, limit: int = REASON_LIMIT) -> str:
    """One line of at most ``limit`` characters, cut at the end so the head (the cause) stays."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def reason_of(error: BaseException) -> str:
    """A failure reason for an AWS call that failed for good: ``<code>: <message>``."""
    return short(f"{error_code(error) or type(error).__name__}: {error_message(error)}")
