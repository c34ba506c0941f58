"""A SageMaker endpoint simulator on moto: real lifecycle, update and rollback semantics.

moto alone has no ``UpdateEndpoint`` and its endpoints are ``InService`` at once. Activated with
``with sim:`` inside ``mock_aws()``, :class:`SageMakerSimulator` adds ``Creating`` / ``Updating`` /
``RollingBack`` / ``Deleting`` timelines on an injected clock, guarded deployments with alarm-based
auto-rollback, the autoscaling guard of ``UpdateEndpoint`` and fault injection: throttling, any
AWS error on any SageMaker or Application Auto Scaling operation (``fail_next``), the
eventual-consistency windows after CreateEndpointConfig and RegisterScalableTarget, failed
updates and rollbacks, with or without a ``FailureReason``. It also patches moto where it departs
from the Application Auto Scaling API reference (policy ARNs kept on update, deregistration
deleting policies and scheduled actions, the provisioned-concurrency dimension, ObjectNotFound
errors) and accepts every instance type of botocore's SageMaker model. Importing this package
does not import moto.

The simulator keeps its own copy of SageMaker's rules (name patterns, scalable dimensions and
resource ids, guardrail limits) on purpose and never imports :mod:`sagemaker_rollout.sagemaker`:
it is the oracle the provider is tested against, so a mistake in the provider's copy must not also
be the oracle's. Each rule here cites the API reference or developer guide it models.
"""

from __future__ import annotations

from sagemaker_rollout_testing.simulator.core import DeletedConfigInUse, SageMakerSimulator, Transition
from sagemaker_rollout_testing.simulator.errors import SimulatedServiceError, SimulatorError
from sagemaker_rollout_testing.simulator.plan import DeploymentConfigError, Phase, UpdatePlan, plan_update
from sagemaker_rollout_testing.simulator.timings import Timings

__all__ = [
    "DeletedConfigInUse",
    "DeploymentConfigError",
    "Phase",
    "SageMakerSimulator",
    "SimulatedServiceError",
    "SimulatorError",
    "Timings",
    "Transition",
    "UpdatePlan",
    "plan_update",
]
