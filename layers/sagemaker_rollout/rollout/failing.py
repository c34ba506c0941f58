"""How the engine records a failure and routes the request on.

Part of the engine (:mod:`~sagemaker_rollout.rollout.engine`).
"""

from __future__ import annotations

from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import RECOVERING, failure_route, recovery_failure_route
from sagemaker_rollout.rollout.progress import Fail, FailCode
from sagemaker_rollout.rollout.request import RequestKind
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["fail", "route_failure", "time_out"]


def route_failure(state: RolloutState, phase: Phase, failure: Fail) -> None:
    """A step of ``phase`` failed: record it and go where the graph says."""
    if phase in RECOVERING:
        # Recovery itself failed: say so and go on with what is left of recovery.
        state.notes.append(failure.reason)
        if not state.failure and phase == Phase.RESTORE:
            state.failure = f"Endpoint {state.endpoint}: autoscaling could not be restored"
        state.phase = recovery_failure_route(phase)
        return
    fail(state, failure.reason, failure.physical_id, failure.code)


def fail(state: RolloutState, reason: str, physical_id: str | None, code: FailCode | None = None) -> None:
    """The request fails with ``reason`` (the first failure wins) and follows its failure route."""
    if not state.failure:
        state.failure = reason
        state.failure_physical_id = physical_id
        state.failure_code = code
    state.phase = failure_route(state, state.phase)


def time_out(ctx: StepContext, state: RolloutState, now: float) -> None:
    """The request's deadline came while it waited: fail, naming the endpoint and what it was doing."""
    elapsed = int(now - ctx.record.started)
    status = state.last_status or "busy"
    what = "to be deleted" if ctx.kind is RequestKind.DELETE else ""
    reason = (
        f"Timed out after {elapsed} s waiting for endpoint {state.endpoint}{' ' + what if what else ''} "
        f"(still {status}); the next update waits for it"
    )
    if ctx.last_transient:
        reason = f"{reason}; last AWS error: {ctx.last_transient}"
    fail(state, reason, state.endpoint or None)
