"""Constants and properties shared by the registry type's suite (its conftest and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
ALARM = "classifier-latency"


WAIT = 2700
"""45 minutes per linear step: the four steps of an update bake three hours in all."""


def props(
    model: str = "model-a-v1",
    *,
    wait: int = WAIT,
    kind: str = "LINEAR",
    weight: float = 1.0,
    count: int = 4,
    **extra: Any,
) -> dict[str, Any]:
    """Typed properties (a registry type receives JSON types) of a guarded, alarm-watched rollout."""
    routing: dict[str, Any] = {"Type": kind, "WaitIntervalInSeconds": wait}
    if kind == "LINEAR":
        routing["LinearStepSize"] = {"Type": "CAPACITY_PERCENT", "Value": 25}
    else:
        routing["CanarySize"] = {"Type": "INSTANCE_COUNT", "Value": 1}
    return {
        "EndpointName": "classifier",
        "ExecutionRoleArn": ROLE,
        "ProductionVariants": [
            {
                "VariantName": "model-a",
                "ModelName": model,
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": count,
                "InitialVariantWeight": weight,
            }
        ],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": routing,
                "TerminationWaitInSeconds": 300,
                "MaximumExecutionTimeoutInSeconds": 28800,
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": ALARM}]},
        },
        **extra,
    }
