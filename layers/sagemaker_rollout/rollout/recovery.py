"""Steps every request ends with, whatever its outcome: restore autoscaling, drop unused configs."""

from __future__ import annotations

import json
from dataclasses import replace

from sagemaker_rollout.aws import autoscaling
from sagemaker_rollout.planner import configs_to_drop
from sagemaker_rollout.rollout.context import StepContext, UnknownUsersError
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.progress import Next, Progress, Wait
from sagemaker_rollout.rollout.request import RequestKind
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["RESTORE_ATTEMPTS", "cleanup", "restore"]

RESTORE_ATTEMPTS = 4
"""Tries of a restore that failed in part before the request says autoscaling is not restored."""
RESTORE_RETRY_SECONDS = 10.0


@step(Phase.RESTORE)
def restore(ctx: StepContext, state: RolloutState) -> Progress:
    """Register the saved autoscaling again, exactly (journal snapshot; safe to repeat)."""
    if not (state.snapshot and state.suspended):
        return Next(Phase.CLEANUP)
    holder = ctx.journal.endpoint(state.endpoint).suspended_by
    if holder not in (None, ctx.record.key):
        state.suspended = False
        state.notes.append("autoscaling restored by a later request")
        return Next(Phase.CLEANUP)
    described = ctx.describe(state.endpoint)
    variants = [str(v["VariantName"]) for v in (described or {}).get("ProductionVariants", [])]
    try:
        skipped = autoscaling.restore(ctx.aas, ctx.clock, state.snapshot, variants, state.endpoint, ctx.cw)
    except autoscaling.AutoscalingRestoreError as error:
        state.restore_attempts += 1
        if state.restore_attempts < RESTORE_ATTEMPTS:
            # Application Auto Scaling may not see a target registered a moment ago (its reads are
            # eventually consistent; PutScalingPolicy then answers ObjectNotFoundException): the
            # restore is idempotent, so it is simply run again.
            return Wait(RESTORE_RETRY_SECONDS, f"autoscaling restore incomplete ({error}): retrying")
        ctx.log.error("autoscaling not restored", extra={"snapshot": json.dumps(state.snapshot)})
        state.notes.append(f"{error}; the journal keeps the snapshot and the next request restores it")
        if not state.failure:
            state.failure = f"Endpoint {state.endpoint} runs {state.outcome_config}, but autoscaling failed"
        return Next(Phase.CLEANUP)
    if skipped:
        ctx.log.warning("targets of removed variants not restored", extra={"skipped": skipped})
    ctx.journal.clear_suspended(state.endpoint, ctx.record.key)
    state.suspended = False
    state.notes.append("autoscaling restored")
    ctx.notify("autoscaling", f"restored autoscaling of {len(state.snapshot) - len(skipped)} variant(s)")
    return Next(Phase.CLEANUP)


@step(Phase.CLEANUP)
def cleanup(ctx: StepContext, state: RolloutState) -> Progress:
    """Delete the configs this resource created for the endpoint that nothing runs or moves to.

    What the endpoint runs and is moving to is read from SageMaker, never inferred; when that read
    fails, nothing is deleted.
    """
    if state.endpoint and state.adopted_from and not state.failure and ctx.kind is RequestKind.CREATE:
        # The adoption succeeded: a later Delete deletes the endpoint like any other it owns.
        adoption = ctx.journal.endpoint(state.endpoint).adoption
        if adoption is not None and not adoption.adopted:
            ctx.journal.mark_adopted(state.endpoint, replace(adoption, adopted=True))
    if state.endpoint:
        _sweep(ctx, state, state.endpoint)
    if state.releasing and not state.failure:
        return Next(Phase.UNTAG)
    return Next(Phase.ANSWER)


def _sweep(ctx: StepContext, state: RolloutState, endpoint: str) -> None:
    described = ctx.describe(endpoint)
    in_use = set()
    if described is not None and state.failure and ctx.kind is not RequestKind.DELETE:
        config = str(described.get("EndpointConfigName"))
        if config not in state.failure:
            state.notes.insert(0, f"endpoint {endpoint} is {described.get('EndpointStatus')} on {config}")
    if described is not None:
        pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        in_use = {str(c) for c in (described.get("EndpointConfigName"), pending) if c}
        if described.get("EndpointStatus") in ("Updating", "RollingBack", "UpdateRollbackFailed"):
            # Mid-update (or a mixed fleet): the config it moves to may not show as pending.
            in_use.add(state.target_config)
    owned = ctx.owned_configs(endpoint)
    if not set(owned) - in_use:
        return
    try:
        users: dict[str, str] | None = ctx.other_users(endpoint, set(owned) - in_use)
    except UnknownUsersError as unknown:
        ctx.log.warning("configs kept: other endpoints' use unknown", extra={"why": str(unknown)})
        users = None
    adoption = ctx.journal.endpoint(endpoint).adoption
    protected = {state.adopted_from} | ({adoption.config} if adoption is not None else set())
    drop, kept = configs_to_drop(owned, in_use, users, protected - {""})
    for line in kept:
        ctx.log.info("keeping endpoint config", extra={"why": line})
        ctx.notify("config", f"keeping endpoint config {line}")
    for name in drop:
        if ctx.delete_config(name):
            ctx.notify("config", f"deleted endpoint config {name}")
