"""Expansion of one ``SageMakerRollout::Endpoint`` into wired CloudFormation resources.

Generated resources, for a compact resource ``Classifier`` and a variant ``model-a``:

* ``ClassifierModelAModel`` (``AWS::SageMaker::Model``) for an inline ``Model``;
* ``Classifier`` (``Custom::SageMakerEndpoint``), keeping the compact id so ``!Ref Classifier``
  and ``!GetAtt Classifier.EndpointName`` keep working;
* ``ClassifierModelAScalableTarget`` and ``ClassifierModelAScalingPolicy`` (plus
  ``ClassifierModelAScaleFromZeroPolicy`` and ``ClassifierModelAHasBacklogWithoutCapacityAlarm``);
* ``ClassifierModelA<Metric>Alarm`` per alarm, and ``ClassifierDashboard``.

Wiring without cycles: the endpoint name is computed (the user's ``EndpointName`` or
:func:`~sagemaker_rollout.macro.naming.default_endpoint_name`), never read from the endpoint;
alarm names are ``${AWS::StackName}-<id>-<variant>-<metric>``. So alarms do not reference the
endpoint, the endpoint's ``AutoRollbackConfiguration`` names them and ``DependsOn`` them (they exist
before any rollout watches them), and scalable targets ``DependsOn`` the endpoint (the variant must
exist before it is registered).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.macro.naming import (
    ENDPOINT_NAME_RE,
    INSTANCE_NAMESPACE,
    INVOCATION_NAMESPACE,
    MAX_ALARM_NAME_SUFFIX,
    VARIANT_METRICS,
    alarm_name,
    alarm_suffix,
    default_endpoint_name,
    pascal,
)
from sagemaker_rollout.macro.values import Scope, is_intrinsic, show

__all__ = ["COMPACT_TYPE", "ENDPOINT_TYPE", "expand_endpoint"]

COMPACT_TYPE = "SageMakerRollout::Endpoint"
ENDPOINT_TYPE = "Custom::SageMakerEndpoint"

_RESOURCE_KEYS = (
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
)
_ENDPOINT_KEYS = (
    "EndpointName",
    "Variants",
    "Deployment",
    "AlarmActions",
    "AsyncInference",
    "DataCapture",
    "KmsKeyId",
    "Dashboard",
    "Tags",
    "ServiceTimeout",
    "AdoptExistingEndpoint",
)
_VARIANT_KEYS = (
    "Name",
    "Model",
    "ModelName",
    "InstanceType",
    "InstanceCount",
    "Weight",
    "Serverless",
    "AutoScaling",
    "Alarms",
    "VolumeSizeInGB",
    "ModelDataDownloadTimeoutInSeconds",
    "ContainerStartupHealthCheckTimeoutInSeconds",
)
_CONTAINER_KEYS = (
    "Image",
    "ModelDataUrl",
    "Environment",
    "ContainerHostname",
    "Mode",
    "ImageConfig",
    "ModelDataSource",
)
_MODEL_KEYS = (
    "ModelName",
    *_CONTAINER_KEYS,
    "Containers",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
    "InferenceExecutionConfig",
)
_SERVERLESS_KEYS = ("MemorySizeInMB", "MaxConcurrency", "ProvisionedConcurrency")
_TARGETS = (
    "TargetInvocationsPerInstance",
    "MaxRequestsPerSecond",
    "TargetBacklogPerInstance",
    "TargetCpuUtilization",
)
_AUTOSCALING_KEYS = (
    "MinCapacity",
    "MaxCapacity",
    *_TARGETS,
    "SafetyFactor",
    "ScaleFromZero",
    "ScaleInCooldown",
    "ScaleOutCooldown",
    "DisableScaleIn",
    "RoleARN",
    "SuspendedState",
    "PolicyName",
    "ScaleFromZeroPolicyName",
)
_SUSPENDED_KEYS = ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended")
#: AWS::SageMaker::Model ModelDataSource.S3DataSource (the CloudFormation resource schema's members).
_S3_MODEL_DATA_KEYS = ("S3Uri", "S3DataType", "CompressionType", "ModelAccessConfig", "HubAccessConfig")
_NO_VALUE = {"Ref": "AWS::NoValue"}
_ALARM_KEYS = (
    "Threshold",
    "Statistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "ComparisonOperator",
    "TreatMissingData",
)
_DEPLOYMENT_KEYS = (
    "Strategy",
    "CanarySize",
    "LinearStepSize",
    "BatchSize",
    "WaitIntervalSeconds",
    "TerminationWaitSeconds",
    "MaximumExecutionTimeoutSeconds",
    "RollbackOnAlarms",
)
_STRATEGIES = ("AllAtOnce", "Canary", "Linear", "Rolling")
_DATA_CAPTURE_KEYS = (
    "DestinationS3Uri",
    "SamplingPercentage",
    "CaptureModes",
    "KmsKeyId",
    "CsvContentTypes",
    "JsonContentTypes",
    "EnableCapture",
)
_ASYNC_KEYS = (
    "OutputPath",
    "FailurePath",
    "SuccessTopic",
    "ErrorTopic",
    "MaxConcurrentInvocationsPerInstance",
    "KmsKeyId",
)
_STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
_PERCENTILE_RE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")
_OPERATORS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
_MISSING_DATA = ("notBreaching", "breaching", "ignore", "missing")
_SERVERLESS_MEMORY = (1024, 2048, 3072, 4096, 5120, 6144)
_MAX_ROLLBACK_ALARMS = 10
_DEFAULT_WAIT = 300
_DEFAULT_SAFETY_FACTOR = 0.5


@dataclass
class _Variant:
    """What later steps need to know about one variant."""

    index: int
    name: Any  # a literal string, or an intrinsic CloudFormation resolves (``!Sub ...``)
    key: str  # the part of generated logical ids: PascalCase name, or ``Variant<index>``
    path: str
    serverless: bool
    instance_count: int | None
    properties: dict[str, Any]
    autoscaling: Mapping[str, Any] | None
    alarms: Mapping[str, Any] | None
    autoscaling_condition: str | None = None
    alarms_condition: str | None = None


@dataclass
class _Expansion:
    """The resources generated so far, in order, and the names of the rollback alarms."""

    scope: Scope
    condition: Any
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    rollback_alarm_ids: list[str] = field(default_factory=list)
    rollback_alarm_names: list[Any] = field(default_factory=list)
    #: Condition of each rollback alarm (None: unconditional), parallel to the two lists above.
    rollback_alarm_conditions: list[str | None] = field(default_factory=list)

    def add(
        self,
        logical_id: str,
        resource_type: str,
        properties: dict[str, Any],
        condition: str | None = None,
        **attributes: Any,
    ) -> None:
        if logical_id in self.resources:
            raise self.scope.error(
                "",
                f"generated logical id {logical_id!r} is produced twice; "
                "variant names must differ in more than punctuation or case",
            )
        resource: dict[str, Any] = {"Type": resource_type}
        if condition is not None or self.condition is not None:
            resource["Condition"] = condition if condition is not None else self.condition
        resource.update({key: value for key, value in attributes.items() if value is not None})
        resource["Properties"] = properties
        self.resources[logical_id] = resource


def expand_endpoint(
    logical_id: str,
    resource: Mapping[str, Any],
    *,
    service_token: Any,
    parameters: Mapping[str, Any] | None = None,
    declared: frozenset[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Expand one compact resource into CloudFormation resources (pure: the input is not modified).

    Parameters
    ----------
    logical_id:
        The compact resource's logical id.
    resource:
        The resource (``Type: SageMakerRollout::Endpoint``, ``Properties`` ...).
    service_token:
        ``ServiceToken`` of the generated ``Custom::SageMakerEndpoint`` (a string or an intrinsic).
    parameters:
        Template parameter values, to resolve ``Ref``s where a value must be known.
    declared:
        Names of the template's parameters (default: those with a value), so that a ``Ref`` to a
        parameter without a value is reported as such.

    Returns
    -------
    dict
        Logical id -> resource, in a deterministic order; the endpoint keeps ``logical_id``.

    Raises
    ------
    MacroError
        When the compact resource is invalid (the message names resource, path and what is allowed).
    """
    values = dict(parameters or {})
    scope = Scope(logical_id, values, frozenset(declared if declared is not None else values))
    scope.mapping(resource, "", _RESOURCE_KEYS, required=("Properties",))
    if isinstance(resource["Properties"], Mapping) and "EndpointConfigName" in resource["Properties"]:
        raise scope.error(
            "Properties.EndpointConfigName",
            "not a key: the provider creates and names the endpoint configs itself; remove it and "
            "describe the variants under Variants",
        )
    props = scope.mapping(resource["Properties"], "Properties", _ENDPOINT_KEYS, required=("Variants",))
    expansion = _Expansion(scope, resource.get("Condition"))

    async_config = _async_inference(scope, props.get("AsyncInference"))
    endpoint_name = _endpoint_name(scope, logical_id, props.get("EndpointName"))
    tags = _tags(scope, props.get("Tags"))

    raw_variants = scope.sequence(props["Variants"], "Variants", 1, 10)
    _check_unique_names(scope, raw_variants)
    variants = [
        _variant(expansion, logical_id, index, raw, tags, is_async=async_config is not None)
        for index, raw in enumerate(raw_variants)
    ]
    _check_variant_set(scope, variants, is_async=async_config is not None)

    alarm_actions = props.get("AlarmActions")
    if alarm_actions is not None and not is_intrinsic(alarm_actions):
        scope.sequence(alarm_actions, "AlarmActions", 1, 5)
    for variant in variants:
        _alarms(expansion, logical_id, variant, endpoint_name, alarm_actions)

    deployment = _deployment(scope, props.get("Deployment"), variants, expansion)

    endpoint_props: dict[str, Any] = {
        "ServiceToken": service_token,
        "EndpointName": endpoint_name,
        "ProductionVariants": [variant.properties for variant in variants],
    }
    if "DataCapture" in props:
        endpoint_props["DataCaptureConfig"] = _data_capture(scope, props["DataCapture"])
    if async_config is not None:
        endpoint_props["AsyncInferenceConfig"] = async_config
    if "KmsKeyId" in props:
        endpoint_props["KmsKeyId"] = props["KmsKeyId"]
    if deployment is not None:
        endpoint_props["DeploymentConfig"] = deployment
    if tags is not None:
        endpoint_props["Tags"] = tags
    if "ServiceTimeout" in props:
        scope.integer(props["ServiceTimeout"], "ServiceTimeout", 1, 3600)
        endpoint_props["ServiceTimeout"] = props["ServiceTimeout"]
    if "AdoptExistingEndpoint" in props:  # the provider's switch (contract section 8), validated by it
        endpoint_props["AdoptExistingEndpoint"] = props["AdoptExistingEndpoint"]
    _provider_validation(scope, endpoint_props)

    depends_on = _depends_on(scope, resource.get("DependsOn"))
    rollback_ids = (
        [
            alarm
            for alarm, condition in zip(
                expansion.rollback_alarm_ids, expansion.rollback_alarm_conditions, strict=True
            )
            if condition is None  # a conditional alarm is named by Ref inside Fn::If instead
        ]
        if deployment is not None and "AutoRollbackConfiguration" in deployment
        else []
    )
    endpoint_depends = depends_on + [alarm for alarm in rollback_ids if alarm not in depends_on]

    # The endpoint goes first among what it does not depend on; models and alarms were added already.
    ordered = _Expansion(scope, expansion.condition)
    for model_id, model in expansion.resources.items():
        if model["Type"] == "AWS::SageMaker::Model":
            ordered.resources[model_id] = model
    ordered.add(
        logical_id,
        ENDPOINT_TYPE,
        endpoint_props,
        DependsOn=endpoint_depends or None,
        DeletionPolicy=resource.get("DeletionPolicy"),
        UpdateReplacePolicy=resource.get("UpdateReplacePolicy"),
        Metadata=resource.get("Metadata"),
    )
    for other_id, other in expansion.resources.items():
        if other["Type"] != "AWS::SageMaker::Model":
            ordered.resources[other_id] = other

    for variant in variants:
        _autoscaling(ordered, logical_id, variant, endpoint_name)
    if "Dashboard" in props and scope.boolean(props["Dashboard"], "Dashboard"):
        ordered.add(
            f"{logical_id}Dashboard",
            "AWS::CloudWatch::Dashboard",
            {"DashboardBody": _dashboard_body(variants, endpoint_name)},
        )
    return ordered.resources


