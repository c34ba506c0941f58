"""Fixtures of the registry type's suite: the registry driver over the simulator and moto."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry_kit import ALARM, REGISTRY, ROLE


@pytest.fixture
def registry(sim: Any, clock: Any, session: Any) -> Iterator[Any]:
    """A registry driver with models and a rollback alarm; every handler call within its permissions."""
    from sagemaker_rollout_testing.registry import RegistryDriver

    sm = session.client("sagemaker")
    for model in ("model-a-v1", "model-a-v2"):
        sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    session.client("cloudwatch").put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": "classifier"}],
        ExtendedStatistic="p99",
        Period=60,
        EvaluationPeriods=1,
        Threshold=500000,
        ComparisonOperator="GreaterThanThreshold",
    )
    with RegistryDriver(REGISTRY, clock=clock, session=session) as driver:
        yield driver
    # Invariants of every scenario: handlers call only what their schema permissions list, and no
    # config was deleted while an endpoint used it.
    outside = sorted(
        {(c.handler, c.action) for c in driver.calls if c.action not in driver.permissions(c.handler)}
    )
    assert outside == []
    assert sim.deleted_configs_in_use == []
