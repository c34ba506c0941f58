"""Which step runs in which phase of the rollout state machine (the engine's dispatch table)."""

from __future__ import annotations

from collections.abc import Callable

from sagemaker_rollout.rollout import create, delete, recovery, update
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Progress
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["STEPS"]

STEPS: dict[Phase, Callable[[StepContext, RolloutState], Progress]] = {
    Phase.START: create.start,
    Phase.READ: create.read,
    Phase.RETAG: create.retag,
    Phase.ADOPT: create.adopt,
    Phase.CREATE_CONFIG: create.create_config,
    Phase.CREATE_ENDPOINT: create.create_endpoint,
    Phase.WAIT_CREATE: create.wait_create,
    Phase.SNAPSHOT: update.snapshot,
    Phase.DEREGISTER: update.deregister,
    Phase.UPDATE: update.update,
    Phase.WAIT_UPDATE: update.wait_update,
    Phase.VERIFY: update.verify,
    Phase.ABANDON: update.abandon,
    Phase.DELETE_ENDPOINT: delete.delete_endpoint,
    Phase.WAIT_DELETE: delete.wait_delete,
    Phase.STACK_STATUS: delete.stack_status,
    Phase.RELEASE: delete.release,
    Phase.UNTAG: delete.untag,
    Phase.RESTORE: recovery.restore,
    Phase.CLEANUP: recovery.cleanup,
}
