"""The deadline abort (issue 24): a guarded rollout that has not finished at its abort point is sent
back by the provider's brake, and the request answers FAILED.

``WAIT_UPDATE`` goes on to ``ABORT`` once the clock reaches
:func:`~sagemaker_rollout.rollout.deadline.abort_point_of` (the deadline
less the time to SageMaker's next alarm watch, the alarm's evaluation and the rollback's worst case:
:mod:`sagemaker_rollout.spec.deadline`); the suspender never sleeps past that point. ``ABORT`` trips
the brake (:func:`sagemaker_rollout.aws.brake.trip`: it latches in ``ALARM``), waits until SageMaker
has rolled the deployment back ("If any alarms are tripped during a deployment, SageMaker rolls back
the deployment": API reference, AutoRollbackConfig; SageMaker watches alarms during baking periods,
so a trip while a fleet launches takes effect at the next bake), then fails with
:attr:`~sagemaker_rollout.rollout.progress.FailCode.NOT_STABILIZED`: the failure route restores
autoscaling and the clean-up deletes the brake. An update that completes before the brake acts is
verified as usual (SUCCESS).

Every part is safe to repeat: the trip is journaled (``brake_tripped_at``) before the PutMetricAlarm
and repeated until the call is known done (``brake_tripped``); the same alarm is put each time.
"""

from __future__ import annotations

from sagemaker_rollout.aws import brake
from sagemaker_rollout.aws.calls import short
from sagemaker_rollout.planner import BUSY_STATUSES, settle_verdict
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.progress import Fail, FailCode, Next, Progress, Wait
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["abort"]


def _reason(ctx: StepContext, state: RolloutState) -> str:
    limit = int(ctx.request.time_limit)
    left = max(ctx.record.deadline - ctx.clock.now(), 0.0)
    return (
        f"aborted: would overrun ServiceTimeout ({limit} s): unfinished at its abort point "
        f"({left:.0f} s left)"
    )


@step(Phase.ABORT)
def abort(ctx: StepContext, state: RolloutState) -> Progress:
    """Trip the brake (once known done), wait for SageMaker to settle, then answer the abort."""
    name = state.endpoint
    if not state.brake_tripped:
        if state.brake_tripped_at is None:
            state.brake_tripped_at = ctx.clock.now()
            state.abort_reason = state.abort_reason or _reason(ctx, state)
            ctx.checkpoint()  # the intent, before the PutMetricAlarm
        brake.trip(ctx.cw, ctx.clock, state.brake, name, ctx.resource_tags(name))
        state.brake_tripped = True
        ctx.notify("brake", f"brake alarm {state.brake} tripped: {state.abort_reason}")
        ctx.notify("metric", "RolloutAborted")
    described = ctx.describe(name)
    if described is None:
        return Fail(
            short(f"{state.abort_reason}; endpoint {name} vanished meanwhile"), name, FailCode.NOT_FOUND
        )
    status = str(described["EndpointStatus"])
    if status != state.last_status:
        ctx.notify("status", f"{name}: {status}")
    state.last_status = status
    if status in BUSY_STATUSES:
        return Wait(
            ctx.runtime.settings.poll_interval, f"{name} is {status}: waiting for SageMaker's rollback"
        )
    verdict = settle_verdict(described, state.target_config)
    if verdict.succeeded:  # it completed before SageMaker watched the brake: a rollout like any other
        state.notes.append("the rollout completed before the brake acted")
        return Next(Phase.VERIFY)
    outcome = (
        f"SageMaker rolled back: endpoint {name} runs {verdict.config}"
        if status == "InService"
        else f"SageMaker's rollback ended {status}: endpoint {name} on {verdict.config}"
    )
    return Fail(short(f"{state.abort_reason}; {outcome}"), name, FailCode.NOT_STABILIZED)
