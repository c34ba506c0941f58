"""Validation of compact templates: every refusal names resource, property path and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout.macro import MacroError, expand_template, handle_event

TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"
ROLE = "arn:aws:iam::123456789012:role/sm"


def _variant(name: str = "model-a", **extra: Any) -> dict[str, Any]:
    variant: dict[str, Any] = {
        "Name": name,
        "Model": {"Image": "img:1", "ExecutionRoleArn": ROLE},
        "InstanceType": "ml.c5.xlarge",
        "InstanceCount": 2,
    }
    variant.update(extra)
    return variant


def _auto(**extra: Any) -> dict[str, Any]:
    return {"MinCapacity": 1, "MaxCapacity": 4, "TargetInvocationsPerInstance": 70, **extra}


def _serverless(name: str = "s") -> dict[str, Any]:
    return {"Name": name, "ModelName": "m", "Serverless": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}


def _template(properties: dict[str, Any], **resources: Any) -> dict[str, Any]:
    return {
        "Resources": {
            **resources,
            "Classifier": {"Type": "SageMakerRollout::Endpoint", "Properties": properties},
        }
    }


CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown-endpoint-key",
        {"Variants": [_variant()], "Colour": "red"},
        "Classifier.Properties: unknown key 'Colour' (allowed: EndpointName, Variants, Deployment, "
        "AlarmActions, "
        "AsyncInference, DataCapture, KmsKeyId, Dashboard, Tags, ServiceTimeout, SmokeTest, "
        "AdoptExistingEndpoint, Provider)",
    ),
    (
        "unknown-autoscaling-key",
        {"Variants": [_variant(AutoScaling=_auto(Target=3))]},
        "Classifier.Variants[0].AutoScaling: unknown key 'Target' (allowed: MinCapacity, MaxCapacity, "
        "TargetInvocationsPerInstance, MaxRequestsPerSecond, TargetBacklogPerInstance, TargetCpuUtilization, "
        "TargetProvisionedConcurrencyUtilization, SafetyFactor, ScaleFromZero, ScaleInCooldown, "
        "ScaleOutCooldown, DisableScaleIn, RoleARN, "
        "SuspendedState, PolicyName, ScaleFromZeroPolicyName)",
    ),
    (
        "unknown-alarm-metric",
        {"Variants": [_variant(Alarms={"Latency": 5})]},
        "Classifier.Variants[0].Alarms: unknown key 'Latency' (did you mean ModelLatency? allowed: "
        "Invocations, Invocation4XXErrors, "
        "Invocation5XXErrors, InvocationModelErrors, InvocationsPerInstance, ModelLatency, OverheadLatency, "
        "CPUUtilization, MemoryUtilization, DiskUtilization, GPUUtilization, GPUMemoryUtilization)",
    ),
    (
        "min-greater-than-max",
        {"Variants": [_variant(AutoScaling=_auto(MinCapacity=5, MaxCapacity=3))]},
        "Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than MaxCapacity 3",
    ),
    (
        "count-above-max",
        {"Variants": [_variant(InstanceCount=5, AutoScaling=_auto())]},
        "Classifier.Variants[0].AutoScaling: InstanceCount 5 is outside [MinCapacity 1, MaxCapacity 4]",
    ),
    (
        "count-above-max",
        {"Variants": [_variant(InstanceCount=5, AutoScaling=_auto(MinCapacity=2))]},
        "Classifier.Variants[0].AutoScaling: InstanceCount 5 is outside [MinCapacity 2, MaxCapacity 4]",
    ),
    (
        "burstable-autoscaling",
        {"Variants": [_variant(InstanceType="ml.t2.medium", AutoScaling=_auto())]},
        "Classifier.Variants[0].AutoScaling: autoscaling is not supported on burstable instance type "
        "ml.t2.medium "
        "(ml.t*); use another instance family or remove AutoScaling",
    ),
    (
        "canary-percent-over-half",
        {"Variants": [_variant()], "Deployment": {"Strategy": "Canary", "CanarySize": "60%"}},
        "Classifier.Deployment.CanarySize: 60% is larger than half the fleet (at most 50%)",
    ),
    (
        "canary-count-over-half",
        {"Variants": [_variant(InstanceCount=3)], "Deployment": {"Strategy": "Canary", "CanarySize": 2}},
        "Classifier.Deployment.CanarySize: 2 instance(s) is larger than half the fleet (3 instance(s) in the "
        "smallest variant; at most 1)",
    ),
    (
        "rolling-several-variants",
        {"Variants": [_variant("a"), _variant("b")], "Deployment": {"Strategy": "Rolling"}},
        "Classifier.Deployment.Strategy: Rolling updates support a single variant, the endpoint has 2; use "
        "AllAtOnce, Canary or Linear",
    ),
    (
        "rolling-serverless",
        {"Variants": [_serverless()], "Deployment": {"Strategy": "Rolling"}},
        "Classifier.Deployment.Strategy: Rolling updates are not supported for serverless variants; use "
        "AllAtOnce",
    ),
    (
        "serverless-with-autoscaling",
        {"Variants": [{**_serverless(), "AutoScaling": _auto()}]},
        "Classifier.Variants[0].AutoScaling: TargetInvocationsPerInstance applies to instance-based variants "
        "(sagemaker:variant:DesiredInstanceCount), this variant is serverless; use "
        "TargetProvisionedConcurrencyUtilization",
    ),
    (
        "serverless-with-instance-count",
        {"Variants": [{**_serverless(), "InstanceCount": 1}]},
        "Classifier.Variants[0]: InstanceCount cannot be combined with Serverless (a serverless variant "
        "has no "
        "instances)",
    ),
    (
        "serverless-mixed-with-instances",
        {"Variants": [_variant(), _serverless()]},
        "Classifier.Variants: serverless and instance-based variants cannot be mixed in one endpoint",
    ),
    (
        "duplicate-variant-names",
        {"Variants": [_variant("a"), _variant("a")]},
        "Classifier.Variants[1].Name: duplicate variant name 'a' (also Variants[0])",
    ),
    (
        "variant-ids-collide",
        {"Variants": [_variant("model-a"), _variant("model--a")]},
        "Classifier: generated logical id 'ClassifierModelAModel' is produced twice; variant names must "
        "differ in "
        "more than punctuation or case",
    ),
    ("no-variants", {"Variants": []}, "Classifier.Variants: must have 1 to 10 items, got 0"),
    (
        "too-many-variants",
        {"Variants": [_variant(f"v{i}") for i in range(11)]},
        "Classifier.Variants: must have 1 to 10 items, got 11",
    ),
    (
        "model-and-model-name",
        {"Variants": [_variant(ModelName="m")]},
        "Classifier.Variants[0]: give exactly one of Model (an inline model) or ModelName",
    ),
    (
        "model-without-role",
        {"Variants": [_variant(Model={"Image": "img"})]},
        "Classifier.Variants[0].Model: ExecutionRoleArn is required",
    ),
    (
        "bad-instance-count",
        {"Variants": [_variant(InstanceCount="two")]},
        "Classifier.Variants[0].InstanceCount: must be a whole number >= 1, got 'two'",
    ),
    (
        "bad-endpoint-name",
        {"EndpointName": "my_endpoint", "Variants": [_variant()]},
        "Classifier.EndpointName: 'my_endpoint' is not a valid SageMaker endpoint name (1-63 letters, "
        "digits and "
        "hyphens, starting and ending with a letter or digit)",
    ),
    (
        "two-scaling-targets",
        {"Variants": [_variant(AutoScaling=_auto(TargetCpuUtilization=50))]},
        "Classifier.Variants[0].AutoScaling: give exactly one scaling target: TargetInvocationsPerInstance, "
        "MaxRequestsPerSecond, TargetBacklogPerInstance, TargetCpuUtilization, "
        "TargetProvisionedConcurrencyUtilization (got "
        "TargetInvocationsPerInstance, "
        "TargetCpuUtilization)",
    ),
    (
        "backlog-without-async",
        {"Variants": [_variant(AutoScaling={"MaxCapacity": 2, "TargetBacklogPerInstance": 5})]},
        "Classifier.Variants[0].AutoScaling: TargetBacklogPerInstance needs an asynchronous endpoint "
        "(AsyncInference)",
    ),
    (
        "min-zero-without-async",
        {"Variants": [_variant(InstanceCount=1, AutoScaling=_auto(MinCapacity=0))]},
        "Classifier.Variants[0].AutoScaling: MinCapacity 0 is only allowed for asynchronous endpoints "
        "(AsyncInference)",
    ),
    (
        "scale-from-zero-needs-min-zero",
        {
            "AsyncInference": {"OutputPath": "s3://b/o"},
            "Variants": [
                _variant(AutoScaling={"MaxCapacity": 2, "TargetBacklogPerInstance": 5, "ScaleFromZero": True})
            ],
        },
        "Classifier.Variants[0].AutoScaling: ScaleFromZero needs MinCapacity 0, got 1",
    ),
    (
        "canary-without-size",
        {"Variants": [_variant()], "Deployment": {"Strategy": "Canary"}},
        "Classifier.Deployment: CanarySize is required for Strategy Canary (a percent like 10% or a whole "
        "instance "
        "count)",
    ),
    (
        "unknown-strategy",
        {"Variants": [_variant()], "Deployment": {"Strategy": "BlueGreen"}},
        "Classifier.Deployment.Strategy: must be one of AllAtOnce, Canary, Linear, Rolling, got 'BlueGreen'",
    ),
    (
        "rollback-without-alarms",
        {"Variants": [_variant()], "Deployment": {"RollbackOnAlarms": True}},
        "Classifier.Deployment.RollbackOnAlarms: is true but no variant has Alarms to roll back on",
    ),
    (
        "too-many-rollback-alarms",
        {
            "Variants": [
                _variant(
                    "a",
                    Alarms={
                        m: 1
                        for m in (
                            "Invocations",
                            "Invocation4XXErrors",
                            "Invocation5XXErrors",
                            "ModelLatency",
                            "OverheadLatency",
                            "CPUUtilization",
                        )
                    },
                ),
                _variant(
                    "b",
                    Alarms={
                        m: 1
                        for m in (
                            "Invocations",
                            "Invocation4XXErrors",
                            "Invocation5XXErrors",
                            "ModelLatency",
                            "OverheadLatency",
                        )
                    },
                ),
            ]
        },
        "Classifier.Deployment.RollbackOnAlarms: 11 alarms exceed SageMaker's limit of 10 rollback alarms; "
        "set "
        "RollbackOnAlarms: false or drop some alarms",
    ),
    (
        "bad-statistic",
        {"Variants": [_variant(Alarms={"ModelLatency": {"Threshold": 1, "Statistic": "Median"}})]},
        "Classifier.Variants[0].Alarms.ModelLatency.Statistic: must be one of Sum, Average, Minimum, "
        "Maximum, "
        "SampleCount or a percentile like p99, got 'Median'",
    ),
    (
        "bad-serverless-memory",
        {"Variants": [{**_serverless(), "Serverless": {"MemorySizeInMB": 1000, "MaxConcurrency": 1}}]},
        "Classifier.Variants[0].Serverless.MemorySizeInMB: must be one of 1024, 2048, 3072, 4096, 5120, "
        "6144, "
        "got 1000",
    ),
    (
        "unresolvable-strategy",
        {"Variants": [_variant()], "Deployment": {"Strategy": {"Fn::If": ["C", "a", "b"]}}},
        "Classifier.Deployment.Strategy: must be one of AllAtOnce, Canary, Linear, Rolling (a literal or a "
        "Ref to a "
        "template parameter)",
    ),
]


@pytest.mark.parametrize(
    ("properties", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_expand_invalid_compact_resource_raises_located_error(
    properties: dict[str, Any], message: str
) -> None:
    # GIVEN an invalid compact resource
    template = _template(properties)
    # WHEN expanding it
    with pytest.raises(MacroError) as caught:
        expand_template(template, service_token=TOKEN)
    # THEN the one-line message names resource, path and what is allowed
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_expand_generated_id_colliding_with_user_resource_is_refused() -> None:
    # GIVEN a user resource whose id the macro would generate
    template = _template({"Variants": [_variant()]}, ClassifierModelAModel={"Type": "AWS::SNS::Topic"})
    # WHEN expanding
    with pytest.raises(MacroError) as caught:
        expand_template(template, service_token=TOKEN)
    # THEN the collision is named
    assert str(caught.value) == (
        "Classifier: generated logical id 'ClassifierModelAModel' collides with another resource of the "
        "template; "
        "rename that resource or this one"
    )


def test_expand_more_than_500_resources_is_refused() -> None:
    # GIVEN 50 endpoints x 10 variants with an alarm each (> 500 resources once expanded)
    resources = {
        f"Ep{index}": {
            "Type": "SageMakerRollout::Endpoint",
            "Properties": {
                "Variants": [
                    {
                        "Name": f"v{v}",
                        "ModelName": "m",
                        "InstanceType": "ml.m5.large",
                        "Alarms": {"Invocations": 1},
                    }
                    for v in range(10)
                ],
                "Deployment": {"RollbackOnAlarms": False},
            },
        }
        for index in range(50)
    }
    # WHEN expanding
    with pytest.raises(MacroError) as caught:
        expand_template({"Resources": resources}, service_token=TOKEN)
    # THEN CloudFormation's limit is named
    assert str(caught.value).startswith(
        "Resources: the expanded template has 550 resources; CloudFormation allows at most 500"
    )


def test_expand_provider_validation_errors_are_prefixed_with_logical_id() -> None:
    # GIVEN a deployment the provider refuses (worst case longer than the request's time limit)
    properties = {
        "Variants": [_variant(InstanceCount=10)],
        "Deployment": {"Strategy": "Linear", "LinearStepSize": "10%", "WaitIntervalSeconds": 600},
    }
    # WHEN expanding
    with pytest.raises(MacroError) as caught:
        expand_template(_template(properties), service_token=TOKEN)
    # THEN the provider's message is reported under the compact resource's id
    assert str(caught.value).startswith("Classifier: DeploymentConfig")
    assert "3600 s" in str(caught.value)


def test_handle_event_invalid_template_answers_failure() -> None:
    # GIVEN a macro event with duplicate variant names
    event = {"requestId": "abc", "fragment": _template({"Variants": [_variant("a"), _variant("a")]})}
    # WHEN handled
    response = handle_event(event, TOKEN)
    # THEN the macro answers failure with the message and no fragment
    assert response == {
        "requestId": "abc",
        "status": "failure",
        "errorMessage": "Classifier.Variants[1].Name: duplicate variant name 'a' (also Variants[0])",
    }
