"""Compact forms from real templates (issue 10, point 7): what the macro accepts, and how it refuses.

Each test names the form it covers: ``Environment`` values, long values in messages, "did you mean"
for compact keys, ``Fn::If`` around ``AutoScaling``/``Alarms``, variant names built with ``!Sub``,
``ModelDataSource``, a fixed model name, the scalable target's ``RoleARN`` and ``SuspendedState``,
policy names, ``InstanceCount`` below ``MinCapacity`` and the 1-instance canary.
"""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout.macro import MacroError, expand_template, handle_event, handler

TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"
ROLE = "arn:aws:iam::123456789012:role/sm"
NO_VALUE = {"Ref": "AWS::NoValue"}


def _variant(name: Any = "model-a", model: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    variant: dict[str, Any] = {
        "Name": name,
        "Model": {
            "Image": "img:1",
            "ModelDataUrl": "s3://b/m.tar.gz",
            "ExecutionRoleArn": ROLE,
            **(model or {}),
        },
        "InstanceType": "ml.c5.xlarge",
        "InstanceCount": 2,
    }
    variant.update(extra)
    return variant


def _auto(**extra: Any) -> dict[str, Any]:
    return {"MinCapacity": 2, "MaxCapacity": 4, "TargetInvocationsPerInstance": 70, **extra}


def _template(properties: dict[str, Any], conditions: dict[str, Any] | None = None) -> dict[str, Any]:
    template: dict[str, Any] = {
        "Parameters": {"Autoscale": {"Type": "String", "Default": "true"}},
        "Resources": {"Classifier": {"Type": "SageMakerRollout::Endpoint", "Properties": properties}},
    }
    if conditions is not None:
        template["Conditions"] = conditions
    return template


def _expand(properties: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = expand_template(_template(properties), service_token=TOKEN)["Resources"]
    return resources


def _refusal(properties: dict[str, Any]) -> str:
    with pytest.raises(MacroError) as caught:
        expand_template(_template(properties), service_token=TOKEN)
    return str(caught.value)


# --------------------------------------------------------------------------------- Environment --
@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            True,
            "Classifier.Variants[0].Model.Environment: must be a mapping of variable names to strings, "
            "got True",
        ),
        (
            ["A=1"],
            "Classifier.Variants[0].Model.Environment: must be a mapping of variable names to strings, "
            "got a list",
        ),
        (
            {"A": ["x"]},
            "Classifier.Variants[0].Model.Environment.A: must be a string (numbers and booleans are accepted "
            "as CloudFormation converts them), got a list",
        ),
        (
            {"A": {"b": 1}},
            "Classifier.Variants[0].Model.Environment.A: must be a string (numbers and booleans are accepted "
            "as CloudFormation converts them), got a mapping",
        ),
    ],
    ids=["true", "list", "list-value", "mapping-value"],
)
def test_environment_not_a_mapping_of_scalars_is_refused_in_one_line(environment: Any, message: str) -> None:
    # GIVEN an inline model whose Environment is not a mapping of scalars
    properties = {"Variants": [_variant(model={"Environment": environment})]}
    # WHEN expanded THEN the refusal is one located line (no TypeError)
    assert _refusal(properties) == message
    # AND the macro's Lambda answers failure with the same message
    event = {"requestId": "r", "fragment": _template(properties), "templateParameterValues": {}}
    assert handle_event(event, TOKEN) == {"requestId": "r", "status": "failure", "errorMessage": message}


def test_environment_numbers_and_booleans_pass_through_as_cloudformation_accepts_them() -> None:
    # GIVEN numbers, booleans, strings and an intrinsic as environment values
    environment = {
        "LOG_LEVEL": 20,
        "ENABLED": True,
        "RATIO": 0.5,
        "NAME": "x",
        "REGION": {"Ref": "AWS::Region"},
    }
    # WHEN expanded
    model = _expand({"Variants": [_variant(model={"Environment": environment})]})["ClassifierModelAModel"]
    # THEN they reach AWS::SageMaker::Model unchanged (CloudFormation converts them)
    assert model["Properties"]["PrimaryContainer"]["Environment"] == environment


def test_handler_unexpected_error_answers_failure_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an expansion that fails with a bug (not a MacroError)
    import importlib

    module = importlib.import_module("sagemaker_rollout.macro.handler")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("'bool' object is not iterable")

    monkeypatch.setattr(module, "expand_template", broken)
    monkeypatch.setenv("SAGEMAKER_ROLLOUT_PROVIDER_ARN", TOKEN)
    # WHEN the Lambda handler runs
    response = handler({"requestId": "r", "fragment": _template({"Variants": [_variant()]})}, None)
    # THEN it answers failure with a one-line reason instead of raising
    assert response["status"] == "failure"
    assert response["errorMessage"].startswith("the SageMakerRollout macro failed unexpectedly (TypeError: ")
    assert "\n" not in response["errorMessage"]


