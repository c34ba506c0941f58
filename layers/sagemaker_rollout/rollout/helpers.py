"""Helpers the steps share (no step module imports another; the engine uses some too).

Part of the engine (:mod:`sagemaker_rollout.rollout`).
"""

from __future__ import annotations

from sagemaker_rollout.aws import autoscaling
from sagemaker_rollout.aws.calls import error_message
from sagemaker_rollout.naming import SCALING_GENERATION
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Done
from sagemaker_rollout.rollout.state import RolloutState

__all__ = ["EVENTUAL_CONSISTENCY_WAIT", "done", "is_unseen_config", "restore_orphan"]

EVENTUAL_CONSISTENCY_WAIT = 5.0
"""Seconds before retrying a call that does not see a config created a moment ago.

The CreateEndpoint API reference notes that a just-created endpoint config may not be visible yet
("Could not find endpoint configuration"), and recommends retrying: SageMaker's reads are
eventually consistent.
"""


def is_unseen_config(error: BaseException) -> bool:
    return "could not find endpoint configuration" in error_message(error).lower()


def restore_orphan(ctx: StepContext, endpoint: str) -> str | None:
    """Restore autoscaling a dead request left suspended on ``endpoint``; a note, or None."""
    item = ctx.journal.endpoint(endpoint)
    holder = item.suspended_by
    if not holder or holder == ctx.record.key:
        return None
    snapshot = item.snapshot
    described = ctx.describe(endpoint)
    variants = [str(v["VariantName"]) for v in (described or {}).get("ProductionVariants", [])]
    if described is not None and described.get("EndpointStatus") not in ("InService", "Failed"):
        return None  # SageMaker is still at it; restore once it settles
    if snapshot and described is not None:
        autoscaling.restore(ctx.aas, ctx.clock, snapshot, variants, endpoint, ctx.cw, stack_id=ctx.stack_id)
    ctx.journal.clear_suspended(endpoint, holder)
    ctx.notify("autoscaling", f"restored autoscaling a previous request left suspended on {endpoint}")
    return "autoscaling left suspended by an earlier request restored"


def done(state: RolloutState) -> Done:
    """The success answer of a request that converged.

    ``ScalingGeneration`` counts the re-creations of the endpoint's scaling policies (their ARNs
    change each time): the macro names the policies its alarms act on after it, so CloudFormation
    replaces them, and points the alarms at the new ones, in the same stack update.
    """
    return Done(
        state.endpoint,
        {
            "EndpointName": state.endpoint,
            "EndpointArn": state.outcome_arn,
            "EndpointConfigName": state.outcome_config,
            SCALING_GENERATION: str(state.scaling_generation or 0),
        },
    )
