"""Lambda entry point of the Custom::SageMakerEndpoint provider (code lives in the layer)."""

from __future__ import annotations

from sagemaker_rollout.provider import handler

__all__ = ["handler"]