# -- endpoint-level ------------------------------------------------------------------------------


def _endpoint_name(scope: Scope, logical_id: str, value: Any) -> Any:
    if value is None:
        return default_endpoint_name(logical_id)
    name = scope.string(value, "EndpointName")
    if name is not None and not ENDPOINT_NAME_RE.match(name):
        raise scope.error(
            "EndpointName",
            f"{name!r} is not a valid SageMaker endpoint name (1-63 letters, digits and hyphens, "
            "starting and ending with a letter or digit)",
        )
    return value


def _tags(scope: Scope, value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, Mapping) and not is_intrinsic(value):
        tags = []
        for key, tag_value in value.items():
            if isinstance(tag_value, Mapping | list):
                raise scope.error(f"Tags.{key}", "must be a string")
            if isinstance(tag_value, bool):
                tag_value = str(tag_value).lower()
            elif isinstance(tag_value, int | float):
                tag_value = str(tag_value)
            tags.append({"Key": str(key), "Value": tag_value})
        return tags
    if isinstance(value, list):
        for index, tag in enumerate(value):
            scope.mapping(tag, f"Tags[{index}]", ("Key", "Value"), required=("Key", "Value"))
        return [dict(tag) for tag in value]
    raise scope.error("Tags", "must be a mapping of tag names to values, or a list of {Key, Value}")


