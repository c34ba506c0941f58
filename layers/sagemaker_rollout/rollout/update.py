"""Steps of a rollout: save and suspend autoscaling, UpdateEndpoint, wait, verify.

Every step is safe to run again after the invocation died inside it: intents are journaled before
the AWS call they announce, and each step re-reads SageMaker to learn whether the call took effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws import autoscaling, brake
from sagemaker_rollout.aws.calls import AWS_ERRORS, call, error_message, short
from sagemaker_rollout.aws.smoke import Outcome
from sagemaker_rollout.planner import BUSY_STATUSES, VerdictKind, settle_verdict, update_was_issued
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.deadline import abort_point_of
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.helpers import EVENTUAL_CONSISTENCY_WAIT, is_unseen_config
from sagemaker_rollout.rollout.progress import Fail, FailCode, Next, Progress, Wait
from sagemaker_rollout.rollout.request import RequestKind
from sagemaker_rollout.rollout.smoke_runs import AFTER_COMPLETION, bake_smoke, run_smoke, smoke_reason
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["abandon", "bake_smoke_step", "deregister", "smoke", "snapshot", "update", "verify", "wait_update"]


@step(Phase.SNAPSHOT)
def snapshot(ctx: StepContext, state: RolloutState) -> Progress:
    """Save the autoscaling that blocks the update: in the journal, before anything is removed."""
    if not state.snapshot:
        saved = autoscaling.snapshot(ctx.aas, ctx.clock, state.endpoint, state.suspend_variants)
        if not saved:
            return Next(Phase.UPDATE)
        state.snapshot = saved
        state.suspended = True
        ctx.checkpoint()
        ctx.journal.mark_suspended(state.endpoint, ctx.record.key, saved)
        ctx.notify("autoscaling", f"saved autoscaling of {', '.join(state.suspend_variants)}")
    return Next(Phase.DEREGISTER)


@step(Phase.DEREGISTER)
def deregister(ctx: StepContext, state: RolloutState) -> Progress:
    """DeregisterScalableTarget for every saved target (already gone is fine)."""
    autoscaling.deregister(ctx.aas, ctx.clock, state.snapshot)
    ctx.notify("autoscaling", f"deregistered {len(state.snapshot)} scalable target(s)")
    ctx.notify("metric", "AutoscalingSuspended")
    return Next(Phase.UPDATE)


def _update_arguments(ctx: StepContext, state: RolloutState) -> dict[str, Any]:
    # The planner's arguments (without the DeploymentConfig when the update is unguarded); a
    # request resumed from the previous provider version has none recorded: the spec's own. The
    # provider's brake goes beside the user's alarms.
    arguments = dict(state.update_arguments) or ctx.spec.update_arguments()
    deployment = arguments.get("DeploymentConfig")
    # Not on the way back from a failed smoke test: nothing may stop that one.
    if state.brake and state.brake_armed and not state.smoke_rollback and isinstance(deployment, Mapping):
        arguments["DeploymentConfig"] = brake.with_brake(deployment, state.brake)
    return {"EndpointName": state.endpoint, "EndpointConfigName": state.target_config, **arguments}


def _arm_brake(ctx: StepContext, state: RolloutState) -> None:
    """Create the brake alarm (released) before the UpdateEndpoint that lists it; its name is in the
    journal already (READ), so every route's clean-up deletes it. Safe to repeat: the same alarm is
    put again. Never after a trip (it would release the brake)."""
    if not state.brake or state.brake_armed or state.brake_tripped_at is not None:
        return
    brake.arm(ctx.cw, ctx.clock, state.brake, state.endpoint, ctx.resource_tags(state.endpoint))
    state.brake_armed = True
    ctx.checkpoint()
    ctx.notify("brake", f"brake alarm {state.brake} armed")


@step(Phase.UPDATE)
def update(ctx: StepContext, state: RolloutState) -> Progress:
    """UpdateEndpoint to the target config, unless a previous attempt already took effect."""
    name = state.endpoint
    described = ctx.describe(name)
    if described is None and ctx.kind is RequestKind.DELETE:
        return Next(Phase.CLEANUP)  # a release whose endpoint was deleted meanwhile: nothing to give back
    if described is None:
        # Deleted out of band mid-rollout: recreate it on the target config.
        ctx.notify("recreate", f"{name} vanished during the rollout: recreating it")
        state.previous_config = ""
        state.create_intent_at = None
        return Next(Phase.CREATE_ENDPOINT)
    if update_was_issued(described, state.target_config, state.update_intent_at):
        return Next(Phase.WAIT_UPDATE)
    status = str(described["EndpointStatus"])
    state.last_status = status
    if status in BUSY_STATUSES:
        return Wait(ctx.runtime.settings.poll_interval, f"{name} is {status}: waiting before UpdateEndpoint")
    _arm_brake(ctx, state)
    state.update_intent_at = ctx.clock.now()
    ctx.checkpoint()
    try:
        call(ctx.clock, ctx.sm.update_endpoint, **_update_arguments(ctx, state))
    except AWS_ERRORS as error:
        if _refused(error):
            state.update_intent_at = None  # SageMaker answered no: nothing took effect
        message = error_message(error)
        if "in-progress" in message or "in progress" in message:
            state.update_intent_at = None
            return Wait(ctx.runtime.settings.poll_interval, f"{name} is busy: waiting before UpdateEndpoint")
        if is_unseen_config(error):
            state.update_intent_at = None
            return Wait(EVENTUAL_CONSISTENCY_WAIT, f"config {state.target_config} not visible yet")
        raise
    strategy = "all at once, unguarded" if state.unguarded else ctx.spec.estimate.strategy
    ctx.notify("update", f"UpdateEndpoint {name} -> {state.target_config} ({strategy})")
    return Next(Phase.WAIT_UPDATE)


def _refused(error: BaseException) -> bool:
    """An error answer below 500: the request was refused, not half-done (a 5xx or a lost
    connection may hide a change that took effect)."""
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return isinstance(status, int) and status < 500


@step(Phase.WAIT_UPDATE)
def wait_update(ctx: StepContext, state: RolloutState) -> Progress:
    """Poll until SageMaker settles the endpoint."""
    name = state.endpoint
    described = ctx.describe(name)
    if described is None:
        return Next(Phase.UPDATE)  # recreated there
    status = str(described["EndpointStatus"])
    if status != state.last_status:
        ctx.notify("status", f"{name}: {status}")
    state.last_status = status
    if status in BUSY_STATUSES:
        point = abort_point_of(ctx, state, described) if status == "Updating" else None
        if point is not None and ctx.clock.now() >= point:
            return Next(Phase.ABORT)  # the deadline abort (issue 24)
        tested = bake_smoke(ctx, state, described) if status == "Updating" else None
        if tested is not None:
            return tested  # a smoke test failed in a bake: ABORT trips the brake
        return Wait(ctx.runtime.settings.poll_interval, f"{name} is {status}")
    return Next(Phase.VERIFY)


@step(Phase.VERIFY)
def verify(ctx: StepContext, state: RolloutState) -> Progress:
    """Success only if the endpoint is InService on the target config (rollbacks end InService too)."""
    described = ctx.describe(state.endpoint)
    verdict = settle_verdict(described, state.target_config)
    if verdict.kind is VerdictKind.GONE:
        return Next(Phase.UPDATE)
    assert described is not None
    if verdict.succeeded:
        state.outcome_config = verdict.config
        state.outcome_arn = str(described["EndpointArn"])
        if state.smoke_failure:  # back on the previous config after a failed smoke test
            ctx.notify("done", f"{state.endpoint} back on {verdict.config} (verified)")
            return Fail(
                short(f"{state.smoke_failure}; rolled back: endpoint {state.endpoint} runs {verdict.config}"),
                state.endpoint,
                FailCode.NOT_STABILIZED,
            )
        ctx.notify("done", f"{state.endpoint} InService on {verdict.config} (verified)")
        ctx.notify("metric", "RolloutSucceeded")
        if ctx.spec.smoke_test is not None:
            return Next(Phase.SMOKE)
        return Next(Phase.RESTORE if state.suspended else Phase.CLEANUP)
    ctx.notify("metric", "RolloutRolledBack" if verdict.kind is VerdictKind.ROLLED_BACK else "RolloutFailed")
    operator = _operator_abort(ctx, state)
    if operator:
        state.abort_reason = operator
        return Fail(
            short(
                f"{operator}; SageMaker rolled back: endpoint {state.endpoint} runs "
                f"{described['EndpointConfigName']} ({described['EndpointStatus']})"
            ),
            state.endpoint,
            FailCode.NOT_STABILIZED,
        )
    reason = _failure_reason(ctx, described, state)
    if state.smoke_failure:
        reason = short(f"{state.smoke_failure}; the way back failed: {reason}")
    return Fail(reason, state.endpoint)


def _operator_abort(ctx: StepContext, state: RolloutState) -> str:
    """The operator's abort of this request (``sagemaker-rollout abort``: journaled on the endpoint's
    item before it trips the brake), as the answer's head; '' when none."""
    if not state.brake:
        return ""
    abort = ctx.journal.endpoint(state.endpoint).abort or {}
    if abort.get("key") != ctx.record.key:
        return ""
    return f"aborted by the operator: {abort.get('reason') or 'no reason given'}"


