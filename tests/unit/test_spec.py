"""Properties of Custom::SageMakerEndpoint: coercion and every refusal, without AWS."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties, validate_endpoint_properties


def _props(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
        "ProductionVariants": [
            {
                "VariantName": "model-a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": "4",
                "InitialVariantWeight": "2",
            },
            {
                "VariantName": "model-b",
                "ModelName": "model-b-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": "2",
                "InitialVariantWeight": "1",
            },
        ],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "WaitIntervalInSeconds": "300",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": "1"},
                },
                "TerminationWaitInSeconds": "60",
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "latency"}]},
        },
    }
    props.update(overrides)
    return props


def test_parse_strings_from_cloudformation_converted_to_api_types() -> None:
    # GIVEN properties as CloudFormation delivers them (every scalar a string)
    props = _props(RetainAllVariantProperties="false", ServiceTimeout="3000", EnableNetworkIsolation="true")
    # WHEN they are parsed
    spec = parse_endpoint_properties(props)
    # THEN numbers and booleans have SageMaker's types
    variant = spec.variants[0]
    assert variant["InitialInstanceCount"] == 4 and isinstance(variant["InitialInstanceCount"], int)
    assert variant["InitialVariantWeight"] == 2.0
    assert spec.retain_all_variant_properties is False
    assert spec.service_timeout == 3000
    assert spec.config["EnableNetworkIsolation"] is True
    routing = spec.deployment_config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]  # type: ignore[index]
    assert routing["CanarySize"]["Value"] == 1


def test_parse_defaults_retain_all_variant_properties_true() -> None:
    # GIVEN no retain flag WHEN parsed THEN capacity is retained by default
    spec = parse_endpoint_properties(_props())
    assert spec.retain_all_variant_properties is True
    assert spec.update_arguments()["RetainAllVariantProperties"] is True


def test_config_digest_same_content_same_digest_and_tags_ignored() -> None:
    # GIVEN two property sets differing only in tags and deployment config
    a = parse_endpoint_properties(_props(Tags=[{"Key": "team", "Value": "ml"}]))
    b = parse_endpoint_properties(_props(Tags=[{"Key": "team", "Value": "other"}], DeploymentConfig={}))
    c = parse_endpoint_properties(_props(KmsKeyId="alias/key"))
    # THEN the config digest depends only on the endpoint-config content
    assert a.config_digest == b.config_digest
    assert a.config_digest != c.config_digest


def _mutate(path: str, value: Any) -> dict[str, Any]:
    props = _props()
    target: Any = props
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return props


_DELETE = object()


def _unbraked(path: str, value: Any) -> dict[str, Any]:
    """``_mutate`` without a DeploymentConfig: no brake can stop the rollout."""
    props = _mutate(path, value)
    del props["DeploymentConfig"]
    return props


BAD_INPUTS = [
    ("unknown top-level property", _mutate("Foo", 1), "Foo", "unknown property"),
    (
        "typo gets a suggestion",
        _mutate("DeploymentConfg", {}),
        "DeploymentConfg",
        "did you mean DeploymentConfig",
    ),
    (
        "unknown variant property",
        _mutate("ProductionVariants.0.Weight", 1),
        "ProductionVariants[0].Weight",
        "unknown",
    ),
    (
        "count not a number",
        _mutate("ProductionVariants.0.InitialInstanceCount", "two"),
        "InitialInstanceCount",
        "whole number",
    ),
    (
        "count below minimum",
        _mutate("ProductionVariants.0.InitialInstanceCount", "0"),
        "InitialInstanceCount",
        "minimum 1",
    ),
    (
        "weight negative",
        _mutate("ProductionVariants.1.InitialVariantWeight", "-1"),
        "InitialVariantWeight",
        "minimum",
    ),
    (
        "bad variant name",
        _mutate("ProductionVariants.0.VariantName", "model a"),
        "VariantName",
        "does not match",
    ),
    ("no variants", _mutate("ProductionVariants", []), "ProductionVariants", "at least 1"),
    (
        "eleven variants",
        {
            **_props(),
            "ProductionVariants": [
                {
                    "VariantName": f"v{i}",
                    "ModelName": "m",
                    "InstanceType": "ml.c5.large",
                    "InitialInstanceCount": "2",
                }
                for i in range(11)
            ],
        },
        "ProductionVariants",
        "at most 10",
    ),
    ("variants missing", _mutate("ProductionVariants", _DELETE), "ProductionVariants", "is required"),
    (
        "duplicate variant names",
        _mutate("ProductionVariants.1.VariantName", "model-a"),
        "ProductionVariants[1].VariantName",
        "duplicate variant name",
    ),
    (
        "instance type and serverless",
        _mutate("ProductionVariants.0.ServerlessConfig", {"MemorySizeInMB": "2048", "MaxConcurrency": "5"}),
        "ProductionVariants[0]",
        "exactly one of InstanceType",
    ),
    (
        "bad instance type",
        _mutate("ProductionVariants.0.InstanceType", "c5.xlarge"),
        "InstanceType",
        "not an instance type",
    ),
    ("model missing", _mutate("ProductionVariants.0.ModelName", _DELETE), "ModelName", "is required"),
    (
        "canary over half the fleet",
        _mutate(
            "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize",
            {"Type": "INSTANCE_COUNT", "Value": "2"},
        ),
        "CanarySize",
        "more than half of variant model-b",
    ),
    (
        "canary percent over half",
        _mutate(
            "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize",
            {"Type": "CAPACITY_PERCENT", "Value": "60"},
        ),
        "CanarySize",
        "outside 0-50%",
    ),
    (
        "canary without size",
        _mutate("DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize", _DELETE),
        "CanarySize",
        "required when Type is CANARY",
    ),
    (
        "unknown traffic type",
        _mutate("DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type", "GRADUAL"),
        "TrafficRoutingConfiguration.Type",
        "ALL_AT_ONCE, CANARY, LINEAR",
    ),
    (
        "wait interval too long",
        _mutate(
            "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.WaitIntervalInSeconds", "3601"
        ),
        "WaitIntervalInSeconds",
        "maximum 3600",
    ),
    (
        "expected duration over the time limit",
        _mutate(
            "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.WaitIntervalInSeconds", "1800"
        ),
        "DeploymentConfig",
        "expected rollout 3960 s (Canary) exceeds the 3600 s time limit",
    ),
    ("service timeout over 3600", _mutate("ServiceTimeout", "7200"), "ServiceTimeout", "outside 1-3600"),
    (
        "worst case over a shorter service timeout names the largest part",
        _mutate("ServiceTimeout", "900"),
        "ProductionVariants[0].ModelDataDownloadTimeoutInSeconds",
        "exceeds the 900 s time limit of the request; largest part: download the model",
    ),
    (
        "download timeout makes the worst case of an unbraked rollout too long",
        _unbraked("ProductionVariants.1.ModelDataDownloadTimeoutInSeconds", "3600"),
        "ProductionVariants[1].ModelDataDownloadTimeoutInSeconds",
        "largest part: download the model, ModelDataDownloadTimeoutInSeconds 3600 s (3600 s)",
    ),
    (
        "health-check timeout makes the worst case of an unbraked rollout too long",
        _unbraked("ProductionVariants.0.ContainerStartupHealthCheckTimeoutInSeconds", "2500"),
        "ProductionVariants[0].ContainerStartupHealthCheckTimeoutInSeconds",
        "exceeds the 3600 s time limit of the request and no brake can stop it (no DeploymentConfig",
    ),
    (
        "rolling with two variants",
        _mutate(
            "DeploymentConfig",
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": "1"},
                    "WaitIntervalInSeconds": "60",
                }
            },
        ),
        "RollingUpdatePolicy",
        "exactly one production variant",
    ),
    (
        "both policies",
        _mutate(
            "DeploymentConfig.RollingUpdatePolicy",
            {"MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": "1"}, "WaitIntervalInSeconds": "60"},
        ),
        "DeploymentConfig",
        "either BlueGreenUpdatePolicy or RollingUpdatePolicy",
    ),
    (
        "execution timeout shorter than waits",
        _mutate("DeploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds", "600"),
        "MaximumExecutionTimeoutInSeconds",
        "longer than the 660 s",
    ),
    (
        "too many rollback alarms",
        _mutate(
            "DeploymentConfig.AutoRollbackConfiguration.Alarms", [{"AlarmName": f"a{i}"} for i in range(11)]
        ),
        "AutoRollbackConfiguration.Alarms",
        "at most 10",
    ),
    (
        "bad endpoint name",
        _mutate("EndpointName", "my_endpoint"),
        "EndpointName",
        "not a valid endpoint name",
    ),
    (
        "reserved tag",
        _mutate("Tags", [{"Key": "sagemaker-rollout:stack-id", "Value": "x"}]),
        "Tags[0].Key",
        "reserved",
    ),
    (
        "duplicate tag",
        _mutate("Tags", [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]),
        "Tags[1].Key",
        "duplicate",
    ),
    ("tags not a list", _mutate("Tags", {"team": "ml"}), "Tags", "must be a list"),
    (
        "boolean not a boolean",
        _mutate("RetainAllVariantProperties", "yes"),
        "RetainAllVariantProperties",
        "true or false",
    ),
    (
        "async on serverless",
        {
            **_props(DeploymentConfig={}),
            "ProductionVariants": [
                {
                    "VariantName": "s",
                    "ModelName": "m",
                    "ServerlessConfig": {"MemorySizeInMB": "2048", "MaxConcurrency": "5"},
                }
            ],
            "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://b/o"}},
        },
        "AsyncInferenceConfig",
        "not supported",
    ),
    (
        "serverless memory not a step",
        {
            **_props(DeploymentConfig={}),
            "ProductionVariants": [
                {
                    "VariantName": "s",
                    "ModelName": "m",
                    "ServerlessConfig": {"MemorySizeInMB": "1500", "MaxConcurrency": "5"},
                }
            ],
        },
        "MemorySizeInMB",
        "must be 1024",
    ),
    (
        "canary on serverless",
        {
            **_props(),
            "ProductionVariants": [
                {
                    "VariantName": "s",
                    "ModelName": "m",
                    "ServerlessConfig": {"MemorySizeInMB": "2048", "MaxConcurrency": "5"},
                }
            ],
        },
        "TrafficRoutingConfiguration.Type",
        "not supported for serverless",
    ),
]


SERVERLESS = {
    "VariantName": "s",
    "ModelName": "m",
    "ServerlessConfig": {"MemorySizeInMB": "2048", "MaxConcurrency": "5"},
}
INSTANCE = {"VariantName": "i", "ModelName": "m", "InstanceType": "ml.c5.large", "InitialInstanceCount": "2"}
DATA_CAPTURE = {
    "InitialSamplingPercentage": "10",
    "DestinationS3Uri": "s3://bucket/capture",
    "CaptureOptions": [{"CaptureMode": "Input"}],
}


def _serverless(**overrides: Any) -> dict[str, Any]:
    return {**_props(DeploymentConfig={}), "ProductionVariants": [dict(SERVERLESS)], **overrides}


def _shadowed(
    production: list[dict[str, Any]], shadows: list[dict[str, Any]], **overrides: Any
) -> dict[str, Any]:
    return {
        **_props(DeploymentConfig={}),
        "ProductionVariants": production,
        "ShadowProductionVariants": shadows,
        **overrides,
    }


SAGEMAKER_RULES = [
    (
        "serverless with a second production variant",
        _serverless(ProductionVariants=[dict(SERVERLESS), dict(INSTANCE)]),
        "ProductionVariants",
        "serverless variant s must be the only production variant, got 2",
    ),
    (
        "serverless with VpcConfig",
        _serverless(VpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}),
        "VpcConfig",
        "is not supported with serverless variant s",
    ),
    (
        "serverless with network isolation",
        _serverless(EnableNetworkIsolation="true"),
        "EnableNetworkIsolation",
        "is not supported with serverless variant s",
    ),
    (
        "serverless with data capture",
        _serverless(DataCaptureConfig=DATA_CAPTURE),
        "DataCaptureConfig",
        "is not supported with serverless variant s",
    ),
    (
        "shadow variant with two production variants",
        _shadowed([dict(INSTANCE), {**INSTANCE, "VariantName": "j"}], [{**INSTANCE, "VariantName": "sh"}]),
        "ProductionVariants",
        "exactly one production variant is allowed, got 2",
    ),
    (
        "two shadow variants",
        _shadowed([dict(INSTANCE)], [{**INSTANCE, "VariantName": "sh"}, {**INSTANCE, "VariantName": "sh2"}]),
        "ShadowProductionVariants",
        "allows one shadow variant, got 2",
    ),
    (
        "serverless shadow variant",
        _shadowed([dict(INSTANCE)], [{**SERVERLESS, "VariantName": "sh"}]),
        "ShadowProductionVariants[0].ServerlessConfig",
        "serverless variants are not supported with shadow variants",
    ),
    (
        "shadow variant with async inference",
        _shadowed(
            [dict(INSTANCE)],
            [{**INSTANCE, "VariantName": "sh"}],
            AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://b/o"}},
        ),
        "AsyncInferenceConfig",
        "not supported with ShadowProductionVariants",
    ),
    (
        "shadow variant on Inf1",
        _shadowed([dict(INSTANCE)], [{**INSTANCE, "VariantName": "sh", "InstanceType": "ml.inf1.xlarge"}]),
        "ShadowProductionVariants[0].InstanceType",
        "Inf1 instances are not supported with shadow variants",
    ),
    (
        "switch not a boolean",
        _mutate("AllowUnguardedRollout", "yes"),
        "AllowUnguardedRollout",
        "must be true or false",
    ),
]


@pytest.mark.parametrize(
    ("case", "props", "path", "reason"), SAGEMAKER_RULES, ids=[c[0] for c in SAGEMAKER_RULES]
)
def test_parse_sagemaker_rule_refused_before_any_change(
    case: str, props: dict[str, Any], path: str, reason: str
) -> None:
    # GIVEN properties SageMaker refuses (serverless and shadow-variant exclusions) WHEN parsed
    with pytest.raises(PropertyError) as caught:
        parse_endpoint_properties(copy.deepcopy(props))
    # THEN one line names the property and what is allowed
    assert caught.value.path == path, str(caught.value)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "props",
    [
        _serverless(EnableNetworkIsolation="false"),
        _serverless(DataCaptureConfig={**DATA_CAPTURE, "EnableCapture": "false"}),
        _shadowed([dict(INSTANCE)], [{**INSTANCE, "VariantName": "sh"}]),
    ],
    ids=["serverless-isolation-off", "serverless-capture-disabled", "one-production-one-shadow"],
)
def test_parse_sagemaker_rules_accept_what_the_docs_allow(props: dict[str, Any]) -> None:
    # GIVEN properties within SageMaker's rules WHEN parsed THEN accepted
    parse_endpoint_properties(copy.deepcopy(props))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("true", True), ("False", False), (True, True), ({"Ref": "Allow"}, False)],
    ids=["default", "string-true", "string-false", "boolean", "intrinsic-when-linting"],
)
def test_parse_provider_switches(value: Any, expected: bool) -> None:
    # GIVEN the provider's switches as CloudFormation sends them
    props = _props()
    if value is not None:
        props.update(AllowUnguardedRollout=value, AllowIrreversibleChanges=value, AdoptExistingEndpoint=value)
    # WHEN parsed (intrinsics only tolerated when linting)
    spec = parse_endpoint_properties(props, allow_intrinsics=True)
    # THEN they are booleans on the spec and never reach SageMaker's arguments
    assert spec.allow_unguarded_rollout is expected
    assert spec.allow_irreversible_changes is expected
    assert spec.adopt_existing_endpoint is expected
    sent = {**spec.config, **spec.update_arguments()}
    assert not {"AllowUnguardedRollout", "AllowIrreversibleChanges", "AdoptExistingEndpoint"} & set(sent)


@pytest.mark.parametrize(
    ("deployment", "warned"),
    [(_props()["DeploymentConfig"], True), ({}, False)],
    ids=["guarded", "no-deployment-config"],
)
def test_parse_inf1_with_guardrails_warns_they_are_not_applied(deployment: Any, warned: bool) -> None:
    # GIVEN an Inf1 variant
    props = _props(DeploymentConfig=deployment)
    props["ProductionVariants"][0]["InstanceType"] = "ml.inf1.xlarge"
    # WHEN parsed
    spec = parse_endpoint_properties(props)
    # THEN a DeploymentConfig gets a warning: SageMaker falls back to all at once, no final baking
    assert bool(spec.warnings) is warned
    if warned:
        assert spec.warnings[0].startswith("ProductionVariants[0].InstanceType ml.inf1.xlarge")
        assert "no final baking" in spec.warnings[0]


@pytest.mark.parametrize(("case", "props", "path", "reason"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_parse_bad_input_fails_with_one_line_naming_property(
    case: str, props: dict[str, Any], path: str, reason: str
) -> None:
    # GIVEN a property set with one fault WHEN it is parsed
    with pytest.raises(PropertyError) as caught:
        parse_endpoint_properties(copy.deepcopy(props))
    # THEN the error names the property path and says what is allowed, on one line, within 256 chars
    message = str(caught.value)
    assert path in caught.value.path or path in message, message
    assert reason in message, message
    assert "\n" not in message
    assert message.startswith(caught.value.path)


def test_validate_intrinsics_tolerated_where_values_unknown() -> None:
    # GIVEN a template-level property set with intrinsics in place of values
    props = _props(EndpointName={"Fn::Sub": "${AWS::StackName}-ep"})
    props["ProductionVariants"][0]["ModelName"] = {"Fn::GetAtt": ["ModelA", "ModelName"]}
    props["ProductionVariants"][1]["InitialInstanceCount"] = {"Ref": "Count"}
    # WHEN validated for linting THEN no error
    validate_endpoint_properties(props)
    # AND the provider itself (no intrinsics allowed) refuses them
    with pytest.raises(PropertyError, match=r"ProductionVariants\[0\]\.ModelName: must be a string"):
        parse_endpoint_properties(props)


def test_validate_intrinsics_do_not_hide_other_faults() -> None:
    props = _props(EndpointName={"Ref": "Name"}, Foo="x")
    with pytest.raises(PropertyError, match="Foo: unknown property"):
        validate_endpoint_properties(props)