def _async_inference(scope: Scope, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    config = scope.mapping(value, "AsyncInference", _ASYNC_KEYS, required=("OutputPath",))
    output: dict[str, Any] = {"S3OutputPath": config["OutputPath"]}
    if "FailurePath" in config:
        output["S3FailurePath"] = config["FailurePath"]
    if "KmsKeyId" in config:
        output["KmsKeyId"] = config["KmsKeyId"]
    notification = {
        target: config[source]
        for source, target in (("SuccessTopic", "SuccessTopic"), ("ErrorTopic", "ErrorTopic"))
        if source in config
    }
    if notification:
        output["NotificationConfig"] = notification
    result: dict[str, Any] = {"OutputConfig": output}
    if "MaxConcurrentInvocationsPerInstance" in config:
        scope.integer(
            config["MaxConcurrentInvocationsPerInstance"],
            "AsyncInference.MaxConcurrentInvocationsPerInstance",
            1,
            1000,
        )
        result["ClientConfig"] = {
            "MaxConcurrentInvocationsPerInstance": config["MaxConcurrentInvocationsPerInstance"]
        }
    return result


def _data_capture(scope: Scope, value: Any) -> dict[str, Any]:
    config = scope.mapping(value, "DataCapture", _DATA_CAPTURE_KEYS, required=("DestinationS3Uri",))
    enable: Any = True
    if "EnableCapture" in config:
        enable = scope.boolean(config["EnableCapture"], "DataCapture.EnableCapture")
    sampling: Any = 100
    if "SamplingPercentage" in config:
        scope.integer(config["SamplingPercentage"], "DataCapture.SamplingPercentage", 0, 100)
        sampling = config["SamplingPercentage"]
    modes = config.get("CaptureModes", ["Input", "Output"])
    scope.sequence(modes, "DataCapture.CaptureModes", 1, 2)
    for index, mode in enumerate(modes):
        scope.choice(mode, f"DataCapture.CaptureModes[{index}]", ("Input", "Output"))
    result: dict[str, Any] = {
        "EnableCapture": enable,
        "InitialSamplingPercentage": sampling,
        "DestinationS3Uri": config["DestinationS3Uri"],
        "CaptureOptions": [{"CaptureMode": mode} for mode in modes],
    }
    if "KmsKeyId" in config:
        result["KmsKeyId"] = config["KmsKeyId"]
    header = {key: config[key] for key in ("CsvContentTypes", "JsonContentTypes") if key in config}
    if header:
        result["CaptureContentTypeHeader"] = header
    return result


def _depends_on(scope: Scope, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise scope.error("DependsOn", "must be a logical id or a list of logical ids")


def _provider_validation(scope: Scope, properties: Mapping[str, Any]) -> None:
    """Run the provider's own property validation on the generated properties, when available."""
    try:
        from sagemaker_rollout.spec import PropertyError, validate_endpoint_properties
    except ImportError:  # pragma: no cover - the spec package ships with the layer
        return
    try:
        validate_endpoint_properties(properties)
    except PropertyError as err:
        raise scope.error("", str(err)) from err


# -- variants ------------------------------------------------------------------------------------


def _conditional(scope: Scope, value: Any, path: str, owner_condition: Any) -> tuple[Any, str | None]:
    """``!If [Cond, X, !Ref AWS::NoValue]`` -> ``(X, "Cond")``; anything else -> ``(value, None)``.

    The generated resources then carry ``Condition: Cond`` (CloudFormation's ``Condition``
    attribute takes one condition name, so the other forms are refused with what to write instead).
    """
    if not (isinstance(value, Mapping) and is_intrinsic(value) and "Fn::If" in value):
        return value, None
    arguments = value["Fn::If"]
    if not (isinstance(arguments, list) and len(arguments) == 3 and isinstance(arguments[0], str)):
        raise scope.error(path, "Fn::If takes [ConditionName, value if true, value if false]")
    condition, when_true, when_false = arguments
    if when_false != _NO_VALUE:
        hint = (
            "swap the branches and negate the condition (define a !Not condition)"
            if when_true == _NO_VALUE
            else "write !If [Condition, {...}, !Ref AWS::NoValue]"
        )
        raise scope.error(
            path,
            f"Fn::If must turn the whole block on or off: the false branch must be !Ref AWS::NoValue; {hint}",
        )
    if owner_condition is not None:
        raise scope.error(
            path,
            f"Fn::If on condition {condition} inside a resource with Condition {owner_condition}: a "
            "generated resource takes a single condition; define one with Fn::And of both and use it here",
        )
    return when_true, condition


def _variant(
    expansion: _Expansion,
    logical_id: str,
    index: int,
    value: Any,
    tags: list[dict[str, Any]] | None,
    *,
    is_async: bool,
) -> _Variant:
    scope = expansion.scope
    path = f"Variants[{index}]"
    raw = scope.mapping(value, path, _VARIANT_KEYS, required=("Name",))
    resolved_name = scope.resolve(raw["Name"])
    name: Any
    if is_intrinsic(resolved_name):
        # e.g. !Sub ${ModelVariant}-${ModelName}: CloudFormation resolves it; ids use the index.
        name, key = raw["Name"], f"Variant{index}"
    else:
        literal = scope.string(raw["Name"], f"{path}.Name", literal=True)
        if literal is None:  # pragma: no cover - literal=True never returns None
            raise scope.error(f"{path}.Name", "must be a string")
        if not ENDPOINT_NAME_RE.match(literal):
            raise scope.error(
                f"{path}.Name",
                f"{show(literal)} is not a valid variant name (1-63 letters, digits and "
                "hyphens, starting and ending with a letter or digit)",
            )
        name, key = literal, pascal(literal)
    if ("Model" in raw) == ("ModelName" in raw):
        raise scope.error(path, "give exactly one of Model (an inline model) or ModelName")
    if "Model" in raw:
        model_id = f"{logical_id}{key}Model"
        expansion.add(model_id, "AWS::SageMaker::Model", _model(scope, raw["Model"], f"{path}.Model", tags))
        model_name: Any = {"Fn::GetAtt": [model_id, "ModelName"]}
    else:
        model_name = raw["ModelName"]

    properties: dict[str, Any] = {"VariantName": name, "ModelName": model_name}
    serverless = "Serverless" in raw
    instance_count: int | None = None
    autoscaling, autoscaling_condition = _conditional(
        scope, raw.get("AutoScaling"), f"{path}.AutoScaling", expansion.condition
    )
    if serverless:
        for item in ("InstanceType", "InstanceCount"):
            if item in raw:
                raise scope.error(
                    path, f"{item} cannot be combined with Serverless (a serverless variant has no instances)"
                )
        if autoscaling is not None:
            raise scope.error(
                f"{path}.AutoScaling",
                "serverless variants cannot autoscale on instance count; "
                "use Serverless.MaxConcurrency or ProvisionedConcurrency",
            )
        properties["ServerlessConfig"] = _serverless(scope, raw["Serverless"], f"{path}.Serverless")
    else:
        if "InstanceType" not in raw:
            raise scope.error(path, "InstanceType is required (or Serverless for a serverless variant)")
        instance_type = scope.string(raw["InstanceType"], f"{path}.InstanceType")
        if instance_type is not None and not instance_type.startswith("ml."):
            raise scope.error(
                f"{path}.InstanceType", f"{show(instance_type)} is not a SageMaker instance type (ml.*)"
            )
        count_value: Any = raw.get("InstanceCount")
        if count_value is None:
            minimum = None
            if isinstance(autoscaling, Mapping) and "MinCapacity" in autoscaling:
                minimum = scope.integer(autoscaling["MinCapacity"], f"{path}.AutoScaling.MinCapacity", 0)
            count_value = max(minimum or 1, 1)
        instance_count = scope.integer(count_value, f"{path}.InstanceCount", 1)
        properties["InstanceType"] = raw["InstanceType"]
        properties["InitialInstanceCount"] = count_value
        if autoscaling is not None:
            autoscaling = _check_autoscaling(
                scope, autoscaling, f"{path}.AutoScaling", instance_type, instance_count, is_async=is_async
            )
    weight: Any = raw.get("Weight", 1)
    scope.number(weight, f"{path}.Weight", 0)
    properties["InitialVariantWeight"] = weight
    for item in (
        "VolumeSizeInGB",
        "ModelDataDownloadTimeoutInSeconds",
        "ContainerStartupHealthCheckTimeoutInSeconds",
    ):
        if item in raw:
            scope.integer(raw[item], f"{path}.{item}", 1)
            properties[item] = raw[item]
    alarms, alarms_condition = _conditional(scope, raw.get("Alarms"), f"{path}.Alarms", expansion.condition)
    if alarms is not None:
        alarms = scope.mapping(alarms, f"{path}.Alarms", tuple(VARIANT_METRICS))
    return _Variant(
        index,
        name,
        key,
        path,
        serverless,
        instance_count,
        properties,
        autoscaling,
        alarms,
        autoscaling_condition,
        alarms_condition,
    )


def _model(scope: Scope, value: Any, path: str, tags: list[dict[str, Any]] | None) -> dict[str, Any]:
    model = scope.mapping(value, path, _MODEL_KEYS, required=("ExecutionRoleArn",))
    single = [key for key in _CONTAINER_KEYS if key in model]
    result: dict[str, Any] = {}
    if "ModelName" in model:
        # A fixed name: CloudFormation then cannot replace the model (every AWS::SageMaker::Model
        # property change requires replacement), so a changed model needs a new name as well.
        fixed = scope.string(model["ModelName"], f"{path}.ModelName")
        if fixed is not None and not ENDPOINT_NAME_RE.match(fixed):
            raise scope.error(
                f"{path}.ModelName",
                f"{show(fixed)} is not a valid SageMaker model name (1-63 letters, digits and hyphens, "
                "starting and ending with a letter or digit)",
            )
        result["ModelName"] = model["ModelName"]
    result["ExecutionRoleArn"] = model["ExecutionRoleArn"]
    if "Containers" in model:
        if single:
            raise scope.error(path, f"{single[0]} cannot be combined with Containers (put it in a container)")
        containers = scope.sequence(model["Containers"], f"{path}.Containers", 1, 15)
        result["Containers"] = [
            _container(scope, container, f"{path}.Containers[{index}]")
            for index, container in enumerate(containers)
        ]
    else:
        result["PrimaryContainer"] = _container(scope, {key: model[key] for key in single}, path)
    for key in ("VpcConfig", "InferenceExecutionConfig"):
        if key in model:
            result[key] = model[key]
    if "EnableNetworkIsolation" in model:
        result["EnableNetworkIsolation"] = scope.boolean(
            model["EnableNetworkIsolation"], f"{path}.EnableNetworkIsolation"
        )
    if tags is not None:
        result["Tags"] = tags
    return result


def _container(scope: Scope, value: Any, path: str) -> dict[str, Any]:
    container = scope.mapping(value, path, _CONTAINER_KEYS, required=("Image",))
    if "Environment" in container:
        _environment(scope, container["Environment"], f"{path}.Environment")
    if "ModelDataSource" in container:
        _model_data_source(scope, container["ModelDataSource"], f"{path}.ModelDataSource")
    return {key: container[key] for key in _CONTAINER_KEYS if key in container}


def _environment(scope: Scope, value: Any, path: str) -> None:
    """Environment variables: names to strings; numbers and booleans pass through.

    CloudFormation declares ``AWS::SageMaker::Model`` ``ContainerDefinition.Environment`` as JSON
    (resource schema: ``"type": ["object", "string"], "format": "json"``, no constraint on the
    values) and accepts scalar values such as ``LOG_LEVEL: 20`` or ``ENABLED: true``, which reach
    CreateModel as strings. Lists and mappings cannot be environment values.
    """
    if is_intrinsic(value):
        return
    if not isinstance(value, Mapping):
        raise scope.error(path, f"must be a mapping of variable names to strings, got {show(value)}")
    for name, item in value.items():
        if item is None or isinstance(item, list) or (isinstance(item, Mapping) and not is_intrinsic(item)):
            raise scope.error(
                f"{path}.{name}",
                f"must be a string (numbers and booleans are accepted as CloudFormation converts them), "
                f"got {'null' if item is None else show(item)}",
            )


def _model_data_source(scope: Scope, value: Any, path: str) -> None:
    """``ModelDataSource: {S3DataSource: {S3Uri, S3DataType, CompressionType, ...}}`` (uncompressed models).

    Members as in the ``AWS::SageMaker::Model`` resource schema (S3DataSource requires S3Uri,
    S3DataType and CompressionType); see SageMaker's "Deploy uncompressed models" guide.
    """
    if is_intrinsic(value):
        return
    source = scope.mapping(value, path, ("S3DataSource",), required=("S3DataSource",))
    if is_intrinsic(source["S3DataSource"]):
        return
    s3 = scope.mapping(
        source["S3DataSource"],
        f"{path}.S3DataSource",
        _S3_MODEL_DATA_KEYS,
        required=("S3Uri", "S3DataType", "CompressionType"),
    )
    scope.choice(s3["S3DataType"], f"{path}.S3DataSource.S3DataType", ("S3Prefix", "S3Object"))
    scope.choice(s3["CompressionType"], f"{path}.S3DataSource.CompressionType", ("None", "Gzip"))


def _serverless(scope: Scope, value: Any, path: str) -> dict[str, Any]:
    config = scope.mapping(value, path, _SERVERLESS_KEYS, required=("MemorySizeInMB", "MaxConcurrency"))
    memory = scope.integer(config["MemorySizeInMB"], f"{path}.MemorySizeInMB")
    if memory is not None and memory not in _SERVERLESS_MEMORY:
        raise scope.error(
            f"{path}.MemorySizeInMB",
            f"must be one of {', '.join(map(str, _SERVERLESS_MEMORY))}, got {memory}",
        )
    concurrency = scope.integer(config["MaxConcurrency"], f"{path}.MaxConcurrency", 1, 200)
    result = {"MemorySizeInMB": config["MemorySizeInMB"], "MaxConcurrency": config["MaxConcurrency"]}
    if "ProvisionedConcurrency" in config:
        provisioned = scope.integer(
            config["ProvisionedConcurrency"], f"{path}.ProvisionedConcurrency", 1, 200
        )
        if provisioned is not None and concurrency is not None and provisioned > concurrency:
            raise scope.error(
                path, f"ProvisionedConcurrency {provisioned} is greater than MaxConcurrency {concurrency}"
            )
        result["ProvisionedConcurrency"] = config["ProvisionedConcurrency"]
    return result


def _check_autoscaling(
    scope: Scope,
    value: Any,
    path: str,
    instance_type: str | None,
    instance_count: int | None,
    *,
    is_async: bool,
) -> Mapping[str, Any]:
    config = scope.mapping(value, path, _AUTOSCALING_KEYS, required=("MaxCapacity",))
    if instance_type is not None and instance_type.startswith("ml.t"):
        raise scope.error(
            path,
            f"autoscaling is not supported on burstable instance type {instance_type} "
            "(ml.t*); use another instance family or remove AutoScaling",
        )
    minimum = scope.integer(config.get("MinCapacity", 1), f"{path}.MinCapacity", 0)
    maximum = scope.integer(config["MaxCapacity"], f"{path}.MaxCapacity", 1)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise scope.error(path, f"MinCapacity {minimum} is greater than MaxCapacity {maximum}")
    if minimum == 0 and not is_async:
        raise scope.error(path, "MinCapacity 0 is only allowed for asynchronous endpoints (AsyncInference)")
    # InstanceCount below MinCapacity is allowed: registering the scalable target "changes the
    # resource's current capacity to a value that is inside of this range" (Application Auto Scaling
    # API reference, RegisterScalableTarget); `lint` warns (W9103).
    if instance_count is not None and maximum is not None and instance_count > maximum:
        raise scope.error(
            path,
            f"InstanceCount {instance_count} is outside [MinCapacity {minimum}, MaxCapacity {maximum}]",
        )
    targets = [key for key in _TARGETS if key in config]
    if len(targets) != 1:
        raise scope.error(
            path,
            f"give exactly one scaling target: {', '.join(_TARGETS)}"
            + (f" (got {', '.join(targets)})" if targets else ""),
        )
    target = targets[0]
    if target == "TargetInvocationsPerInstance":
        scope.number(config[target], f"{path}.{target}", 0, exclusive_minimum=True)
    elif target == "MaxRequestsPerSecond":
        scope.number(config[target], f"{path}.{target}", 0, literal=True, exclusive_minimum=True)
    elif target == "TargetBacklogPerInstance":
        if not is_async:
            raise scope.error(
                path, "TargetBacklogPerInstance needs an asynchronous endpoint (AsyncInference)"
            )
        scope.number(config[target], f"{path}.{target}", 0, exclusive_minimum=True)
    else:
        scope.number(config[target], f"{path}.{target}", 0, 100, exclusive_minimum=True)
    if "SafetyFactor" in config:
        if target != "MaxRequestsPerSecond":
            raise scope.error(path, "SafetyFactor only applies to MaxRequestsPerSecond")
        scope.number(
            config["SafetyFactor"], f"{path}.SafetyFactor", 0, 1, literal=True, exclusive_minimum=True
        )
    if "ScaleFromZero" in config and scope.boolean(config["ScaleFromZero"], f"{path}.ScaleFromZero"):
        if target != "TargetBacklogPerInstance":
            raise scope.error(path, "ScaleFromZero only applies to TargetBacklogPerInstance")
        if minimum != 0:
            raise scope.error(path, f"ScaleFromZero needs MinCapacity 0, got {minimum}")
    for key in ("ScaleInCooldown", "ScaleOutCooldown"):
        if key in config:
            scope.integer(config[key], f"{path}.{key}", 0)
    if "DisableScaleIn" in config:
        scope.boolean(config["DisableScaleIn"], f"{path}.DisableScaleIn")
    if "RoleARN" in config:
        role = scope.string(config["RoleARN"], f"{path}.RoleARN")
        if role is not None and not role.startswith("arn:"):
            raise scope.error(f"{path}.RoleARN", f"must be an IAM role ARN, got {show(role)}")
    if "SuspendedState" in config and not is_intrinsic(config["SuspendedState"]):
        state = scope.mapping(config["SuspendedState"], f"{path}.SuspendedState", _SUSPENDED_KEYS)
        for key in state:
            scope.boolean(state[key], f"{path}.SuspendedState.{key}")
    for key in ("PolicyName", "ScaleFromZeroPolicyName"):
        if key in config:
            # PutScalingPolicy PolicyName: 1-256 printable characters (API reference).
            policy = scope.string(config[key], f"{path}.{key}")
            if policy is not None and not (1 <= len(policy) <= 256 and policy.isprintable()):
                raise scope.error(f"{path}.{key}", f"must be 1-256 printable characters, got {show(policy)}")
    if "ScaleFromZeroPolicyName" in config and "ScaleFromZero" not in config:
        raise scope.error(path, "ScaleFromZeroPolicyName only applies with ScaleFromZero: true")
    return config


def _check_unique_names(scope: Scope, raw_variants: list[Any]) -> None:
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_variants):
        name = scope.resolve(raw.get("Name")) if isinstance(raw, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            raise scope.error(
                f"Variants[{index}].Name", f"duplicate variant name {name!r} (also Variants[{seen[name]}])"
            )
        seen[name] = index


def _check_variant_set(scope: Scope, variants: list[_Variant], *, is_async: bool) -> None:
    kinds = {variant.serverless for variant in variants}
    if len(kinds) > 1:
        raise scope.error(
            "Variants", "serverless and instance-based variants cannot be mixed in one endpoint"
        )
    if is_async and True in kinds:
        raise scope.error("AsyncInference", "asynchronous endpoints cannot have serverless variants")


# -- autoscaling ---------------------------------------------------------------------------------


def _autoscaling(expansion: _Expansion, logical_id: str, variant: _Variant, endpoint_name: Any) -> None:
    config = variant.autoscaling
    if config is None:
        return
    scope = expansion.scope
    prefix = f"{logical_id}{variant.key}"
    target_id = f"{prefix}ScalableTarget"
    condition = variant.autoscaling_condition
    target: dict[str, Any] = {
        "MaxCapacity": config["MaxCapacity"],
        "MinCapacity": config.get("MinCapacity", 1),
        "ResourceId": _text("endpoint/", endpoint_name, "/variant/", variant.name),
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker",
    }
    for key in ("RoleARN", "SuspendedState"):
        if key in config:
            target[key] = config[key]
    expansion.add(
        target_id,
        "AWS::ApplicationAutoScaling::ScalableTarget",
        target,
        condition,
        DependsOn=[logical_id],
    )
    tracking: dict[str, Any] = {}
    path = f"{variant.path}.AutoScaling"
    if "TargetInvocationsPerInstance" in config:
        tracking["TargetValue"] = config["TargetInvocationsPerInstance"]
        tracking["PredefinedMetricSpecification"] = {
            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
        }
    elif "MaxRequestsPerSecond" in config:
        rps = scope.number(config["MaxRequestsPerSecond"], f"{path}.MaxRequestsPerSecond", literal=True)
        factor = _DEFAULT_SAFETY_FACTOR
        if "SafetyFactor" in config:
            factor = scope.number(config["SafetyFactor"], f"{path}.SafetyFactor", literal=True) or factor
        tracking["TargetValue"] = _clean_number((rps or 0.0) * 60 * factor)
        tracking["PredefinedMetricSpecification"] = {
            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
        }
    elif "TargetBacklogPerInstance" in config:
        tracking["TargetValue"] = config["TargetBacklogPerInstance"]
        tracking["CustomizedMetricSpecification"] = {
            "MetricName": "ApproximateBacklogSizePerInstance",
            "Namespace": INVOCATION_NAMESPACE,
            "Dimensions": [{"Name": "EndpointName", "Value": endpoint_name}],
            "Statistic": "Average",
        }
    else:
        tracking["TargetValue"] = config["TargetCpuUtilization"]
        tracking["CustomizedMetricSpecification"] = {
            "MetricName": "CPUUtilization",
            "Namespace": INSTANCE_NAMESPACE,
            "Dimensions": [
                {"Name": "EndpointName", "Value": endpoint_name},
                {"Name": "VariantName", "Value": variant.name},
            ],
            "Statistic": "Average",
        }
    for key in ("ScaleInCooldown", "ScaleOutCooldown", "DisableScaleIn"):
        if key in config:
            tracking[key] = config[key]
    expansion.add(
        f"{prefix}ScalingPolicy",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": config.get("PolicyName", _text(f"{logical_id}-", variant.name, "-target-tracking")),
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": target_id},
            "TargetTrackingScalingPolicyConfiguration": tracking,
        },
        condition,
    )
    if "ScaleFromZero" in config and scope.boolean(config["ScaleFromZero"], f"{path}.ScaleFromZero"):
        step_id = f"{prefix}ScaleFromZeroPolicy"
        expansion.add(
            step_id,
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            {
                "PolicyName": config.get(
                    "ScaleFromZeroPolicyName", _text(f"{logical_id}-", variant.name, "-scale-from-zero")
                ),
                "PolicyType": "StepScaling",
                "ScalingTargetId": {"Ref": target_id},
                "StepScalingPolicyConfiguration": {
                    "AdjustmentType": "ChangeInCapacity",
                    "MetricAggregationType": "Average",
                    "Cooldown": config.get("ScaleOutCooldown", 300),
                    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
                },
            },
            condition,
        )
        expansion.add(
            f"{prefix}HasBacklogWithoutCapacityAlarm",
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": alarm_name(logical_id, variant.name, "HasBacklogWithoutCapacity"),
                "AlarmDescription": _text(
                    "Wakes variant ",
                    variant.name,
                    f" of {logical_id} from zero instances when requests are queued",
                ),
                "Namespace": INVOCATION_NAMESPACE,
                "MetricName": "HasBacklogWithoutCapacity",
                "Dimensions": [{"Name": "EndpointName", "Value": endpoint_name}],
                "Statistic": "Average",
                "Period": 60,
                "EvaluationPeriods": 2,
                "DatapointsToAlarm": 2,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "missing",
                "AlarmActions": [{"Ref": step_id}],
            },
            condition,
        )


