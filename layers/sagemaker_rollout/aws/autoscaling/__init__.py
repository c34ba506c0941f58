"""Save, deregister and restore Application Auto Scaling around a rollout.

SageMaker refuses an update that changes a variant's instance type (or removes the variant) while
the variant is registered as a scalable target (SageMaker developer guide, "Update endpoints that
use auto scaling"). The provider saves everything deregistration removes, deregisters the targets,
rolls out, and registers them again exactly as they were.

What deregistration removes (Application Auto Scaling API reference, DeregisterScalableTarget:
"Deregistering a scalable target deletes the scaling policies and the scheduled actions that are
associated with it"), hence what the snapshot holds, per scalable target:

- the target: ``MinCapacity``, ``MaxCapacity``, ``SuspendedState``;
- every scaling policy, whatever its type (SageMaker supports target tracking and step scaling;
  Application Auto Scaling user guide, "Amazon SageMaker AI and Application Auto Scaling");
- every scheduled action.

Both SageMaker variant dimensions are covered: ``sagemaker:variant:DesiredInstanceCount``
(instance-based variants) and ``sagemaker:variant:DesiredProvisionedConcurrency`` (provisioned
concurrency of serverless variants; RegisterScalableTarget API reference, ``ScalableDimension``).

The snapshot is a JSON-ready list (stored by the caller); one entry per scalable target::

    {"ResourceId": ..., "ScalableDimension": ..., "MinCapacity": ..., "MaxCapacity": ...,
     "SuspendedState": {...}, "Policies": [...], "ScheduledActions": [...]}

Entries written before ``ScalableDimension`` and ``ScheduledActions`` existed still restore: they
mean ``DesiredInstanceCount`` and no scheduled actions.

Every function is safe to repeat after a crash at any point: ``deregister`` accepts targets
already gone, ``restore`` puts targets, policies and actions by name (RegisterScalableTarget,
PutScalingPolicy and PutScheduledAction create *or update*; API reference of each), and re-points
alarms from the snapshot's policy ARN to the live one, which PutScalingPolicy keeps when it updates
an existing policy, so a second restore finds the alarms already pointing at it.

The package's parts: :mod:`~sagemaker_rollout.aws.autoscaling.snapshot` (read, compare),
:mod:`~sagemaker_rollout.aws.autoscaling.restore` (deregister, register again) and
:mod:`~sagemaker_rollout.aws.autoscaling.alarms` (re-point alarms to a restored policy).
"""

from __future__ import annotations

from sagemaker_rollout.aws.autoscaling.alarms import repoint_alarms
from sagemaker_rollout.aws.autoscaling.restore import AutoscalingRestoreError, deregister, restore
from sagemaker_rollout.aws.autoscaling.snapshot import (
    INSTANCE_COUNT,
    PROVISIONED_CONCURRENCY,
    SCALABLE_DIMENSIONS,
    registered_variants,
    same_autoscaling,
    snapshot,
)

__all__ = [
    "INSTANCE_COUNT",
    "PROVISIONED_CONCURRENCY",
    "SCALABLE_DIMENSIONS",
    "AutoscalingRestoreError",
    "deregister",
    "registered_variants",
    "repoint_alarms",
    "restore",
    "same_autoscaling",
    "snapshot",
]
