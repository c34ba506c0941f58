"""Steps that put back what a request (or an earlier one) left: restore autoscaling, drop unused configs.

* ``RECLAIM`` (before a Create or Update reads the endpoint): autoscaling an earlier request left
  suspended (it died, or answered without its journal) is restored first, whatever the endpoint is
  doing: a busy endpoint is waited for until it settles, then the journal's snapshot goes back.
* ``RESTORE``: this request's own snapshot goes back, whatever the outcome.
* ``CLEANUP``: the request's brake alarm is deleted (every route passes here once the endpoint is
  known, and its name is journaled before it is created); configs this resource created that
  nothing runs or moves to are deleted. A config that cannot be deleted is tried again within the
  request's time; what is still left is named in the answer and in ``history``, and kept in the
  journal's endpoint item, so the next request for the endpoint tries again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from botocore.exceptions import ClientError

from sagemaker_rollout.aws import autoscaling, brake
from sagemaker_rollout.aws.calls import AWS_ERRORS, call, error_code, is_not_found, short
from sagemaker_rollout.naming import MANAGED_BY_TAG
from sagemaker_rollout.planner import BUSY_STATUSES, configs_to_drop
from sagemaker_rollout.rollout.context import StepContext, UnknownUsersError
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.progress import Fail, Next, Progress, Wait
from sagemaker_rollout.rollout.request import RequestKind
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["CLEANUP_ATTEMPTS", "RESTORE_ATTEMPTS", "cleanup", "reclaim", "restore"]

RESTORE_ATTEMPTS = 4
"""Tries of a restore that failed in part before the request says autoscaling is not restored."""
RESTORE_RETRY_SECONDS = 10.0
CLEANUP_ATTEMPTS = 4
"""Tries of a clean-up that could not delete a config before the config is reported as left."""
CLEANUP_RETRY_SECONDS = 10.0


@step(Phase.RECLAIM)
def reclaim(ctx: StepContext, state: RolloutState) -> Progress:
    """Restore autoscaling an earlier request left suspended on the endpoint (journal snapshot).

    Runs under the endpoint's lease, so the request that suspended it is not acting now. A busy
    endpoint (that request's rollout still settling) is waited for: restoring the targets of a
    variant SageMaker is replacing, then planning against a half-settled endpoint, is what left a
    stack rolled back with an unscaled variant.
    """
    name = state.endpoint
    item = ctx.journal.endpoint(name)
    state.scaling_generation = item.scaling_generation
    holder = item.suspended_by
    if not holder or holder == ctx.record.key:
        return Next(Phase.READ)
    described = ctx.describe(name)
    status = str((described or {}).get("EndpointStatus", ""))
    if described is not None and status in BUSY_STATUSES:
        state.last_status = status
        return Wait(
            ctx.runtime.settings.poll_interval,
            f"{name} is {status}: waiting for it to settle before restoring the autoscaling an earlier "
            "request left suspended",
        )
    if described is not None and item.snapshot:
        variants = [str(v["VariantName"]) for v in described.get("ProductionVariants", [])]
        try:
            autoscaling.restore(
                ctx.aas, ctx.clock, item.snapshot, variants, name, ctx.cw, stack_id=ctx.stack_id
            )
        except autoscaling.AutoscalingRestoreError as error:
            state.reclaim_attempts += 1
            if state.reclaim_attempts < RESTORE_ATTEMPTS:
                return Wait(
                    RESTORE_RETRY_SECONDS, f"earlier request's autoscaling not restored ({error}): retrying"
                )
            return Fail(
                short(
                    f"Endpoint {name}: autoscaling an earlier request left suspended could not be restored "
                    f"({error}); the journal keeps its snapshot"
                ),
                name,
            )
        state.scaling_generation = ctx.journal.bump_scaling_generation(name)
    # (an endpoint that is gone took its scalable targets with it: nothing is left to restore)
    ctx.journal.clear_suspended(name, holder)
    state.notes.append("autoscaling left suspended by an earlier request restored")
    ctx.notify("autoscaling", f"restored autoscaling a previous request left suspended on {name}")
    return Next(Phase.READ)


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
        skipped = autoscaling.restore(
            ctx.aas, ctx.clock, state.snapshot, variants, state.endpoint, ctx.cw, stack_id=ctx.stack_id
        )
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
    if any(target.get("Policies") for target in state.snapshot):
        state.scaling_generation = ctx.journal.bump_scaling_generation(state.endpoint)
    ctx.journal.clear_suspended(state.endpoint, ctx.record.key)
    state.suspended = False
    state.notes.append("autoscaling restored")
    ctx.notify("autoscaling", f"restored autoscaling of {len(state.snapshot) - len(skipped)} variant(s)")
    return Next(Phase.CLEANUP)


@step(Phase.CLEANUP)
def cleanup(ctx: StepContext, state: RolloutState) -> Progress:
    """Delete the configs this resource created for the endpoint that nothing runs or moves to.

    What the endpoint runs and is moving to is read from SageMaker, never inferred; when that read
    fails, nothing is deleted. A config whose DeleteEndpointConfig fails is tried again
    (:data:`CLEANUP_ATTEMPTS`, within the request's time); then it is a leftover (see the module).
    """
    if state.endpoint and state.adopted_from and not state.failure and ctx.kind is RequestKind.CREATE:
        # The adoption succeeded: a later Delete deletes the endpoint like any other it owns.
        adoption = ctx.journal.endpoint(state.endpoint).adoption
        if adoption is not None and not adoption.adopted:
            ctx.journal.mark_adopted(state.endpoint, replace(adoption, adopted=True))
    if state.brake and not _remove_brake(ctx, state):
        state.cleanup_attempts += 1
        if state.cleanup_attempts < CLEANUP_ATTEMPTS:
            return Wait(CLEANUP_RETRY_SECONDS, f"brake alarm {state.brake} not deleted: retrying")
        state.leftovers.append(f"{state.brake} (brake alarm: DeleteAlarms failed; delete it by hand)")
        state.brake = ""
    if state.endpoint:
        failed = _sweep(ctx, state, state.endpoint)
        if failed:
            state.cleanup_attempts += 1
            recovery_ends = ctx.record.deadline + ctx.runtime.settings.response_margin / 2
            if (
                state.cleanup_attempts < CLEANUP_ATTEMPTS
                and ctx.clock.now() + 2 * CLEANUP_RETRY_SECONDS < recovery_ends
            ):
                return Wait(CLEANUP_RETRY_SECONDS, f"config(s) not deleted ({', '.join(failed)}): retrying")
            ctx.journal.add_leftovers(state.endpoint, failed)
            state.leftovers = [f"{name} ({why})" for name, why in sorted(failed.items())]
            ctx.log.warning("endpoint configs left for a later request", extra={"leftovers": state.leftovers})
    if state.releasing and not state.failure:
        return Next(Phase.UNTAG)
    return Next(Phase.ANSWER)


def _remove_brake(ctx: StepContext, state: RolloutState) -> bool:
    """Delete this request's brake alarm (:mod:`sagemaker_rollout.aws.brake`; already gone is fine):
    on every route, since its name was journaled before it was created. False: the delete failed."""
    if not state.brake_removing:
        # Journaled before the delete: an operator's abort that puts the alarm meanwhile sees it and
        # deletes what it put (sagemaker_rollout_tools.cli.abort), so nothing is left either way.
        state.brake_removing = True
        ctx.checkpoint()
    try:
        if brake.remove(ctx.cw, ctx.clock, state.brake):
            ctx.notify("brake", f"brake alarm {state.brake} deleted")
    except AWS_ERRORS as error:
        ctx.log.warning("brake alarm not deleted", extra={"alarm": state.brake, "error": str(error)})
        return False
    state.brake, state.brake_armed = "", False
    return True


def _sweep(ctx: StepContext, state: RolloutState, endpoint: str) -> dict[str, str]:
    """Delete what may go; returns {config: why} of the deletes that failed."""
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
    item = ctx.journal.endpoint(endpoint)
    owned = set(ctx.owned_configs(endpoint))
    earlier, gone = _earlier_leftovers(ctx, item.leftovers)
    if gone:
        ctx.journal.clear_leftovers(endpoint, gone)
    candidates = owned | earlier
    if not candidates - in_use:
        return {}
    try:
        users: dict[str, str] | None = ctx.other_users(endpoint, set(owned) - in_use)
    except UnknownUsersError as unknown:
        ctx.log.warning("configs kept: other endpoints' use unknown", extra={"why": str(unknown)})
        users = None
    protected = {state.adopted_from} | ({item.adoption.config} if item.adoption is not None else set())
    drop, kept = configs_to_drop(candidates, in_use, users, protected - {""})
    for line in kept:
        ctx.log.info("keeping endpoint config", extra={"why": line})
        ctx.notify("config", f"keeping endpoint config {line}")
    failed: dict[str, str] = {}
    deleted: list[str] = []
    for name in drop:
        try:
            if ctx.delete_config(name):
                ctx.notify("config", f"deleted endpoint config {name}")
            deleted.append(name)
        except AWS_ERRORS as error:
            failed[name] = f"DeleteEndpointConfig: {error_code(error) or type(error).__name__}"
    cleared = [name for name in deleted if name in item.leftovers]
    if cleared:
        ctx.journal.clear_leftovers(endpoint, cleared)
    return failed


def _earlier_leftovers(ctx: StepContext, leftovers: Mapping[str, str]) -> tuple[set[str], list[str]]:
    """Configs an earlier clean-up left that still exist and are still the provider's; and the rest."""
    still: set[str] = set()
    gone: list[str] = []
    for name in sorted(leftovers):
        try:
            described = call(ctx.clock, ctx.sm.describe_endpoint_config, EndpointConfigName=name)
        except ClientError as error:
            if not is_not_found(error):
                raise
            gone.append(name)
            continue
        if ctx.tags_of_arn(str(described["EndpointConfigArn"])).get(MANAGED_BY_TAG) == "sagemaker-rollout":
            still.add(name)
        else:
            gone.append(name)
    return still, gone
