"""``aws.calls.call``: retries of transient errors on the injected clock, bounded by a call deadline."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, call_deadline, current_call_deadline
from sagemaker_rollout.clock import SimulatedClock


def _throttled(times: int) -> Any:
    calls = {"n": 0}

    def method(**_: Any) -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Op")
        return "ok"

    method.calls = calls  # type: ignore[attr-defined]
    return method


def test_transient_errors_are_retried_on_the_clock() -> None:
    """GIVEN a call throttled 3 times WHEN called THEN it succeeds after waiting 1 + 2 + 4 s simulated."""
    clock = SimulatedClock()
    assert call(clock, _throttled(3)) == "ok"
    assert clock.elapsed == 7.0


def test_a_retry_never_sleeps_past_the_call_deadline() -> None:
    """GIVEN a call deadline 5 s away WHEN the call is throttled 5 times THEN the error is raised as soon
    as the next wait would pass the deadline (after 1 + 2 s), not after 31 s of retries."""
    clock = SimulatedClock()
    with call_deadline(clock.now() + 5), pytest.raises(ClientError):
        call(clock, _throttled(5))
    assert clock.elapsed == 3.0


def test_nested_deadlines_keep_the_earlier_one() -> None:
    """GIVEN a deadline and a later nested one WHEN read inside THEN the earlier holds; outside, none."""
    with call_deadline(10.0):
        with call_deadline(20.0):
            assert current_call_deadline() == 10.0
        with call_deadline(5.0):
            assert current_call_deadline() == 5.0
        assert current_call_deadline() == 10.0
    assert current_call_deadline() is None


def test_an_error_that_is_not_transient_is_raised_at_once() -> None:
    """GIVEN AccessDenied WHEN called THEN it is raised without a retry or a wait."""
    clock = SimulatedClock()

    def denied(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Op")

    with pytest.raises(ClientError):
        call(clock, denied)
    assert clock.elapsed == 0.0
