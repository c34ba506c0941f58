"""The ``Custom::SageMakerEndpoint`` provider: handler, crhelper adapter, origin, autoscaling, runtime."""

from __future__ import annotations

from sagemaker_rollout.aws.runtime import ProviderRuntime, ProviderSettings
from sagemaker_rollout.custom_resource.handler import configure, handler

__all__ = ["ProviderRuntime", "ProviderSettings", "configure", "handler"]