# --------------------------------------------------------------------------- messages and hints --
def test_huge_value_is_truncated_in_the_message() -> None:
    # GIVEN an instance count that is a 10 000-character string
    message = _refusal({"Variants": [_variant(InstanceCount="x" * 10_000)]})
    # THEN the message names the property and shows only the start of the value
    assert message.startswith("Classifier.Variants[0].InstanceCount: must be a whole number >= 1, got 'xxxx")
    assert len(message) < 200 and "(10002 chars)" in message


@pytest.mark.parametrize(
    ("properties", "hint"),
    [
        ({"Varaints": []}, "Classifier.Properties: unknown key 'Varaints' (did you mean Variants? allowed: "),
        (
            {"Variants": [_variant(InstanceTyp="ml.c5.xlarge")]},
            "Classifier.Variants[0]: unknown key 'InstanceTyp' (did you mean InstanceType? allowed: ",
        ),
        (
            {"Variants": [_variant(AutoScaling=_auto(MinCapacty=1))]},
            "Classifier.Variants[0].AutoScaling: unknown key 'MinCapacty' "
            "(did you mean MinCapacity? allowed: ",
        ),
        (
            {"Variants": [_variant()], "Deployment": {"Strategy": "Canery"}},
            "Classifier.Deployment.Strategy: must be one of AllAtOnce, Canary, Linear, Rolling, got 'Canery' "
            "(did you mean Canary?)",
        ),
    ],
    ids=["endpoint-key", "variant-key", "autoscaling-key", "strategy"],
)
def test_misspelt_compact_key_gets_did_you_mean(properties: dict[str, Any], hint: str) -> None:
    # GIVEN a misspelt key or value WHEN expanded THEN the refusal suggests the closest allowed one
    assert _refusal(properties).startswith(hint)


# ----------------------------------------------------------------------------- Fn::If toggles --
def _toggled(
    auto: Any = None, alarms: Any = None, extra_variant: dict[str, Any] | None = None
) -> dict[str, Any]:
    variant = _variant()
    if auto is not None:
        variant["AutoScaling"] = auto
    if alarms is not None:
        variant["Alarms"] = alarms
    variants = [variant] + ([extra_variant] if extra_variant else [])
    template = _template(
        {"Variants": variants, "Deployment": {"Strategy": "Canary", "CanarySize": 1}},
        conditions={"Autoscale": {"Fn::Equals": [{"Ref": "Autoscale"}, "true"]}},
    )
    result: dict[str, Any] = expand_template(template, service_token=TOKEN)
    return result


def test_fn_if_around_autoscaling_puts_the_condition_on_the_generated_resources() -> None:
    # GIVEN the CDK sample's per-model toggle: AutoScaling inside !If [Autoscale, {...}, !Ref AWS::NoValue]
    resources = _toggled(auto={"Fn::If": ["Autoscale", _auto(), NO_VALUE]})["Resources"]
    # THEN the scalable target and its policy exist only under the condition; the endpoint always
    assert resources["ClassifierModelAScalableTarget"]["Condition"] == "Autoscale"
    assert resources["ClassifierModelAScalingPolicy"]["Condition"] == "Autoscale"
    assert "Condition" not in resources["Classifier"]
    assert resources["ClassifierModelAScalableTarget"]["Properties"]["MinCapacity"] == 2


def test_fn_if_around_alarms_makes_alarms_and_their_rollback_entries_conditional() -> None:
    # GIVEN alarms on one variant behind a condition, unconditional alarms on another
    other = _variant("model-b", Alarms={"ModelLatency": 500000})
    resources = _toggled(
        alarms={"Fn::If": ["Autoscale", {"Invocation5XXErrors": 5}, NO_VALUE]}, extra_variant=other
    )["Resources"]
    # THEN the conditional alarm carries the condition and is named in the rollback list only when created
    assert resources["ClassifierModelAInvocation5XXErrorsAlarm"]["Condition"] == "Autoscale"
    alarms = resources["Classifier"]["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    assert alarms[0] == {
        "Fn::If": ["Autoscale", {"AlarmName": {"Ref": "ClassifierModelAInvocation5XXErrorsAlarm"}}, NO_VALUE]
    }
    assert alarms[1] == {"AlarmName": {"Fn::Sub": "${AWS::StackName}-Classifier-model-b-ModelLatency"}}
    # AND the endpoint DependsOn only the unconditional alarm (a conditional one is referenced by Ref)
    assert resources["Classifier"]["DependsOn"] == ["ClassifierModelBModelLatencyAlarm"]


