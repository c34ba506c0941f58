"""When a guarded rollout must be aborted (issue 24), seen from an observation of its endpoint.

Shared by the ``WAIT_UPDATE`` step (it goes on to ``ABORT`` at this point), and the suspender (it
never sleeps past it). Part of the engine; the figures are :mod:`sagemaker_rollout.spec.deadline`'s,
journaled by ``READ`` (``abort_margin``, ``expected_launch``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.planner.wakeup import Observation
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.state import RolloutState
from sagemaker_rollout.spec.deadline import watch_in_at
from sagemaker_rollout.spec.timeline import Basis, Figure, update_timeline

__all__ = ["abort_point_at", "abort_point_of"]


def abort_point_at(
    ctx: StepContext, state: RolloutState, *, now: float, stage: str = "", stage_since: float | None = None
) -> float | None:
    """When the provider must trip the brake, seen from an observation at ``now`` (the pending
    deployment's stage and its start); None: no brake to trip (none armed, already tripped, or no
    bake left in which SageMaker would watch it)."""
    if not (state.brake and state.brake_armed and state.abort_margin > 0):
        return None
    if state.brake_tripped_at is not None or state.smoke_rollback:
        return None  # tripped already, or the way back from a failed smoke test (never braked)
    started = state.update_intent_at
    if started is None:
        return None
    variants = [v for v in ctx.spec.config.get("ProductionVariants", []) if isinstance(v, Mapping)]
    provision = (
        Figure(state.expected_launch, Basis.HISTORY, "the endpoint's past launches")
        if state.expected_launch > 0
        else None
    )
    timeline = update_timeline(ctx.spec.deployment_config, variants, provision=provision)
    watch = watch_in_at(timeline, started=float(started), now=now, stage=stage, stage_since=stage_since)
    if math.isinf(watch):
        return None
    return ctx.record.deadline - watch - state.abort_margin


def abort_point_of(ctx: StepContext, state: RolloutState, described: Mapping[str, Any]) -> float | None:
    """:func:`abort_point_at` from a DescribeEndpoint response read now."""
    now = ctx.clock.now()
    seen = Observation.of(described, now)
    return abort_point_at(ctx, state, now=now, stage=seen.stage, stage_since=seen.stage_since)
