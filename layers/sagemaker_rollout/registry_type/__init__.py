"""``SageMakerRollout::SageMaker::Endpoint``: the registry resource type's front-end of the engine.

The custom resource and the registry type drive the same rollout steps and journal
(:mod:`sagemaker_rollout.rollout.engine`); only the ends differ. The custom resource hands a long
wait to a fresh Lambda invocation and PUTs its answer to a ResponseURL; the registry type returns
progress events to CloudFormation: IN_PROGRESS with a callback delay and a callback context that
holds the journal key and token (CloudFormation invokes the handler again with it), then SUCCESS or
FAILED. This package holds no CloudFormation CLI code: ``registry/src`` wraps it in the CloudFormation
CLI's Python library, so the Lambda layer never needs that library.
"""

from __future__ import annotations

from sagemaker_rollout.registry_type.frontend import (
    HANDLER_PERMISSIONS,
    HANDLER_TIMEOUT_MINUTES,
    TYPE_NAME,
    HandlerProgress,
    RegistryFrontEnd,
    RegistryRequest,
    registry_settings,
)
from sagemaker_rollout.registry_type.live import live_model

__all__ = [
    "HANDLER_PERMISSIONS",
    "HANDLER_TIMEOUT_MINUTES",
    "TYPE_NAME",
    "HandlerProgress",
    "RegistryFrontEnd",
    "RegistryRequest",
    "live_model",
    "registry_settings",
]
