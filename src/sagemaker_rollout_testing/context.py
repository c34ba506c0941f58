"""A Lambda context object that lives on the shared (simulated) clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sagemaker_rollout.clock import Clock

__all__ = ["MAX_LAMBDA_TIMEOUT_SECONDS", "FakeLambdaContext", "InvocationTimeoutError"]

MAX_LAMBDA_TIMEOUT_SECONDS = 900


class InvocationTimeoutError(BaseException):
    """The simulated Lambda invocation ran past its deadline and was killed.

    Derives from :class:`BaseException` on purpose: Lambda kills the process, so neither crhelper
    (which catches :class:`Exception` and would answer FAILED) nor the provider gets a say.

    Parameters
    ----------
    aws_request_id:
        The invocation that was killed.
    deadline:
        Simulated time (epoch seconds) at which it was killed.
    """

    def __init__(self, aws_request_id: str, deadline: float) -> None:
        self.aws_request_id = aws_request_id
        self.deadline = deadline
        super().__init__(f"invocation {aws_request_id}: Task timed out (Lambda killed it at its deadline)")


class FakeLambdaContext:
    """The ``context`` argument Lambda passes to a handler, driven by ``clock``.

    ``get_remaining_time_in_millis()`` shrinks as ``clock`` advances. While :meth:`armed` (the
    driver arms it for the invocation's lifetime), a clock listener raises
    :class:`InvocationTimeoutError` inside whatever code moved the clock past the deadline, the way
    Lambda ends an invocation at its timeout.

    Parameters
    ----------
    clock:
        The shared clock; the deadline is ``clock.now() + timeout_seconds`` at construction.
    timeout_seconds:
        The function's timeout, 1-900 s.
    function_name, invoked_function_arn, memory_limit_in_mb, function_version:
        As in Lambda. ``invoked_function_arn`` defaults to an ARN built from ``function_name``,
        ``region`` and ``account_id``.
    aws_request_id:
        Default: a fresh uuid4 (one context per invocation).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        timeout_seconds: float = MAX_LAMBDA_TIMEOUT_SECONDS,
        function_name: str = "sagemaker-rollout-EndpointProviderFunction",
        invoked_function_arn: str | None = None,
        memory_limit_in_mb: int = 256,
        function_version: str = "$LATEST",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        aws_request_id: str | None = None,
    ) -> None:
        if not 0 < timeout_seconds <= MAX_LAMBDA_TIMEOUT_SECONDS:
            raise ValueError(
                f"timeout_seconds: {timeout_seconds} is outside Lambda's 1-{MAX_LAMBDA_TIMEOUT_SECONDS} s"
            )
        self._clock = clock
        self.timeout_seconds = float(timeout_seconds)
        self.started_at = clock.now()
        self.deadline = self.started_at + self.timeout_seconds
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = (
            invoked_function_arn or f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        )
        self.memory_limit_in_mb = memory_limit_in_mb
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"2026/01/01/[{function_version}]{uuid.uuid4().hex}"
        self.identity: Any = None
        self.client_context: Any = None
        self.killed = False
        self._remove_listener: Callable[[], None] | None = None

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline (0 once it has passed)."""
        return max(0, int((self.deadline - self._clock.now()) * 1000))

    def arm(self) -> None:
        """Start enforcing the deadline (needs a clock with ``on_advance``; otherwise a no-op)."""
        if self._remove_listener is not None:
            return
        on_advance = getattr(self._clock, "on_advance", None)
        if on_advance is not None:
            self._remove_listener = on_advance(self._check_deadline)

    def disarm(self) -> None:
        """Stop enforcing the deadline (the invocation has ended)."""
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None

    def _check_deadline(self, now: float) -> None:
        if now >= self.deadline:
            # Raised on every move past the deadline: a handler that swallows the first one is
            # still dead (the driver also treats it as killed).
            self.killed = True
            raise InvocationTimeoutError(self.aws_request_id, self.deadline)

    def __repr__(self) -> str:
        return (
            f"FakeLambdaContext(aws_request_id={self.aws_request_id!r}, "
            f"remaining_ms={self.get_remaining_time_in_millis()})"
        )
