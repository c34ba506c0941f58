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
    "TIMED_CLIENT_ATTRIBUTE",
    "CallDeadlineError",
    "attempt_seconds",
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


class CallDeadlineError(BotoCoreError):
    """An AWS call not attempted: its worst case (the client's connect and read timeouts) would end
    past :func:`call_deadline`. Transient: the engine waits it out in a later invocation."""

    fmt = (
        "{operation}: not attempted, {left:.1f} s left before the deadline and an attempt may take "
        "{cost:.0f} s"
    )


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
    if isinstance(error, ConnectionError | HTTPClientError | CallDeadlineError):
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


TIMED_CLIENT_ATTRIBUTE = "_sagemaker_rollout_client_for"
"""Attribute of the clients :class:`~sagemaker_rollout.aws.runtime.ProviderRuntime` builds: called
with the seconds left, it returns the same service's client whose timeouts fit them."""


def _timed(method: Callable[..., Any], left: float) -> Callable[..., Any]:
    """``method`` of the client whose timeouts fit ``left`` seconds, when its client knows it."""
    owner = getattr(method, "__self__", None)
    client_for = getattr(owner, TIMED_CLIENT_ATTRIBUTE, None)
    name = getattr(method, "__name__", "")
    if client_for is None or not name:
        return method
    return getattr(client_for(left), name, method)


def attempt_seconds(method: Callable[..., Any]) -> float:
    """The longest one attempt of a boto3 client ``method`` can take: its client's connect and read
    timeouts (botocore ``Config``: ``connect_timeout``, ``read_timeout``); 0 for anything else."""
    config = getattr(getattr(getattr(method, "__self__", None), "meta", None), "config", None)
    if config is None:
        return 0.0
    return float(getattr(config, "connect_timeout", 0) or 0) + float(getattr(config, "read_timeout", 0) or 0)


def call(clock: Clock, method: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Call ``method(**kwargs)``, retrying throttling and transient errors with backoff on ``clock``.

    botocore's own retries are off (``max_attempts=1``) so that every wait happens on the injected
    clock: simulated in tests and the demo, real in Lambda. At most 6 attempts, waiting 1, 2, 4, 8
    and 16 s between them (31 s), and never a wait past :func:`call_deadline`'s. Inside a deadline
    each attempt goes through the client whose botocore timeouts fit the time left then (when the
    client was built by the provider's runtime), and is made only when its worst case
    (:func:`attempt_seconds`) ends before the deadline; otherwise :class:`CallDeadlineError`
    (transient) is raised without calling.
    """
    delay = 1.0
    for attempt in range(1, _ATTEMPTS + 1):
        attempt_method = method
        deadline = _DEADLINE.get()
        if deadline is not None:
            left = deadline - clock.now()
            attempt_method = _timed(method, left)  # botocore timeouts from the time left now
            cost = attempt_seconds(attempt_method)
            if cost > left:
                operation = getattr(method, "__name__", "AWS call")
                raise CallDeadlineError(operation=operation, left=max(left, 0.0), cost=cost)
        try:
            return attempt_method(**kwargs)
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