def _text(*parts: Any) -> Any:
    """Concatenate strings and intrinsics: a string if every part is one, else ``Fn::Join``."""
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return {"Fn::Join": ["", merged]}


def _clean_number(value: float) -> int | float:
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


# -- alarms --------------------------------------------------------------------------------------


def _alarms(
    expansion: _Expansion, logical_id: str, variant: _Variant, endpoint_name: Any, alarm_actions: Any
) -> None:
    if not variant.alarms:
        return
    scope = expansion.scope
    for metric, spec in variant.alarms.items():
        path = f"{variant.path}.Alarms.{metric}"
        namespace, default_statistic = VARIANT_METRICS[metric]
        if isinstance(spec, Mapping) and not is_intrinsic(spec):
            config = scope.mapping(spec, path, _ALARM_KEYS, required=("Threshold",))
        else:
            config = {"Threshold": spec}
        scope.number(config["Threshold"], f"{path}.Threshold" if config is spec else path)
        suffix = alarm_suffix(logical_id, variant.name, metric) if isinstance(variant.name, str) else ""
        if len(suffix) > MAX_ALARM_NAME_SUFFIX:
            raise scope.error(
                path,
                f"alarm name {suffix!r} is longer than {MAX_ALARM_NAME_SUFFIX} characters "
                "(with the stack name it would exceed CloudWatch's 255); shorten the "
                "logical id or the variant name",
            )
        properties: dict[str, Any] = {
            "AlarmName": alarm_name(logical_id, variant.name, metric),
            "AlarmDescription": _text(f"{metric} of variant ", variant.name, f" of {logical_id}"),
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [
                {"Name": "EndpointName", "Value": endpoint_name},
                {"Name": "VariantName", "Value": variant.name},
            ],
        }
        statistic = default_statistic
        if "Statistic" in config:
            statistic = scope.string(config["Statistic"], f"{path}.Statistic", literal=True) or statistic
        if statistic in _STATISTICS:
            properties["Statistic"] = statistic
        elif _PERCENTILE_RE.match(statistic):
            properties["ExtendedStatistic"] = statistic
        else:
            raise scope.error(
                f"{path}.Statistic",
                f"must be one of {', '.join(_STATISTICS)} or a percentile like p99, got {statistic!r}",
            )
        period: Any = config.get("Period", 60)
        seconds = scope.integer(period, f"{path}.Period", 10)
        if seconds is not None and seconds not in (10, 20, 30) and seconds % 60:
            raise scope.error(f"{path}.Period", f"must be 10, 20, 30 or a multiple of 60, got {seconds}")
        properties["Period"] = period
        evaluation = config.get("EvaluationPeriods", 1)
        evaluations = scope.integer(evaluation, f"{path}.EvaluationPeriods", 1)
        properties["EvaluationPeriods"] = evaluation
        if "DatapointsToAlarm" in config:
            datapoints = scope.integer(config["DatapointsToAlarm"], f"{path}.DatapointsToAlarm", 1)
            if datapoints is not None and evaluations is not None and datapoints > evaluations:
                raise scope.error(
                    path, f"DatapointsToAlarm {datapoints} is greater than EvaluationPeriods {evaluations}"
                )
            properties["DatapointsToAlarm"] = config["DatapointsToAlarm"]
        properties["Threshold"] = config["Threshold"]
        properties["ComparisonOperator"] = (
            scope.choice(config["ComparisonOperator"], f"{path}.ComparisonOperator", _OPERATORS)
            if "ComparisonOperator" in config
            else _OPERATORS[0]
        )
        properties["TreatMissingData"] = (
            scope.choice(config["TreatMissingData"], f"{path}.TreatMissingData", _MISSING_DATA)
            if "TreatMissingData" in config
            else _MISSING_DATA[0]
        )
        if alarm_actions is not None:
            properties["AlarmActions"] = alarm_actions
        alarm_id = f"{logical_id}{variant.key}{metric}Alarm"
        expansion.add(alarm_id, "AWS::CloudWatch::Alarm", properties, variant.alarms_condition)
        expansion.rollback_alarm_ids.append(alarm_id)
        expansion.rollback_alarm_names.append(properties["AlarmName"])
        expansion.rollback_alarm_conditions.append(variant.alarms_condition)


