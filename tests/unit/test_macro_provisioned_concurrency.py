"""Provisioned-concurrency target tracking of serverless variants (the new target kind).

The compact key is ``TargetProvisionedConcurrencyUtilization``.

Application Auto Scaling API reference, PredefinedMetricSpecification
(``SageMakerVariantProvisionedConcurrencyUtilization``) and RegisterScalableTarget
(``sagemaker:variant:DesiredProvisionedConcurrency``); SageMaker developer guide, "Automatically scale
Provisioned Concurrency for a serverless endpoint".
"""

from __future__ import annotations

from typing import Any

import cfnlint.api
import pytest

from sagemaker_rollout.macro import MacroError, expand_template, strip_transform
from sagemaker_rollout_tools import cfn_yaml

TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"
ROLE = "arn:aws:iam::123456789012:role/sm"


def _serverless(provisioned: int | None = 2, **auto: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"MemorySizeInMB": 2048, "MaxConcurrency": 10}
    if provisioned is not None:
        config["ProvisionedConcurrency"] = provisioned
    variant: dict[str, Any] = {
        "Name": "model-a",
        "Model": {"Image": "img:1", "ExecutionRoleArn": ROLE},
        "Serverless": config,
    }
    if auto:
        variant["AutoScaling"] = auto
    return variant


def _instances(**auto: Any) -> dict[str, Any]:
    return {
        "Name": "model-a",
        "Model": {"Image": "img:1", "ExecutionRoleArn": ROLE},
        "InstanceType": "ml.c5.xlarge",
        "InstanceCount": 2,
        "AutoScaling": auto,
    }


def _expand(variant: dict[str, Any]) -> dict[str, Any]:
    template = {
        "Transform": "SageMakerRollout",
        "Resources": {
            "Classifier": {
                "Type": "SageMakerRollout::Endpoint",
                "Properties": {"EndpointName": "classifier", "Variants": [variant]},
            }
        },
    }
    return expand_template(template, service_token=TOKEN)


def _refusal(variant: dict[str, Any]) -> str:
    with pytest.raises(MacroError) as caught:
        _expand(variant)
    return str(caught.value)


def test_serverless_variant_tracks_provisioned_concurrency_utilization() -> None:
    # GIVEN a serverless variant with provisioned concurrency and the new target kind
    variant = _serverless(
        MinCapacity=1, MaxCapacity=8, TargetProvisionedConcurrencyUtilization=0.5, ScaleInCooldown=120
    )
    # WHEN expanded
    resources = _expand(variant)["Resources"]
    # THEN the scalable target is the variant's provisioned concurrency, bounded by Min/MaxCapacity
    target = resources["ClassifierModelAScalableTarget"]
    assert target["DependsOn"] == ["Classifier"]
    assert target["Properties"] == {
        "MaxCapacity": 8,
        "MinCapacity": 1,
        "ResourceId": "endpoint/classifier/variant/model-a",
        "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
        "ServiceNamespace": "sagemaker",
    }
    # AND the policy tracks SageMakerVariantProvisionedConcurrencyUtilization at the target
    policy = resources["ClassifierModelAScalingPolicy"]["Properties"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["ScalingTargetId"] == {"Ref": "ClassifierModelAScalableTarget"}
    assert policy["TargetTrackingScalingPolicyConfiguration"] == {
        "TargetValue": 0.5,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
        },
        "ScaleInCooldown": 120,
    }
    # AND the endpoint keeps its serverless config
    variants = resources["Classifier"]["Properties"]["ProductionVariants"]
    assert variants[0]["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 10,
        "ProvisionedConcurrency": 2,
    }


def test_rendered_provisioned_concurrency_template_is_cfn_lint_clean() -> None:
    # GIVEN the expanded template WHEN cfn-lint validates it THEN it has nothing to say
    rendered = cfn_yaml.dump(
        strip_transform(_expand(_serverless(MaxCapacity=5, TargetProvisionedConcurrencyUtilization=0.7)))
    )
    assert [str(match) for match in cfnlint.api.lint(rendered, regions=["us-east-1"])] == []


REFUSALS = [
    (
        "on-instance-variant",
        _instances(MaxCapacity=4, TargetProvisionedConcurrencyUtilization=0.5),
        "Classifier.Variants[0].AutoScaling: TargetProvisionedConcurrencyUtilization applies to serverless "
        "variants (sagemaker:variant:DesiredProvisionedConcurrency), this variant is instance-based; use "
        "TargetInvocationsPerInstance or MaxRequestsPerSecond or TargetBacklogPerInstance or "
        "TargetCpuUtilization",
    ),
    (
        "instance-kind-on-serverless",
        _serverless(MaxCapacity=4, TargetInvocationsPerInstance=70),
        "Classifier.Variants[0].AutoScaling: TargetInvocationsPerInstance applies to instance-based variants "
        "(sagemaker:variant:DesiredInstanceCount), this variant is serverless; use "
        "TargetProvisionedConcurrencyUtilization",
    ),
    (
        "cpu-kind-on-serverless",
        _serverless(MaxCapacity=4, TargetCpuUtilization=50),
        "Classifier.Variants[0].AutoScaling: TargetCpuUtilization applies to instance-based variants "
        "(sagemaker:variant:DesiredInstanceCount), this variant is serverless; use "
        "TargetProvisionedConcurrencyUtilization",
    ),
    (
        "without-provisioned-concurrency",
        _serverless(None, MaxCapacity=4, TargetProvisionedConcurrencyUtilization=0.5),
        "Classifier.Variants[0].AutoScaling: TargetProvisionedConcurrencyUtilization scales provisioned "
        "concurrency: give the variant Serverless.ProvisionedConcurrency",
    ),
    (
        "max-above-max-concurrency",
        _serverless(MaxCapacity=11, TargetProvisionedConcurrencyUtilization=0.5),
        "Classifier.Variants[0].AutoScaling: MaxCapacity 11 is greater than Serverless.MaxConcurrency 10 "
        "(provisioned concurrency is at most MaxConcurrency)",
    ),
    (
        "target-above-one",
        _serverless(MaxCapacity=4, TargetProvisionedConcurrencyUtilization=1.5),
        "Classifier.Variants[0].AutoScaling.TargetProvisionedConcurrencyUtilization: must be a number "
        "greater than 0 and at most 1, got 1.5",
    ),
    (
        "target-zero",
        _serverless(MaxCapacity=4, TargetProvisionedConcurrencyUtilization=0),
        "Classifier.Variants[0].AutoScaling.TargetProvisionedConcurrencyUtilization: must be a number "
        "greater than 0 and at most 1, got 0",
    ),
]


@pytest.mark.parametrize(
    ("variant", "message"), [case[1:] for case in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_provisioned_concurrency_refusals_say_why_in_one_line(variant: dict[str, Any], message: str) -> None:
    # GIVEN a variant the kind does not fit WHEN expanded THEN the refusal names path and reason
    refusal = _refusal(variant)
    assert refusal == message
    assert "\n" not in refusal
