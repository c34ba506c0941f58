"""Issue 21, point 6: alarms the macro generates stay wired to a live scaling policy.

An instance-type change makes the provider deregister the variant's autoscaling (SageMaker developer
guide, "Update endpoints that use auto scaling"); DeregisterScalableTarget deletes its policies, and
the restored ones have new ARNs. CloudFormation knows a policy by its ARN (its physical id): before
the fix it kept the old one and, at the next stack update touching the scale-from-zero alarm, wrote
the dead ARN back into it, and scaling from zero stopped silently. Now the policy's name follows the
endpoint's ``ScalingGeneration``, so CloudFormation replaces it and re-points the alarm itself in the
same stack update. The stack is played by the demo's miniature CloudFormation on the simulated account.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout_testing.demo import DemoWorld, simulated_account
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli._common import render_template

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "async-scale-from-zero.yaml"
ALARM_ID = "TranscriberWhisperHasBacklogWithoutCapacityAlarm"
RESOURCE = "endpoint/whisper-async/variant/whisper"


@pytest.fixture
def world() -> Any:
    with simulated_account("scale-from-zero") as world:
        yield world


def _rendered(world: DemoWorld, instance_type: str, threshold: int = 1) -> dict[str, Any]:
    """The async scale-from-zero example, expanded, with the variant's instance type and the
    scale-from-zero alarm's threshold as given (the macro writes 1)."""
    source = cfn_yaml.load(TEMPLATE.read_text())
    variant = source["Resources"]["Transcriber"]["Properties"]["Variants"][0]
    variant["InstanceType"] = instance_type
    rendered = render_template(source, service_token=world.driver.function_arn)
    rendered = copy.deepcopy(rendered)
    rendered["Resources"][ALARM_ID]["Properties"]["Threshold"] = threshold
    return rendered


def _deploy(world: DemoWorld, template: dict[str, Any]) -> Any:
    defaults = {name: p.get("Default") for name, p in (template.get("Parameters") or {}).items()}
    return world.stack.deploy(template, defaults)


def _scale_from_zero_fires(world: DemoWorld) -> bool:
    """In ALARM, CloudWatch invokes the alarm's actions; an Application Auto Scaling action runs the
    step policy whose ARN it names (CloudWatch user guide, "Using Amazon CloudWatch alarms": alarm
    actions). It fires when an action names a live policy of the variant."""
    alarm = world.stack.resources[ALARM_ID].physical_id
    actions = world.client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0][
        "AlarmActions"
    ]
    policies = world.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE
    )["ScalingPolicies"]
    live = {p["PolicyARN"] for p in policies if p["PolicyType"] == "StepScaling"}
    return bool(actions) and set(actions) <= live


def test_6_after_an_instance_type_rollout_an_alarm_threshold_update_keeps_scale_from_zero_wired(
    world: DemoWorld,
) -> None:
    # GIVEN the async scale-from-zero example deployed, its alarm acting on the step policy
    first = _deploy(world, _rendered(world, "ml.g5.2xlarge"))
    assert first.ok, first.reason
    assert _scale_from_zero_fires(world)
    # WHEN an instance-type change rolls out (the provider deregisters and restores autoscaling)
    second = _deploy(world, _rendered(world, "ml.g5.4xlarge"))
    assert second.ok, second.reason
    assert world.sim.calls["UpdateEndpoint"] == 1
    assert _scale_from_zero_fires(world)
    # AND a second stack update changes only the alarm's threshold
    third = _deploy(world, _rendered(world, "ml.g5.4xlarge", threshold=2))
    assert third.ok, third.reason
    # THEN the alarm (threshold 2 now) still acts on a live policy: scale-from-zero still fires
    alarm = world.stack.resources[ALARM_ID].physical_id
    described = world.client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
    assert described["Threshold"] == 2
    assert _scale_from_zero_fires(world), described["AlarmActions"]
    # AND one step policy is left on the variant (the replaced one was cleaned up)
    policies = world.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE
    )["ScalingPolicies"]
    assert sorted(p["PolicyType"] for p in policies) == ["StepScaling", "TargetTrackingScaling"]