def test_fn_if_around_every_alarm_makes_the_rollback_configuration_conditional() -> None:
    # GIVEN the only alarms behind a condition
    resources = _toggled(alarms={"Fn::If": ["Autoscale", {"Invocation5XXErrors": 5}, NO_VALUE]})["Resources"]
    # THEN the whole AutoRollbackConfiguration is conditional (SageMaker needs 1-10 alarms in it)
    rollback = resources["Classifier"]["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]
    assert rollback == {
        "Fn::If": [
            "Autoscale",
            {"Alarms": [{"AlarmName": {"Ref": "ClassifierModelAInvocation5XXErrorsAlarm"}}]},
            NO_VALUE,
        ]
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"Fn::If": ["Autoscale", NO_VALUE, _auto()]}, "swap the branches and negate the condition"),
        (
            {"Fn::If": ["Autoscale", _auto(), _auto(MaxCapacity=8)]},
            "write !If [Condition, {...}, !Ref AWS::NoValue]",
        ),
        ({"Fn::If": ["Autoscale", _auto()]}, "Fn::If takes [ConditionName, value if true, value if false]"),
    ],
    ids=["novalue-first", "two-configs", "malformed"],
)
def test_fn_if_forms_the_macro_cannot_express_are_refused_with_what_to_write(value: Any, reason: str) -> None:
    # GIVEN an Fn::If around AutoScaling that is not [Cond, config, NoValue] WHEN expanded
    message = _refusal({"Variants": [_variant(AutoScaling=value)]})
    # THEN the refusal says what to write instead
    assert message.startswith("Classifier.Variants[0].AutoScaling: ") and reason in message


# -------------------------------------------------------------------------- variant name !Sub --
def test_variant_name_built_with_sub_keeps_the_intrinsic_and_ids_use_the_index() -> None:
    # GIVEN the safe-deployment sample's variant name !Sub ${ModelVariant}-${ModelName}
    name = {"Fn::Sub": "${ModelVariant}-${ModelName}"}
    resources = _expand(
        {
            "Variants": [_variant(name, AutoScaling=_auto(), Alarms={"Invocation5XXErrors": 5})],
            "Dashboard": True,
        }
    )
    # THEN logical ids derive from the variant's index
    assert {
        "ClassifierVariant0Model",
        "ClassifierVariant0ScalableTarget",
        "ClassifierVariant0ScalingPolicy",
        "ClassifierVariant0Invocation5XXErrorsAlarm",
    } <= set(resources)
    # AND the name stays an intrinsic wherever it is used
    variant = resources["Classifier"]["Properties"]["ProductionVariants"][0]
    assert variant["VariantName"] == name
    target = resources["ClassifierVariant0ScalableTarget"]["Properties"]
    assert target["ResourceId"]["Fn::Join"][1][-2:] == ["/variant/", name]
    alarm = resources["ClassifierVariant0Invocation5XXErrorsAlarm"]["Properties"]
    assert {"Name": "VariantName", "Value": name} in alarm["Dimensions"]
    assert alarm["AlarmName"] == {
        "Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "Classifier", name, "Invocation5XXErrors"]]
    }
    policy = resources["ClassifierVariant0ScalingPolicy"]["Properties"]
    assert policy["PolicyName"] == {"Fn::Join": ["", ["Classifier-", name, "-target-tracking"]]}
    dashboard = resources["ClassifierDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert dashboard[1]["Variant0Name"] == name and "${Variant0Name}" in dashboard[0]


# --------------------------------------------------------------- model and autoscaling fields --
def test_model_data_source_and_fixed_model_name_reach_the_model() -> None:
    # GIVEN an uncompressed model (ModelDataSource) with a fixed model name
    source = {"S3DataSource": {"S3Uri": "s3://b/model/", "S3DataType": "S3Prefix", "CompressionType": "None"}}
    model = {"ModelName": "llm-v1", "ModelDataSource": source}
    variant = _variant(model=model)
    del variant["Model"]["ModelDataUrl"]
    # WHEN expanded
    properties = _expand({"Variants": [variant]})["ClassifierModelAModel"]["Properties"]
    # THEN AWS::SageMaker::Model carries both
    assert properties["ModelName"] == "llm-v1"
    assert properties["PrimaryContainer"]["ModelDataSource"] == source


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            {"ModelDataSource": {"S3DataSource": {"S3Uri": "s3://b/", "S3DataType": "S3Prefix"}}},
            "Classifier.Variants[0].Model.ModelDataSource.S3DataSource: CompressionType is required",
        ),
        (
            {
                "ModelDataSource": {
                    "S3DataSource": {"S3Uri": "s3://b/", "S3DataType": "Prefix", "CompressionType": "None"}
                }
            },
            "Classifier.Variants[0].Model.ModelDataSource.S3DataSource.S3DataType: must be one of S3Prefix, "
            "S3Object, got 'Prefix' (did you mean S3Prefix?)",
        ),
        (
            {"ModelName": "llm_v1"},
            "Classifier.Variants[0].Model.ModelName: 'llm_v1' is not a valid SageMaker model name (1-63 "
            "letters, digits and hyphens, starting and ending with a letter or digit)",
        ),
    ],
    ids=["no-compression", "bad-data-type", "bad-model-name"],
)
def test_bad_model_data_source_or_model_name_refused(model: dict[str, Any], message: str) -> None:
    assert _refusal({"Variants": [_variant(model=model)]}) == message