# -- deployment ----------------------------------------------------------------------------------


def _size(scope: Scope, value: Any, path: str) -> tuple[dict[str, Any], str, int]:
    """``10%`` -> CAPACITY_PERCENT 10; ``2`` -> INSTANCE_COUNT 2."""
    resolved = scope.resolve(value)
    if isinstance(resolved, str) and resolved.strip().endswith("%"):
        percent = scope.integer(resolved.strip()[:-1], path, 1, 100)
        if percent is None:  # pragma: no cover - a literal string is never unknown
            raise scope.error(path, "must be a percent like 10%")
        return {"Type": "CAPACITY_PERCENT", "Value": percent}, "CAPACITY_PERCENT", percent
    if is_intrinsic(resolved):
        raise scope.error(
            path, "must be a percent like 10% or a whole instance count (a literal or a Ref to a parameter)"
        )
    try:
        count = scope.integer(resolved, path, 1)
    except ValueError:
        raise scope.error(
            path, f"must be a percent like 10% or a whole instance count, got {resolved!r}"
        ) from None
    if count is None:  # pragma: no cover - resolved is no intrinsic
        raise scope.error(path, "must be a whole instance count")
    return {"Type": "INSTANCE_COUNT", "Value": count}, "INSTANCE_COUNT", count


def _deployment(
    scope: Scope, value: Any, variants: list[_Variant], expansion: _Expansion
) -> dict[str, Any] | None:
    alarm_names = expansion.rollback_alarm_names
    config = scope.mapping(value, "Deployment", _DEPLOYMENT_KEYS) if value is not None else {}
    strategy = scope.choice(config.get("Strategy", "AllAtOnce"), "Deployment.Strategy", _STRATEGIES)
    rollback = bool(alarm_names)
    if "RollbackOnAlarms" in config:
        rollback = scope.boolean(config["RollbackOnAlarms"], "Deployment.RollbackOnAlarms")
        if rollback and not alarm_names:
            raise scope.error(
                "Deployment.RollbackOnAlarms", "is true but no variant has Alarms to roll back on"
            )
    if rollback and len(alarm_names) > _MAX_ROLLBACK_ALARMS:
        raise scope.error(
            "Deployment.RollbackOnAlarms",
            f"{len(alarm_names)} alarms exceed SageMaker's limit "
            f"of {_MAX_ROLLBACK_ALARMS} rollback alarms; set "
            "RollbackOnAlarms: false or drop some alarms",
        )
    if value is None and not rollback:
        return None
    sizes = {"Canary": "CanarySize", "Linear": "LinearStepSize", "Rolling": "BatchSize"}
    for key in sizes.values():
        if key in config and sizes.get(strategy) != key:
            raise scope.error("Deployment", f"{key} does not apply to Strategy {strategy}")
    wait: Any = config.get("WaitIntervalSeconds", _DEFAULT_WAIT if strategy != "AllAtOnce" or rollback else 0)
    scope.integer(wait, "Deployment.WaitIntervalSeconds", 0, 3600)
    fleet = [variant.instance_count for variant in variants]
    smallest = min((count for count in fleet if count is not None), default=None)

    result: dict[str, Any] = {}
    if strategy == "Rolling":
        if len(variants) > 1:
            raise scope.error(
                "Deployment.Strategy",
                f"Rolling updates support a single variant, the endpoint has "
                f"{len(variants)}; use AllAtOnce, Canary or Linear",
            )
        if variants[0].serverless:
            raise scope.error(
                "Deployment.Strategy",
                "Rolling updates are not supported for serverless variants; use AllAtOnce",
            )
        batch, _, _ = _size(scope, config.get("BatchSize", 1), "Deployment.BatchSize")
        policy: dict[str, Any] = {"MaximumBatchSize": batch, "WaitIntervalInSeconds": wait}
        if "MaximumExecutionTimeoutSeconds" in config:
            scope.integer(
                config["MaximumExecutionTimeoutSeconds"],
                "Deployment.MaximumExecutionTimeoutSeconds",
                600,
                28800,
            )
            policy["MaximumExecutionTimeoutInSeconds"] = config["MaximumExecutionTimeoutSeconds"]
        if "TerminationWaitSeconds" in config:
            raise scope.error("Deployment", "TerminationWaitSeconds does not apply to Strategy Rolling")
        result["RollingUpdatePolicy"] = policy
    else:
        routing: dict[str, Any] = {
            "Type": {"AllAtOnce": "ALL_AT_ONCE", "Canary": "CANARY", "Linear": "LINEAR"}[strategy],
            "WaitIntervalInSeconds": wait,
        }
        if strategy in ("Canary", "Linear"):
            key = sizes[strategy]
            if key not in config:
                raise scope.error(
                    "Deployment",
                    f"{key} is required for Strategy {strategy} (a percent like 10% "
                    "or a whole instance count)",
                )
            size, kind, amount = _size(scope, config[key], f"Deployment.{key}")
            if strategy == "Canary":
                _check_canary(scope, kind, amount, smallest)
            routing[key] = size
        policy = {"TrafficRoutingConfiguration": routing}
        if "TerminationWaitSeconds" in config:
            scope.integer(config["TerminationWaitSeconds"], "Deployment.TerminationWaitSeconds", 0, 3600)
            policy["TerminationWaitInSeconds"] = config["TerminationWaitSeconds"]
        if "MaximumExecutionTimeoutSeconds" in config:
            scope.integer(
                config["MaximumExecutionTimeoutSeconds"],
                "Deployment.MaximumExecutionTimeoutSeconds",
                600,
                14400,
            )
            policy["MaximumExecutionTimeoutInSeconds"] = config["MaximumExecutionTimeoutSeconds"]
        result["BlueGreenUpdatePolicy"] = policy
    if rollback:
        result["AutoRollbackConfiguration"] = _rollback_config(scope, expansion)
    return result


