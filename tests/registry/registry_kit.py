"""Constants shared by the registry type's suite (its conftest and tests)."""

from __future__ import annotations

from pathlib import Path

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
ALARM = "classifier-latency"
