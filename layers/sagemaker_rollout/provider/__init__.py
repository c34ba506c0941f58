"""The ``Custom::SageMakerEndpoint`` provider: handler, crhelper adapter, origin, autoscaling, runtime."""

from __future__ import annotations

from sagemaker_rollout.provider.handler import configure, handler
from sagemaker_rollout.provider.runtime import ProviderRuntime, ProviderSettings

__all__ = ["ProviderRuntime", "ProviderSettings", "configure", "handler"]