def _rollback_config(scope: Scope, expansion: _Expansion) -> dict[str, Any]:
    """``AutoRollbackConfiguration`` naming every generated alarm; conditional ones only when created.

    Unconditional alarms are named by their computed name (the endpoint ``DependsOn`` them); an
    alarm with a ``Condition`` is named with ``!If [Cond, {AlarmName: !Ref Alarm}, !Ref
    AWS::NoValue]`` (``Ref`` of an ``AWS::CloudWatch::Alarm`` is its name), so the endpoint never
    names an alarm CloudFormation did not create. SageMaker needs 1-10 alarms in the list
    (``AutoRollbackConfig.Alarms``): when every alarm has the same condition the whole
    configuration is conditional.
    """
    rows = list(
        zip(
            expansion.rollback_alarm_ids,
            expansion.rollback_alarm_names,
            expansion.rollback_alarm_conditions,
            strict=True,
        )
    )
    conditions = {condition for _, _, condition in rows}
    if None in conditions:
        return {
            "Alarms": [
                {"AlarmName": name}
                if condition is None
                else {"Fn::If": [condition, {"AlarmName": {"Ref": alarm_id}}, _NO_VALUE]}
                for alarm_id, name, condition in rows
            ]
        }
    if len(conditions) == 1:
        (condition,) = conditions
        alarms = [{"AlarmName": {"Ref": alarm_id}} for alarm_id, _, _ in rows]
        return {"Fn::If": [condition, {"Alarms": alarms}, _NO_VALUE]}
    raise scope.error(
        "Deployment.RollbackOnAlarms",
        "every rollback alarm is conditional, on different conditions "
        f"({', '.join(sorted(map(str, conditions)))}); "
        "SageMaker needs at least one: give one variant unconditional Alarms, or set "
        "RollbackOnAlarms: false",
    )