def test_scalable_target_role_suspended_state_and_policy_names_pass_through() -> None:
    # GIVEN RoleARN, SuspendedState and a policy name on a variant's AutoScaling
    role = "arn:aws:iam::123456789012:role/MLOps"
    suspended = {"DynamicScalingInSuspended": True, "ScheduledScalingSuspended": "false"}
    auto = _auto(RoleARN=role, SuspendedState=suspended, PolicyName="SageMakerVariantInvocationsPerInstance")
    # WHEN expanded
    resources = _expand({"Variants": [_variant(AutoScaling=auto)]})
    # THEN the scalable target and the policy carry them
    target = resources["ClassifierModelAScalableTarget"]["Properties"]
    assert target["RoleARN"] == role and target["SuspendedState"] == suspended
    policy = resources["ClassifierModelAScalingPolicy"]["Properties"]
    assert policy["PolicyName"] == "SageMakerVariantInvocationsPerInstance"


@pytest.mark.parametrize(
    ("auto", "message"),
    [
        (
            _auto(RoleARN="MLOps"),
            "Classifier.Variants[0].AutoScaling.RoleARN: must be an IAM role ARN, got 'MLOps'",
        ),
        (
            _auto(SuspendedState={"DynamicScalingInSuspended": "maybe"}),
            "Classifier.Variants[0].AutoScaling.SuspendedState.DynamicScalingInSuspended: must be true or "
            "false, got 'maybe'",
        ),
        (
            _auto(PolicyName="x" * 300),
            "Classifier.Variants[0].AutoScaling.PolicyName: must be 1-256 printable characters, got 'xxx",
        ),
    ],
    ids=["role", "suspended", "policy-name"],
)
def test_bad_scalable_target_fields_refused(auto: dict[str, Any], message: str) -> None:
    assert _refusal({"Variants": [_variant(AutoScaling=auto)]}).startswith(message)


def test_instance_count_below_min_capacity_is_accepted() -> None:
    # GIVEN InstanceCount 1 with MinCapacity 2 (Application Auto Scaling scales it up on registration)
    resources = _expand({"Variants": [_variant(InstanceCount=1, AutoScaling=_auto(MinCapacity=2))]})
    # THEN the endpoint starts with 1 and the scalable target keeps 2
    assert resources["Classifier"]["Properties"]["ProductionVariants"][0]["InitialInstanceCount"] == 1
    assert resources["ClassifierModelAScalableTarget"]["Properties"]["MinCapacity"] == 2


def test_canary_on_a_one_instance_variant_suggests_all_at_once() -> None:
    # GIVEN a canary of 1 instance on a 1-instance variant
    message = _refusal(
        {"Variants": [_variant(InstanceCount=1)], "Deployment": {"Strategy": "Canary", "CanarySize": 1}}
    )
    # THEN the refusal suggests AllAtOnce instead of "at most 0"
    assert message == (
        "Classifier.Deployment.CanarySize: a canary of 1 instance(s) needs at least 2 instances in every "
        "variant (the smallest has 1); use Strategy AllAtOnce with rollback alarms for a 1-instance "
        "variant, or give it more instances"
    )
    assert "at most 0" not in message


def test_endpoint_config_name_on_the_compact_form_says_to_remove_it() -> None:
    # GIVEN EndpointConfigName kept from AWS::SageMaker::Endpoint on the compact resource
    message = _refusal({"EndpointConfigName": "churn-config", "Variants": [_variant()]})
    # THEN the refusal explains it instead of suggesting EndpointName
    assert message == (
        "Classifier.Properties.EndpointConfigName: not a key: the provider creates and names the endpoint "
        "configs itself; remove it and describe the variants under Variants"
    )
