"""Lambda entry point of the SageMakerRollout macro (code lives in the layer)."""

from __future__ import annotations

from sagemaker_rollout.macro import handler

__all__ = ["handler"]
