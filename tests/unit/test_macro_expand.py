"""Expansion of ``SageMakerRollout::Endpoint``: wiring, forms, pass-through, purity, the Lambda handler."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout.macro import (
    DEFAULT_SERVICE_TOKEN,
    expand_template,
    handle_event,
    handler,
    strip_transform,
)
from sagemaker_rollout_tools import cfn_yaml

REPO = Path(__file__).resolve().parents[2]
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"
ROLE = "arn:aws:iam::123456789012:role/sm"


def _variant(name: str = "model-a", **extra: Any) -> dict[str, Any]:
    variant: dict[str, Any] = {
        "Name": name,
        "Model": {"Image": "img:1", "ModelDataUrl": "s3://b/m.tar.gz", "ExecutionRoleArn": ROLE},
        "InstanceType": "ml.c5.xlarge",
        "InstanceCount": 2,
    }
    variant.update(extra)
    return variant


def _template(properties: dict[str, Any], **resource: Any) -> dict[str, Any]:
    return {
        "Transform": "SageMakerRollout",
        "Resources": {
            "Classifier": {"Type": "SageMakerRollout::Endpoint", "Properties": properties, **resource}
        },
    }


def _expand(properties: dict[str, Any], parameters: dict[str, Any] | None = None, **resource: Any) -> Any:
    return expand_template(_template(properties, **resource), service_token=TOKEN, parameters=parameters)[
        "Resources"
    ]


def _render_example(name: str) -> dict[str, Any]:
    template = cfn_yaml.load((REPO / "templates" / name).read_text())
    from sagemaker_rollout_tools.cli._common import render_template

    return render_template(template)


def test_expand_ab_example_scalable_targets_and_policies_per_variant() -> None:
    # GIVEN the A/B example (two autoscaled variants, endpoint text-classification-ab)
    resources = _render_example("ab-test.yaml")["Resources"]
    # WHEN looking at its autoscaling resources
    for variant in ("model-a", "model-b"):
        prefix = "TextClassifier" + "".join(part.capitalize() for part in variant.split("-"))
        target = resources[f"{prefix}ScalableTarget"]
        policy = resources[f"{prefix}ScalingPolicy"]
        # THEN each variant has a registered scalable target and a target-tracking policy on it
        assert target["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
        assert target["DependsOn"] == ["TextClassifier"]
        assert target["Properties"] == {
            "MaxCapacity": 3,
            "MinCapacity": 1,
            "ResourceId": f"endpoint/text-classification-ab/variant/{variant}",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ServiceNamespace": "sagemaker",
        }
        tracking = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        assert policy["Properties"]["PolicyType"] == "TargetTrackingScaling"
        assert policy["Properties"]["ScalingTargetId"] == {"Ref": f"{prefix}ScalableTarget"}
        assert tracking["TargetValue"] == 70
        assert tracking["PredefinedMetricSpecification"] == {
            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
        }


def test_expand_ab_example_rollback_config_names_exactly_the_alarms() -> None:
    # GIVEN the rendered A/B example
    resources = _render_example("ab-test.yaml")["Resources"]
    alarms = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    endpoint = resources["TextClassifier"]
    # WHEN comparing the endpoint's rollback alarms with the generated alarms
    rollback = endpoint["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    # THEN they are the same set, and every alarm watches its variant of this endpoint
    assert [a["AlarmName"] for a in rollback] == [a["Properties"]["AlarmName"] for a in alarms.values()]
    assert len(alarms) == 3
    assert sorted(endpoint["DependsOn"]) == sorted(alarms)
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["Namespace"] == "AWS/SageMaker"
        assert [d["Name"] for d in props["Dimensions"]] == ["EndpointName", "VariantName"]
        assert props["Dimensions"][0]["Value"] == "text-classification-ab"
        assert props["AlarmActions"] == [{"Ref": "OpsTopic"}]
    assert "Classifier" not in json.dumps([a["Properties"]["Dimensions"] for a in alarms.values()])


def test_expand_inline_model_creates_model_and_variant_uses_its_name() -> None:
    # GIVEN one variant with an inline single-container model
    resources = _expand(
        {
            "Variants": [
                _variant(Model={"Image": "img:1", "ExecutionRoleArn": ROLE, "Environment": {"A": "1"}})
            ]
        }
    )
    # WHEN expanded
    model = resources["ClassifierModelAModel"]
    variant = resources["Classifier"]["Properties"]["ProductionVariants"][0]
    # THEN the model resource holds the container and the variant refers to its name
    assert model["Type"] == "AWS::SageMaker::Model"
    assert model["Properties"] == {
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": "img:1", "Environment": {"A": "1"}},
    }
    assert variant == {
        "VariantName": "model-a",
        "ModelName": {"Fn::GetAtt": ["ClassifierModelAModel", "ModelName"]},
        "InstanceType": "ml.c5.xlarge",
        "InitialInstanceCount": 2,
        "InitialVariantWeight": 1,
    }


def test_expand_pipeline_model_with_vpc_and_isolation_maps_containers() -> None:
    # GIVEN an inference pipeline with a VPC and network isolation
    vpc = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    model = {
        "Containers": [{"Image": "pre:1"}, {"Image": "xgb:1", "ModelDataUrl": "s3://b/x.tar.gz"}],
        "ExecutionRoleArn": ROLE,
        "VpcConfig": vpc,
        "EnableNetworkIsolation": "true",
        "InferenceExecutionConfig": {"Mode": "Serial"},
    }
    # WHEN expanded
    props = _expand({"Variants": [_variant(Model=model)]})["ClassifierModelAModel"]["Properties"]
    # THEN the containers, VPC, isolation flag (as a boolean) and execution mode are carried over
    assert props["Containers"] == [{"Image": "pre:1"}, {"Image": "xgb:1", "ModelDataUrl": "s3://b/x.tar.gz"}]
    assert "PrimaryContainer" not in props
    assert props["VpcConfig"] == vpc
    assert props["EnableNetworkIsolation"] is True
    assert props["InferenceExecutionConfig"] == {"Mode": "Serial"}


def test_expand_model_name_variant_creates_no_model() -> None:
    # GIVEN a variant naming an existing model
    variant = {
        "Name": "b",
        "ModelName": {"Fn::GetAtt": ["ModelB", "ModelName"]},
        "InstanceType": "ml.m5.large",
    }
    # WHEN expanded
    resources = _expand({"Variants": [variant]})
    # THEN only the endpoint is generated and the name passes through
    assert list(resources) == ["Classifier"]
    assert resources["Classifier"]["Properties"]["ProductionVariants"][0]["ModelName"] == {
        "Fn::GetAtt": ["ModelB", "ModelName"]
    }


def test_expand_serverless_variant_has_serverless_config_and_no_instances() -> None:
    # GIVEN a serverless variant
    variant = {
        "Name": "s",
        "ModelName": "m",
        "Serverless": {"MemorySizeInMB": 2048, "MaxConcurrency": 5, "ProvisionedConcurrency": 1},
    }
    # WHEN expanded
    production = _expand({"Variants": [variant]})["Classifier"]["Properties"]["ProductionVariants"][0]
    # THEN it carries ServerlessConfig only
    assert production == {
        "VariantName": "s",
        "ModelName": "m",
        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5, "ProvisionedConcurrency": 1},
        "InitialVariantWeight": 1,
    }


def test_expand_without_endpoint_name_computes_a_short_unique_name() -> None:
    # GIVEN no EndpointName and an autoscaled variant
    auto = {"MinCapacity": 1, "MaxCapacity": 2, "TargetInvocationsPerInstance": 10}
    resources = _expand({"Variants": [_variant(InstanceCount=1, AutoScaling=auto)]})
    # WHEN looking at the endpoint name and the scalable target
    name = resources["Classifier"]["Properties"]["EndpointName"]
    # THEN the name is "<logical id>-<stack uuid>" (at most 26 + 1 + 36 characters) and reused verbatim
    assert name == {
        "Fn::Join": ["-", ["classifier", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]]
    }
    assert resources["ClassifierModelAScalableTarget"]["Properties"]["ResourceId"] == {
        "Fn::Join": ["", ["endpoint/", name, "/variant/model-a"]]
    }


@pytest.mark.parametrize(
    ("autoscaling", "expected"),
    [
        (
            {"MaxCapacity": 4, "MaxRequestsPerSecond": 20},
            {
                "TargetValue": 600,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
            },
        ),
        (
            {"MaxCapacity": 4, "MaxRequestsPerSecond": "10", "SafetyFactor": 0.25, "ScaleInCooldown": 120},
            {
                "TargetValue": 150,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
                "ScaleInCooldown": 120,
            },
        ),
        (
            {"MaxCapacity": 4, "TargetCpuUtilization": 60, "DisableScaleIn": True},
            {
                "TargetValue": 60,
                "CustomizedMetricSpecification": {
                    "MetricName": "CPUUtilization",
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": "ep"},
                        {"Name": "VariantName", "Value": "model-a"},
                    ],
                    "Statistic": "Average",
                },
                "DisableScaleIn": True,
            },
        ),
    ],
    ids=["max-rps-default-safety", "max-rps-custom-safety", "cpu"],
)
def test_expand_autoscaling_target_maps_to_target_tracking(
    autoscaling: dict[str, Any], expected: Any
) -> None:
    # GIVEN a variant autoscaling on the given target
    resources = _expand(
        {"EndpointName": "ep", "Variants": [_variant(InstanceCount=1, AutoScaling=autoscaling)]}
    )
    # WHEN expanded
    tracking = resources["ClassifierModelAScalingPolicy"]["Properties"][
        "TargetTrackingScalingPolicyConfiguration"
    ]
    # THEN the policy tracks the right metric at the right value (CDK's rps * 60 * safety factor)
    assert tracking == expected


def test_expand_backlog_scale_from_zero_adds_step_policy_and_wake_alarm() -> None:
    # GIVEN an async endpoint scaling on backlog from zero
    auto = {"MinCapacity": 0, "MaxCapacity": 2, "TargetBacklogPerInstance": 5, "ScaleFromZero": True}
    resources = _expand(
        {
            "EndpointName": "ep",
            "AsyncInference": {"OutputPath": "s3://b/out"},
            "Variants": [_variant(InstanceCount=1, AutoScaling=auto)],
        }
    )
    # WHEN expanded
    tracking = resources["ClassifierModelAScalingPolicy"]["Properties"][
        "TargetTrackingScalingPolicyConfiguration"
    ]
    step = resources["ClassifierModelAScaleFromZeroPolicy"]["Properties"]
    alarm = resources["ClassifierModelAHasBacklogWithoutCapacityAlarm"]["Properties"]
    # THEN backlog tracking, a +1 step policy and the HasBacklogWithoutCapacity alarm that triggers it exist
    assert tracking["CustomizedMetricSpecification"]["MetricName"] == "ApproximateBacklogSizePerInstance"
    assert tracking["CustomizedMetricSpecification"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": "ep"}
    ]
    assert step["PolicyType"] == "StepScaling"
    assert step["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}
    ]
    assert alarm["MetricName"] == "HasBacklogWithoutCapacity"
    assert alarm["AlarmActions"] == [{"Ref": "ClassifierModelAScaleFromZeroPolicy"}]
    assert resources["ClassifierModelAScalableTarget"]["Properties"]["MinCapacity"] == 0
    # AND the wake-up alarm is no rollback alarm
    assert "DeploymentConfig" not in resources["Classifier"]["Properties"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            5,
            {
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 5,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
            },
        ),
        (
            {
                "Threshold": 100,
                "Statistic": "p99.9",
                "Period": 300,
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "breaching",
            },
            {
                "ExtendedStatistic": "p99.9",
                "Period": 300,
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                "Threshold": 100,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "breaching",
            },
        ),
    ],
    ids=["shorthand", "full"],
)
def test_expand_alarm_forms_map_to_cloudwatch_alarm(spec: Any, expected: dict[str, Any]) -> None:
    # GIVEN a 5XX alarm in shorthand or full form
    resources = _expand({"EndpointName": "ep", "Variants": [_variant(Alarms={"Invocation5XXErrors": spec})]})
    # WHEN expanded
    props = resources["ClassifierModelAInvocation5XXErrorsAlarm"]["Properties"]
    # THEN the alarm has the statistic, period and comparison asked for
    assert {
        k: v for k, v in props.items() if k in expected or k in ("Statistic", "ExtendedStatistic")
    } == expected
    assert props["AlarmName"] == {"Fn::Sub": "${AWS::StackName}-Classifier-model-a-Invocation5XXErrors"}


@pytest.mark.parametrize(
    ("metric", "namespace", "statistic"),
    [
        ("Invocation4XXErrors", "AWS/SageMaker", "Sum"),
        ("OverheadLatency", "AWS/SageMaker", "Average"),
        ("InvocationsPerInstance", "AWS/SageMaker", "Sum"),
        ("CPUUtilization", "/aws/sagemaker/Endpoints", "Average"),
        ("MemoryUtilization", "/aws/sagemaker/Endpoints", "Average"),
        ("DiskUtilization", "/aws/sagemaker/Endpoints", "Average"),
        ("GPUUtilization", "/aws/sagemaker/Endpoints", "Average"),
        ("GPUMemoryUtilization", "/aws/sagemaker/Endpoints", "Average"),
    ],
)
def test_expand_alarm_metric_uses_its_namespace(metric: str, namespace: str, statistic: str) -> None:
    # GIVEN a shorthand alarm on the metric
    resources = _expand({"Variants": [_variant(Alarms={metric: 80})]})
    # WHEN expanded
    props = resources[f"ClassifierModelA{metric}Alarm"]["Properties"]
    # THEN it lives in the metric's namespace with the metric's default statistic
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (namespace, metric, statistic)


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (
            {"Strategy": "AllAtOnce"},
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
                }
            },
        ),
        (
            {
                "Strategy": "Canary",
                "CanarySize": "25%",
                "WaitIntervalSeconds": 120,
                "TerminationWaitSeconds": 60,
            },
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": 120,
                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                    },
                    "TerminationWaitInSeconds": 60,
                }
            },
        ),
        (
            {
                "Strategy": "Linear",
                "LinearStepSize": 1,
                "WaitIntervalSeconds": 60,
                "MaximumExecutionTimeoutSeconds": 1800,
            },
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "LINEAR",
                        "WaitIntervalInSeconds": 60,
                        "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    },
                    "MaximumExecutionTimeoutInSeconds": 1800,
                }
            },
        ),
        (
            {"Strategy": "Rolling", "BatchSize": "50%", "WaitIntervalSeconds": 60},
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
                    "WaitIntervalInSeconds": 60,
                }
            },
        ),
    ],
    ids=["all-at-once", "canary", "linear", "rolling"],
)
def test_expand_deployment_strategy_maps_to_sagemaker_config(
    deployment: dict[str, Any], expected: Any
) -> None:
    # GIVEN one 2-instance variant and a strategy
    resources = _expand({"Variants": [_variant()], "Deployment": deployment})
    # WHEN expanded
    # THEN the endpoint's DeploymentConfig is SageMaker's shape of that strategy
    assert resources["Classifier"]["Properties"]["DeploymentConfig"] == expected


def test_expand_rollback_on_alarms_false_omits_rollback_and_dependency() -> None:
    # GIVEN alarms but RollbackOnAlarms false
    resources = _expand(
        {"Variants": [_variant(Alarms={"ModelLatency": 1000})], "Deployment": {"RollbackOnAlarms": False}}
    )
    # WHEN expanded
    endpoint = resources["Classifier"]
    # THEN the alarm exists but the endpoint neither names nor waits for it
    assert "ClassifierModelAModelLatencyAlarm" in resources
    assert "AutoRollbackConfiguration" not in endpoint["Properties"]["DeploymentConfig"]
    assert "DependsOn" not in endpoint


def test_expand_endpoint_level_options_map_to_provider_properties() -> None:
    # GIVEN data capture, async inference, a KMS key, a timeout and tags
    props = {
        "Variants": [_variant()],
        "DataCapture": {
            "DestinationS3Uri": "s3://b/cap",
            "SamplingPercentage": 20,
            "CaptureModes": ["Input"],
            "JsonContentTypes": ["application/json"],
        },
        "AsyncInference": {
            "OutputPath": "s3://b/o",
            "FailurePath": "s3://b/f",
            "SuccessTopic": "arn:aws:sns:us-east-1:123456789012:ok",
            "ErrorTopic": "arn:aws:sns:us-east-1:123456789012:err",
            "MaxConcurrentInvocationsPerInstance": 4,
        },
        "KmsKeyId": "alias/k",
        "ServiceTimeout": 1800,
        "Tags": {"team": "ml", "cost": 12},
    }
    # WHEN expanded
    endpoint = _expand(props)["Classifier"]["Properties"]
    # THEN each maps to the SageMaker-shaped property of Custom::SageMakerEndpoint
    assert endpoint["DataCaptureConfig"] == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 20,
        "DestinationS3Uri": "s3://b/cap",
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"]},
    }
    assert endpoint["AsyncInferenceConfig"] == {
        "OutputConfig": {
            "S3OutputPath": "s3://b/o",
            "S3FailurePath": "s3://b/f",
            "NotificationConfig": {
                "SuccessTopic": "arn:aws:sns:us-east-1:123456789012:ok",
                "ErrorTopic": "arn:aws:sns:us-east-1:123456789012:err",
            },
        },
        "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
    }
    assert endpoint["KmsKeyId"] == "alias/k"
    assert endpoint["ServiceTimeout"] == 1800
    assert endpoint["Tags"] == [{"Key": "team", "Value": "ml"}, {"Key": "cost", "Value": "12"}]


def test_expand_dashboard_has_four_widgets_per_instance_variant() -> None:
    # GIVEN two instance variants and Dashboard: true
    resources = _expand(
        {"EndpointName": "ep", "Dashboard": True, "Variants": [_variant("a"), _variant("b", Weight=1)]}
    )
    # WHEN expanded
    body, variables = resources["ClassifierDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    # THEN each variant has invocations, latency, errors and instance widgets bound to the endpoint name
    assert len(widgets) == 8
    assert variables == {"EndpointName": "ep"}
    assert {w["properties"]["title"] for w in widgets} >= {"a: Invocations", "b: Errors", "b: Instances"}


def test_expand_resource_attributes_propagate() -> None:
    # GIVEN a compact resource with Condition, DependsOn and DeletionPolicy
    resources = _expand(
        {"Variants": [_variant(Alarms={"Invocation5XXErrors": 1})]},
        Condition="IsProd",
        DependsOn="Bucket",
        DeletionPolicy="Retain",
    )
    # WHEN expanded
    # THEN every generated resource has the condition; the endpoint keeps DependsOn and DeletionPolicy
    assert all(resource["Condition"] == "IsProd" for resource in resources.values())
    assert resources["Classifier"]["DependsOn"] == ["Bucket", "ClassifierModelAInvocation5XXErrorsAlarm"]
    assert resources["Classifier"]["DeletionPolicy"] == "Retain"
    assert "DeletionPolicy" not in resources["ClassifierModelAModel"]


def test_expand_parameter_refs_resolved_for_computation_and_kept_for_pass_through() -> None:
    # GIVEN parameters used for the instance count and the request rate
    auto = {"MaxCapacity": {"Ref": "Max"}, "MaxRequestsPerSecond": {"Ref": "Rps"}}
    props = {"Variants": [_variant(InstanceCount={"Ref": "Count"}, AutoScaling=auto)]}
    # WHEN expanded with parameter values
    resources = _expand(props, {"Count": "2", "Max": "3", "Rps": "5"})
    # THEN the computed target uses the values and pass-through values keep the Ref
    policy = resources["ClassifierModelAScalingPolicy"]["Properties"]
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 150
    assert resources["ClassifierModelAScalableTarget"]["Properties"]["MaxCapacity"] == {"Ref": "Max"}
    assert resources["Classifier"]["Properties"]["ProductionVariants"][0]["InitialInstanceCount"] == {
        "Ref": "Count"
    }


def test_expand_other_resources_and_sections_pass_through_unchanged() -> None:
    # GIVEN a template with other resources, outputs, conditions and the compact resource
    template = _template({"Variants": [_variant()]})
    template["Resources"] = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "N"}}},
        **template["Resources"],
        "Topic": {"Type": "AWS::SNS::Topic"},
    }
    template["Outputs"] = {"Name": {"Value": {"Fn::GetAtt": ["Classifier", "EndpointName"]}}}
    template["Conditions"] = {"C": {"Fn::Equals": ["a", "b"]}}
    before = copy.deepcopy(template)
    # WHEN expanded
    result = expand_template(template, service_token=TOKEN)
    # THEN the input is untouched, other entries are equal and the order of resources is kept
    assert template == before
    assert result["Outputs"] == template["Outputs"] and result["Conditions"] == template["Conditions"]
    assert result["Transform"] == "SageMakerRollout"
    assert list(result["Resources"]) == ["Bucket", "ClassifierModelAModel", "Classifier", "Topic"]
    assert result["Resources"]["Bucket"] == template["Resources"]["Bucket"]


def test_expand_same_input_gives_byte_identical_output() -> None:
    # GIVEN the canary example
    template = cfn_yaml.load((REPO / "templates" / "canary-with-alarms.yaml").read_text())
    # WHEN expanding it twice
    first = cfn_yaml.dump(expand_template(template, service_token=DEFAULT_SERVICE_TOKEN))
    second = cfn_yaml.dump(expand_template(copy.deepcopy(template), service_token=DEFAULT_SERVICE_TOKEN))
    # THEN the texts are identical
    assert first == second


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        ("SageMakerRollout", None),
        (["AWS::Serverless-2016-10-31", "SageMakerRollout"], "AWS::Serverless-2016-10-31"),
        (["A", "SageMakerRollout", "B"], ["A", "B"]),
        ("Other", "Other"),
    ],
)
def test_strip_transform_removes_only_the_macro(transform: Any, expected: Any) -> None:
    # GIVEN a Transform entry
    # WHEN stripping the macro
    result = strip_transform({"Transform": transform, "Resources": {}})
    # THEN only the macro is gone
    assert result.get("Transform") == expected


def test_handle_event_success_returns_fragment_with_service_token() -> None:
    # GIVEN a macro event
    event = {
        "requestId": "req-1",
        "fragment": _template({"Variants": [_variant()]}),
        "templateParameterValues": {},
        "region": "us-east-1",
        "accountId": "123456789012",
    }
    # WHEN handled
    response = handle_event(event, TOKEN)
    # THEN success with the expanded fragment carrying the provider ARN
    assert response["requestId"] == "req-1" and response["status"] == "success"
    assert response["fragment"]["Resources"]["Classifier"]["Properties"]["ServiceToken"] == TOKEN


def test_handler_failure_returns_error_message(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the provider ARN in the environment and a bad template
    monkeypatch.setenv("SAGEMAKER_ROLLOUT_PROVIDER_ARN", TOKEN)
    auto = {"MinCapacity": 5, "MaxCapacity": 3, "TargetInvocationsPerInstance": 10}
    event = {"requestId": "req-2", "fragment": _template({"Variants": [_variant(AutoScaling=auto)]})}
    # WHEN the Lambda handler runs
    response = handler(event, None)
    # THEN it answers failure with the located message
    assert response == {
        "requestId": "req-2",
        "status": "failure",
        "errorMessage": "Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than MaxCapacity 3",
    }


def test_handler_without_provider_arn_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no provider ARN in the environment
    monkeypatch.delenv("SAGEMAKER_ROLLOUT_PROVIDER_ARN", raising=False)
    # WHEN the handler runs
    response = handler({"requestId": "r", "fragment": {"Resources": {}}}, None)
    # THEN it fails naming the variable
    assert response["status"] == "failure" and "SAGEMAKER_ROLLOUT_PROVIDER_ARN" in response["errorMessage"]
