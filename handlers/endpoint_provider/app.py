"""Lambda entry point of the Custom::SageMakerEndpoint provider (code lives in the layer)."""

from __future__ import annotations

from sagemaker_rollout.custom_resource import handler

__all__ = ["handler"]