def _check_canary(scope: Scope, kind: str, amount: int, smallest: int | None) -> None:
    if kind == "CAPACITY_PERCENT":
        if amount > 50:
            raise scope.error(
                "Deployment.CanarySize", f"{amount}% is larger than half the fleet (at most 50%)"
            )
        return
    if smallest is not None and smallest < 2:
        raise scope.error(
            "Deployment.CanarySize",
            f"a canary of {amount} instance(s) needs at least {amount * 2} instances in every variant "
            f"(the smallest has {smallest}); use Strategy AllAtOnce with rollback alarms for a "
            "1-instance variant, or give it more instances",
        )
    if smallest is not None and amount * 2 > smallest:
        raise scope.error(
            "Deployment.CanarySize",
            f"{amount} instance(s) is larger than half the fleet "
            f"({smallest} instance(s) in the smallest variant; at most "
            f"{smallest // 2})",
        )


# -- dashboard -----------------------------------------------------------------------------------


def _dashboard_body(variants: list[_Variant], endpoint_name: Any) -> dict[str, Any]:
    """CloudWatch dashboard JSON: per variant, invocations, latency, errors and instance count."""
    widgets: list[dict[str, Any]] = []
    variables: dict[str, Any] = {"EndpointName": endpoint_name}
    for row, variant in enumerate(variants):
        shown_name = variant.name
        if not isinstance(shown_name, str):  # resolved by Fn::Sub, like the endpoint name
            variables[f"{variant.key}Name"] = variant.name
            shown_name = f"${{{variant.key}Name}}"
        dims = ["EndpointName", "${EndpointName}", "VariantName", shown_name]
        panels: list[tuple[str, list[list[Any]]]] = [
            ("Invocations", [[INVOCATION_NAMESPACE, "Invocations", *dims, {"stat": "Sum"}]]),
            (
                "Latency (microseconds)",
                [
                    [INVOCATION_NAMESPACE, "ModelLatency", *dims, {"stat": "p99"}],
                    [INVOCATION_NAMESPACE, "OverheadLatency", *dims, {"stat": "p99"}],
                ],
            ),
            (
                "Errors",
                [
                    [INVOCATION_NAMESPACE, "Invocation4XXErrors", *dims, {"stat": "Sum"}],
                    [INVOCATION_NAMESPACE, "Invocation5XXErrors", *dims, {"stat": "Sum"}],
                ],
            ),
        ]
        if not variant.serverless:
            panels.append(
                (
                    "Instances",
                    [
                        [
                            INSTANCE_NAMESPACE,
                            "CPUUtilization",
                            *dims,
                            {"stat": "SampleCount", "label": "instances reporting"},
                        ]
                    ],
                )
            )
        for column, (title, metrics) in enumerate(panels):
            widgets.append(
                {
                    "type": "metric",
                    "x": column * 6,
                    "y": row * 6,
                    "width": 6,
                    "height": 6,
                    "properties": {
                        "title": f"{shown_name}: {title}",
                        "region": "${AWS::Region}",
                        "metrics": metrics,
                        "period": 60,
                        "view": "timeSeries",
                    },
                }
            )
    body = json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))
    return {"Fn::Sub": [body, variables]}
