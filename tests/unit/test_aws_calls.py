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


# ---- the per-invocation budget (issue 20, cause 5) -------------------------------------------------
def test_botocore_timeouts_come_from_the_time_left() -> None:
    """GIVEN the time left before a deadline WHEN a client's timeouts are chosen THEN its read timeout
    is at most a quarter of it (a stalled call leaves time to retry and answer), its connect timeout at
    most 5 s; without a deadline botocore waits 10 s and 60 s (the custom resource, unchanged)."""
    from sagemaker_rollout.aws.runtime import call_timeouts

    assert call_timeouts(None) == (10.0, 60.0)
    assert call_timeouts(40.0) == (5.0, 10.0)
    assert call_timeouts(20.0) == (5.0, 5.0)
    assert call_timeouts(6.0) == (1.0, 1.0)
    assert call_timeouts(0.5) == (1.0, 1.0)
    for left in (3.0, 7.5, 12.0, 39.0, 120.0):
        connect, read = call_timeouts(left)
        assert read <= max(left / 4, 1.0) and connect <= min(read, 5.0)


def test_each_attempt_goes_through_the_client_that_fits_the_time_left() -> None:
    """GIVEN a runtime's client (moto-free: its config is all that matters) inside a 40 s deadline
    WHEN a call is throttled and retried THEN each attempt uses the client of the time left at that
    moment (timeouts shrink), and an attempt whose connect + read timeouts would end past the
    deadline is not made: CallDeadlineError, a transient error the engine waits out."""
    import functools

    import boto3

    from sagemaker_rollout.aws.calls import CallDeadlineError, is_transient
    from sagemaker_rollout.aws.runtime import ProviderRuntime

    clock = SimulatedClock()
    runtime = ProviderRuntime(clock=clock, session=boto3.Session(region_name="us-east-1"))
    seen: list[float] = []

    class _Throttled:
        status_code = 400

    def answer(client: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
        # botocore's before-call hook may answer the call itself (no network): throttled, slowly.
        seen.append(float(client.meta.config.read_timeout))
        clock.advance(3.0)
        return _Throttled(), {
            "Error": {"Code": "ThrottlingException", "Message": "slow"},
            "ResponseMetadata": {},
        }

    with call_deadline(clock.now() + 40):
        sm = runtime.client("sagemaker")
        for left in (40.0, 20.0, 8.0, 4.0):  # the clients of read timeouts 10, 5, 2 and 1 s
            client = runtime._client("sagemaker", left)
            client.meta.events.register(
                "before-call.sagemaker.DescribeEndpoint", functools.partial(answer, client)
            )
        clock.advance(24)
        with pytest.raises(CallDeadlineError) as refused:
            call(clock, sm.describe_endpoint, EndpointName="e")
    # 16 s left: 2 s; after 3 s and a 1 s wait, 12: 2 s; after 3 + 2, 7: 1 s; after 3 + 4, none left
    assert seen == [2.0, 2.0, 1.0]
    assert is_transient(refused.value)
    assert clock.now() <= clock._start + 40
