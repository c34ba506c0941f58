"""The first step of a custom-resource request: CloudFormation confirms it, or it is dropped.

See :mod:`sagemaker_rollout.aws.stack` for what is checked and why. The step runs before the
properties are read and before the endpoint's lease is taken: a request CloudFormation does not
confirm changes nothing, takes no lease and is answered nowhere (``state.dropped``; the engine
journals it so that a duplicate of it is dropped again without asking). A check that cannot be
completed is a failure with its reason: the request answers FAILED and changes nothing.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_rollout.aws.calls import error_code, error_message, is_transient, short
from sagemaker_rollout.aws.stack import StackCheckError, confirm_request
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.progress import Fail, FailCode, Next, Progress
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["UNCONFIRMED", "confirm"]

UNCONFIRMED = "Could not confirm the request with CloudFormation"
"""Head of the reason of a request whose check could not be completed."""


@step(Phase.CONFIRM)
def confirm(ctx: StepContext, state: RolloutState) -> Progress:
    """Ask CloudFormation (DescribeStackResource, DescribeStackEvents) whether this request is its own."""
    request = ctx.request
    if ctx.clock.now() >= ctx.record.deadline:
        last = f"; last AWS error: {state.unconfirmed}" if state.unconfirmed else ""
        return Fail(short(f"{UNCONFIRMED} before the request's deadline{last}"), None, FailCode.THROTTLING)
    try:
        verdict = confirm_request(
            ctx.cfn,
            ctx.clock,
            kind=request.kind.value,
            stack_id=request.stack_id,
            logical_id=request.logical_id,
            physical_id=request.physical_id,
        )
    except StackCheckError as error:
        return Fail(short(f"{UNCONFIRMED}: {error}"), None, FailCode.INTERNAL_FAILURE)
    except (ClientError, BotoCoreError) as error:
        code = error_code(error) or type(error).__name__
        operation = getattr(error, "operation_name", "") or "CloudFormation"
        if is_transient(error):
            state.unconfirmed = f"{operation}: {code}"  # (journaled: the reason if time runs out)
            raise  # the barrier waits, on the request's clock, and the step asks again
        kind = FailCode.ACCESS_DENIED if "AccessDenied" in code else FailCode.GENERAL_SERVICE_EXCEPTION
        return Fail(short(f"{UNCONFIRMED} ({operation}: {code}: {error_message(error)})"), None, kind)
    if not verdict.confirmed:
        state.dropped = verdict.reason
        ctx.log.error("REQUEST DROPPED (not confirmed by CloudFormation): %s", verdict.reason)
        return Next(Phase.ANSWER)
    state.confirmed = verdict.reason
    return Next(Phase.START)