def _failure_reason(ctx: StepContext, described: Mapping[str, Any], state: RolloutState) -> str:
    status = described["EndpointStatus"]
    fired = _fired_alarms(ctx, state)
    sagemaker_reason = described.get("FailureReason")
    if status == "UpdateRollbackFailed":
        head = "Update failed and SageMaker's rollback failed too (UpdateRollbackFailed)"
    elif fired:
        head = f"Rolled back: alarm {', '.join(fired)} fired"
    elif status == "InService":
        head = "Update failed, SageMaker rolled back"
    else:
        head = f"Update failed: endpoint is {status}"
    detail = f": {sagemaker_reason}" if sagemaker_reason and not fired else ""
    return short(
        f"{head}{detail}; endpoint {described['EndpointName']} runs {described['EndpointConfigName']}"
    )


def _fired_alarms(ctx: StepContext, state: RolloutState) -> list[str]:
    deployment = ctx.spec.deployment_config or {}
    names = [
        str(a.get("AlarmName"))
        for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms", [])
        if isinstance(a, Mapping)
    ]
    if not names:
        return []
    fired: list[str] = []
    try:
        alarms = call(ctx.clock, ctx.cw.describe_alarms, AlarmNames=names[:100]).get("MetricAlarms", [])
        fired = [a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM"]
    except AWS_ERRORS as error:  # reading alarms only improves the message
        ctx.log.warning("could not read rollback alarms", extra={"error": str(error)})
    since = state.update_intent_at
    for alarm in names:
        if alarm in fired or since is None:
            continue
        try:
            history = call(
                ctx.clock,
                ctx.cw.describe_alarm_history,
                AlarmName=alarm,
                HistoryItemType="StateUpdate",
                StartDate=float(since),
            )
        except AWS_ERRORS:  # only improves the message
            continue
        if any("to ALARM" in str(i.get("HistorySummary", "")) for i in history.get("AlarmHistoryItems", [])):
            fired.append(alarm)
    return fired


@step(Phase.SMOKE)
def smoke(ctx: StepContext, state: RolloutState) -> Progress:
    """The smoke test after completion: pass, or go back to the previous config (an update) / fail."""
    test = ctx.spec.smoke_test
    done = Phase.RESTORE if state.snapshot and state.suspended else Phase.CLEANUP
    if test is None:
        return Next(done)
    entry = run_smoke(ctx, state, test, AFTER_COMPLETION, False)
    if not entry.get("result"):
        return Wait(0.0, f"smoke test after completion: call {len(entry['calls'])}/{test.count} passed")
    if entry["result"] == Outcome.PASS.value:
        ctx.notify("smoke", f"smoke test passed on {state.target_config}")
        return Next(done)
    reason = smoke_reason(AFTER_COMPLETION, entry)
    back = state.previous_config
    if ctx.kind is RequestKind.CREATE or not back or back == state.target_config:
        return Fail(short(reason), state.endpoint, FailCode.NOT_STABILIZED)
    state.smoke_failure = reason
    state.smoke_rollback = True
    state.target_config, state.previous_config = back, state.target_config
    state.update_intent_at = None
    state.last_status = ""
    ctx.notify("smoke", f"{reason}: rolling {state.endpoint} back to {back}")
    return Next(Phase.UPDATE)


@step(Phase.BAKE_SMOKE)
def bake_smoke_step(ctx: StepContext, state: RolloutState) -> Progress:
    """The next call of the smoke test due in this bake (``WAIT_UPDATE`` journaled it): on while it
    passes, back to waiting once it passed, ``ABORT`` (the brake) once a call did not."""
    test, due = ctx.spec.smoke_test, state.smoke.get("bake") or {}
    if test is None or not due:
        return Next(Phase.WAIT_UPDATE)
    name = str(due["name"])
    entry = run_smoke(ctx, state, test, name, bool(due.get("mixed")))
    if not entry.get("result"):
        return Wait(0.0, f"smoke test {name}: call {len(entry['calls'])}/{test.count} passed")
    state.smoke.pop("bake", None)
    if entry["result"] == Outcome.PASS.value:
        return Next(Phase.WAIT_UPDATE)
    state.abort_reason = smoke_reason(f"in {name}", entry)
    return Next(Phase.ABORT)


@step(Phase.ABANDON)
def abandon(ctx: StepContext, state: RolloutState) -> Progress:
    """A replacement endpoint whose creation failed: delete it (CloudFormation never will)."""
    name = state.endpoint
    described = ctx.describe(name)
    if described is None:
        state.notes.append(f"replacement endpoint {name} removed")
        return Next(Phase.CLEANUP)
    if not ctx.owned(ctx.tags_of_arn(str(described["EndpointArn"]))):
        return Next(Phase.CLEANUP)
    status = str(described["EndpointStatus"])
    if status in BUSY_STATUSES and status != "Deleting":
        return Wait(ctx.runtime.settings.poll_interval, f"{name} is {status}: waiting before deleting it")
    if status != "Deleting":
        call(ctx.clock, ctx.sm.delete_endpoint, EndpointName=name)
        ctx.notify("delete", f"DeleteEndpoint {name} (failed replacement)")
    return Wait(ctx.runtime.settings.poll_interval, f"{name} is being deleted")
