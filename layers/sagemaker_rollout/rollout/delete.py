"""Steps of a Delete: delete the endpoint this resource owns, wait until it is gone."""

from __future__ import annotations

from sagemaker_rollout.planner import BUSY_STATUSES
from sagemaker_rollout.provider.aws import call, is_not_found
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Next, Progress, Wait
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["delete_endpoint", "valid_endpoint_name", "wait_delete"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def valid_endpoint_name(name: str) -> bool:
    """Whether ``name`` can be a SageMaker endpoint name (else a Delete has nothing to do)."""
    return 0 < len(name) <= 63 and set(name) <= _NAME_CHARS and name[0] != "-" and name[-1] != "-"


def delete_endpoint(ctx: StepContext, state: RolloutState) -> Progress:
    """DeleteEndpoint, if the endpoint exists and this resource owns it."""
    name = state.endpoint
    if not valid_endpoint_name(name):
        ctx.notify("done", f"{name} is not an endpoint this provider created: nothing to delete")
        state.endpoint = ""
        return Next(Phase.ANSWER)
    described = ctx.describe(name)
    if described is None:
        return Next(Phase.CLEANUP)
    if not ctx.owned(ctx.tags_of_arn(str(described["EndpointArn"]))):
        ctx.notify("done", f"{name} is not managed by this stack resource: left alone")
        return Next(Phase.CLEANUP)
    status = str(described["EndpointStatus"])
    state.last_status = status
    if status in BUSY_STATUSES and status != "Deleting":
        return Wait(ctx.runtime.settings.poll_interval, f"{name} is {status}: waiting before deleting")
    if status != "Deleting":
        try:
            call(ctx.clock, ctx.sm.delete_endpoint, EndpointName=name)
            ctx.notify("delete", f"DeleteEndpoint {name}")
        except Exception as error:
            if not is_not_found(error):
                raise
    return Next(Phase.WAIT_DELETE)


def wait_delete(ctx: StepContext, state: RolloutState) -> Progress:
    """Wait until the endpoint is gone."""
    described = ctx.describe(state.endpoint)
    if described is None:
        ctx.notify("done", f"{state.endpoint} deleted")
        holder = ctx.journal.endpoint(state.endpoint).get("suspended_by")
        if holder:  # its scalable targets went with it: nothing is left to restore
            ctx.journal.clear_suspended(state.endpoint, str(holder))
        return Next(Phase.CLEANUP)
    state.last_status = str(described["EndpointStatus"])
    if state.last_status != "Deleting":
        return Next(Phase.DELETE_ENDPOINT)
    return Wait(ctx.runtime.settings.poll_interval, f"{state.endpoint} is Deleting")
