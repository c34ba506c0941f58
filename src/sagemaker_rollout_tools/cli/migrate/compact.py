"""``--compact``: a ``SageMakerRollout::Endpoint`` that absorbs what belongs to a pair.

What belongs to an endpoint ``E`` whose config is ``C``, and is absorbed when the compact form can
say the same thing (otherwise it stays a plain resource, its references rewritten, and is listed):

* an ``AWS::SageMaker::Model`` named by one variant (``!GetAtt M.ModelName``) and used nowhere else,
  without a fixed ``ModelName`` (CloudFormation would create the macro's model under that name
  while the old one exists) or ``Tags`` (the macro tags models with the endpoint's tags). The
  macro creates it under a new logical id and name, so the adoption rolls the endpoint out onto it
  (a guarded rollout; the plain form avoids that);
* not the variant's scalable target and scaling policies: the macro would create a new
  ``AWS::ApplicationAutoScaling::ScalableTarget`` for a target that is still registered, and
  CloudFormation refuses to create a scalable target that exists ("... already exists", e.g.
  medikoo/serverless-plugin-dynamodb-autoscaling#11, aws/aws-cdk#12253), while the old one is
  only removed in the clean-up phase. They stay plain resources (listed), their ``ResourceId``
  rewritten to the new resource, so they resolve to the same values;
* an ``AWS::CloudWatch::Alarm`` on a SageMaker variant metric of ``E`` (dimensions EndpointName and
  VariantName), with the same ``AlarmActions`` as the others; the macro names alarms itself, so
  the alarm is re-created under a new name. ``DeploymentConfig.AutoRollbackConfiguration`` must
  name exactly the absorbed alarms (the compact form rolls back on all of them).

The endpoint level must be expressible too (``ProductionVariants`` keys the compact variant has,
``DataCaptureConfig``, ``AsyncInferenceConfig``, ``KmsKeyId``, ``Tags``, a ``DeploymentConfig``
of literal sizes); otherwise the pair is written as ``Custom::SageMakerEndpoint`` and listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.naming import VARIANT_METRICS
from sagemaker_rollout.macro.schema import CONTAINER_KEYS as _CONTAINER_KEYS  # the schema's, one place
from sagemaker_rollout_tools.cli.migrate.document import Document, intrinsic, plain
from sagemaker_rollout_tools.cli.migrate.ownership import (
    Ownership,
    autoscaling_groups,
    is_retained,
    ownership_of,
    properties,
    referenced,
    resource_type,
)

__all__ = ["COMPACT_TYPE", "MACRO_NAME", "add_transform", "compact_resource"]

COMPACT_TYPE = "SageMakerRollout::Endpoint"
MACRO_NAME = "SageMakerRollout"
_ALARM_TYPE = "AWS::CloudWatch::Alarm"
_MODEL_TYPE = "AWS::SageMaker::Model"
_MODEL_KEYS = ("ExecutionRoleArn", "VpcConfig", "EnableNetworkIsolation", "InferenceExecutionConfig")
_VARIANT_MAP = {
    "VariantName": "Name",
    "InstanceType": "InstanceType",
    "InitialInstanceCount": "InstanceCount",
    "InitialVariantWeight": "Weight",
    "ServerlessConfig": "Serverless",
    "VolumeSizeInGB": "VolumeSizeInGB",
    "ModelDataDownloadTimeoutInSeconds": "ModelDataDownloadTimeoutInSeconds",
    "ContainerStartupHealthCheckTimeoutInSeconds": "ContainerStartupHealthCheckTimeoutInSeconds",
}
_ALARM_KEYS = (
    "AlarmName",
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "AlarmActions",
)
_ALARM_SETTINGS = ("Period", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator")


class _NotExpressible(Exception):
    """The pair's endpoint level has something the compact form cannot say."""


# -- conversions --------------------------------------------------------------------------------


def _model(context: Ownership, node: Any, variant_index: int) -> tuple[Any, str | None, str | None]:
    """(compact value, absorbed model id, why not absorbed) for a variant's ModelName."""
    found = intrinsic(node)
    if found is None or found[0] != "Fn::GetAtt":
        return node, None, None
    argument = plain(node)["Fn::GetAtt"]
    parts = [*argument, None, None] if isinstance(argument, list) else [None, None]
    model_id, attribute = str(parts[0]), parts[1]
    if attribute != "ModelName" or resource_type(context.resources.get(model_id)) != _MODEL_TYPE:
        return node, None, None
    model = context.resources[model_id]
    # the macro gives every generated resource the compact resource's Condition
    endpoint_condition = context.resources[context.endpoint_id].get("Condition")
    props = properties(model)
    why = None
    if not context.used_only_by(model_id, {context.config_id}):
        why = f"also used by {', '.join(sorted(context.users.get(model_id, set()) - {context.config_id}))}"
    elif "ModelName" in props:
        why = "a fixed ModelName: CloudFormation would create the macro's model under the name still in use"
    elif model.get("Condition", endpoint_condition) != endpoint_condition:
        why = f"its Condition {model.get('Condition')} is not the endpoint's"
    elif "DependsOn" in model or is_retained(model):
        why = "it has DependsOn or DeletionPolicy Retain (the macro's models have neither)"
    else:
        extra = [key for key in props if key not in (*_MODEL_KEYS, "PrimaryContainer", "Containers")]
        containers = (
            [props["PrimaryContainer"]]
            if "PrimaryContainer" in props
            else list(props.get("Containers") or [])
        )
        extra += [
            f"container.{key}"
            for container in containers
            for key in (container if isinstance(container, Mapping) else {"<intrinsic>": 0})
            if key not in _CONTAINER_KEYS
        ]
        if extra or not containers or "ExecutionRoleArn" not in props:
            why = f"the compact Model cannot express {', '.join(extra) or 'it'}"
    if why is not None:
        context.report_not_converted.append(f"{model_id}: kept as a plain resource: {why}")
        return node, None, None
    compact = context.document.mapping()
    if "PrimaryContainer" in props:
        for key, value in props["PrimaryContainer"].items():
            compact[key] = value
    else:
        compact["Containers"] = props["Containers"]
    for key in _MODEL_KEYS:
        if key in props:
            compact[key] = props[key]
    return compact, str(model_id), None


def _alarm(context: Ownership, alarm_id: str) -> tuple[str, str, Any] | None:
    """(variant, metric, compact settings) of an alarm on one of the endpoint's variants."""
    alarm = context.resources[alarm_id]
    props = properties(alarm)
    metric, namespace = props.get("MetricName"), props.get("Namespace")
    if not isinstance(metric, str) or VARIANT_METRICS.get(str(metric), ("",))[0] != namespace:
        return None
    dimensions = props.get("Dimensions")
    if not isinstance(dimensions, list) or len(dimensions) != 2:
        return None
    by_name = {str(item.get("Name")): item.get("Value") for item in dimensions if isinstance(item, Mapping)}
    if set(by_name) != {"EndpointName", "VariantName"} or not context.is_endpoint_name(
        by_name["EndpointName"]
    ):
        return None
    variant = by_name["VariantName"]
    if not isinstance(variant, str) or str(variant) not in context.variants:
        return None
    why = None
    extra = [key for key in props if key not in _ALARM_KEYS] + [key for key in ("Condition",) if key in alarm]
    if extra:
        why = f"the compact Alarms cannot express {', '.join(extra)}"
    elif "Statistic" not in props and "ExtendedStatistic" not in props:
        why = "no Statistic"
    if why is not None:
        context.report_not_converted.append(f"{alarm_id}: kept as a plain resource: {why}")
        return None
    settings = context.document.mapping()
    settings["Statistic"] = props.get("Statistic", props.get("ExtendedStatistic"))
    for key in _ALARM_SETTINGS:
        if key in props:
            settings[key] = props[key]
    # CloudWatch's default for TreatMissingData is "missing"; the macro's is notBreaching.
    settings["TreatMissingData"] = props.get("TreatMissingData", "missing")
    return str(variant), str(metric), settings


def _size(value: Any) -> Any:
    size = plain(value)
    if not isinstance(size, dict) or not isinstance(size.get("Value"), int):
        raise _NotExpressible("a DeploymentConfig size that is not a literal")
    if size.get("Type") == "INSTANCE_COUNT":
        return size["Value"]
    if size.get("Type") == "CAPACITY_PERCENT":
        return f"{size['Value']}%"
    raise _NotExpressible(f"DeploymentConfig size type {size.get('Type')}")


def _deployment(context: Ownership, value: Any, rollback: bool | None) -> Any:
    """The compact ``Deployment`` for a SageMaker ``DeploymentConfig`` (or None)."""
    if value is None:
        return context.document.mapping([("RollbackOnAlarms", False)]) if rollback is False else None
    config = plain(value)
    if not isinstance(config, dict) or set(config) - {
        "BlueGreenUpdatePolicy",
        "RollingUpdatePolicy",
        "AutoRollbackConfiguration",
    }:
        raise _NotExpressible("DeploymentConfig")
    result = context.document.mapping()
    if "RollingUpdatePolicy" in config:
        policy = config["RollingUpdatePolicy"]
        if set(policy) - {"MaximumBatchSize", "WaitIntervalInSeconds", "MaximumExecutionTimeoutInSeconds"}:
            raise _NotExpressible("DeploymentConfig.RollingUpdatePolicy (RollbackMaximumBatchSize)")
        result["Strategy"] = "Rolling"
        result["BatchSize"] = _size(policy["MaximumBatchSize"])
    else:
        policy = config.get("BlueGreenUpdatePolicy") or {}
        routing = policy.get("TrafficRoutingConfiguration") or {}
        kind = routing.get("Type")
        strategies = {"ALL_AT_ONCE": "AllAtOnce", "CANARY": "Canary", "LINEAR": "Linear"}
        if kind not in strategies or set(policy) - {
            "TrafficRoutingConfiguration",
            "TerminationWaitInSeconds",
            "MaximumExecutionTimeoutInSeconds",
        }:
            raise _NotExpressible("DeploymentConfig.BlueGreenUpdatePolicy")
        result["Strategy"] = strategies[kind]
        if kind == "CANARY":
            result["CanarySize"] = _size(routing.get("CanarySize"))
        if kind == "LINEAR":
            result["LinearStepSize"] = _size(routing.get("LinearStepSize"))
        if "WaitIntervalInSeconds" in routing:
            result["WaitIntervalSeconds"] = routing["WaitIntervalInSeconds"]
        if "TerminationWaitInSeconds" in policy:
            result["TerminationWaitSeconds"] = policy["TerminationWaitInSeconds"]
    if "WaitIntervalInSeconds" in policy and "RollingUpdatePolicy" in config:
        result["WaitIntervalSeconds"] = policy["WaitIntervalInSeconds"]
    if "MaximumExecutionTimeoutInSeconds" in policy:
        result["MaximumExecutionTimeoutSeconds"] = policy["MaximumExecutionTimeoutInSeconds"]
    result["RollbackOnAlarms"] = rollback
    return result


def _rollback_alarms(context: Ownership, value: Any) -> set[str]:
    """Alarm logical ids named by ``DeploymentConfig.AutoRollbackConfiguration`` (by Ref or name)."""
    config = plain(value) if value is not None else {}
    alarms = ((config or {}).get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    names = {
        str(properties(resource).get("AlarmName")): str(logical_id)
        for logical_id, resource in context.resources.items()
        if resource_type(resource) == _ALARM_TYPE and isinstance(properties(resource).get("AlarmName"), str)
    }
    found: set[str] = set()
    for alarm in alarms:
        name = alarm.get("AlarmName") if isinstance(alarm, dict) else None
        if isinstance(name, dict) and isinstance(name.get("Ref"), str):
            found.add(name["Ref"])
        elif isinstance(name, str) and name in names:
            found.add(names[name])
        else:
            raise _NotExpressible(f"rollback alarm {name!r} (not an alarm of this template)")
    return found


def compact_resource(
    document: Document, pair: Any, *, endpoint_name: Any, report: Any
) -> tuple[Any, list[str]] | None:
    """The compact resource replacing ``pair`` and the ids it absorbs; None (listed) when it cannot."""
    resources = document.data["Resources"]
    endpoint, config = resources[pair.endpoint], resources[pair.config]
    endpoint_props, config_props = properties(endpoint), properties(config)
    context = ownership_of(document, pair, endpoint_name)
    try:
        node, absorbed = _compact(context, endpoint, config, endpoint_props, config_props, report)
    except _NotExpressible as err:
        report.not_converted.append(
            f"{pair.endpoint}: --compact cannot express {err}; written as Custom::SageMakerEndpoint instead"
        )
        return None
    report.not_converted.extend(context.report_not_converted)
    if any(model for model in absorbed if resource_type(resources[model]) == _MODEL_TYPE):
        report.notes.append(
            f"{pair.endpoint}: the macro re-creates the absorbed models under new names, so adopting "
            "rolls the endpoint out onto them (guarded); without --compact nothing is rolled out"
        )
    return node, absorbed


def _compact(
    context: Ownership, endpoint: Any, config: Any, endpoint_props: Any, config_props: Any, report: Any
) -> tuple[Any, list[str]]:
    document = context.document
    for key in config_props:
        if key not in (
            "EndpointConfigName",
            "ProductionVariants",
            "DataCaptureConfig",
            "AsyncInferenceConfig",
            "KmsKeyId",
            "Tags",
        ):
            raise _NotExpressible(f"{context.config_id}.Properties.{key}")
    for key in endpoint_props:
        if key not in ("EndpointName", "EndpointConfigName", "DeploymentConfig", "Tags"):
            raise _NotExpressible(f"{context.endpoint_id}.Properties.{key}")
    absorbed: list[str] = []
    variants = []
    for index, variant in enumerate(config_props.get("ProductionVariants") or []):
        if not isinstance(variant, Mapping):
            raise _NotExpressible(f"ProductionVariants[{index}] (not a mapping)")
        compact = document.mapping()
        for key, value in variant.items():
            if key == "ModelName":
                model, model_id, _ = _model(context, value, index)
                compact["Model" if model_id else "ModelName"] = model
                if model_id:
                    absorbed.append(model_id)
            elif key in _VARIANT_MAP:
                compact[_VARIANT_MAP[key]] = value
            else:
                raise _NotExpressible(f"ProductionVariants[{index}].{key}")
        variants.append(compact)
    by_variant = {str(variant.get("Name")): variant for variant in variants}
    for variant, target, policies in autoscaling_groups(context):
        context.report_not_converted.append(
            f"{target}: kept as a plain resource{' (with ' + ', '.join(policies) + ')' if policies else ''}: "
            f"the autoscaling of variant {variant} stays as written, because CloudFormation refuses to "
            "create a scalable target that is already registered, so the compact AutoScaling cannot "
            "take it over"
        )
    deployment_config = endpoint_props.get("DeploymentConfig")
    rollback_ids = _rollback_alarms(context, deployment_config)
    alarm_actions: Any = None
    alarms_found: list[str] = []
    for alarm_id, resource in context.resources.items():
        if resource_type(resource) != _ALARM_TYPE:
            continue
        allowed = {str(alarm_id), context.endpoint_id, context.config_id}
        converted = _alarm(context, str(alarm_id))
        if converted is None:
            continue
        if not context.used_only_by(str(alarm_id), allowed):
            context.report_not_converted.append(
                f"{alarm_id}: kept as a plain resource: referenced by other resources or outputs"
            )
            continue
        actions = plain(properties(resource).get("AlarmActions"))
        if alarms_found and actions != alarm_actions:
            context.report_not_converted.append(
                f"{alarm_id}: kept as a plain resource: AlarmActions differ from the other alarms'"
            )
            continue
        variant, metric, settings = converted
        alarms = by_variant[variant].setdefault("Alarms", document.mapping())
        if metric in alarms:
            context.report_not_converted.append(
                f"{alarm_id}: kept as a plain resource: a second {metric} alarm of variant {variant}"
            )
            continue
        alarms[metric] = settings
        alarm_actions = actions
        alarms_found.append(str(alarm_id))
    if (
        deployment_config is not None
        and "AutoRollbackConfiguration" in plain(deployment_config)
        and rollback_ids != set(alarms_found)
    ):
        raise _NotExpressible(
            "DeploymentConfig.AutoRollbackConfiguration naming other alarms than the absorbed ones "
            f"({', '.join(sorted(rollback_ids)) or 'none'} vs {', '.join(alarms_found) or 'none'})"
        )
    absorbed.extend(alarms_found)
    rollback = bool(rollback_ids) if alarms_found else None
    props = document.mapping(
        [("EndpointName", context.endpoint_name), ("Variants", document.sequence(variants))]
    )
    deployment = (
        _deployment(context, deployment_config, rollback)
        if rollback is not None or deployment_config is not None
        else None
    )
    if deployment is not None:
        if rollback is None:
            del deployment["RollbackOnAlarms"]
        props["Deployment"] = deployment
    if alarms_found and alarm_actions is not None:
        props["AlarmActions"] = properties(context.resources[alarms_found[0]])["AlarmActions"]
    if "DataCaptureConfig" in config_props:
        props["DataCapture"] = _data_capture(document, config_props["DataCaptureConfig"])
    if "AsyncInferenceConfig" in config_props:
        props["AsyncInference"] = _async_inference(document, config_props["AsyncInferenceConfig"])
    if "KmsKeyId" in config_props:
        props["KmsKeyId"] = config_props["KmsKeyId"]
    from sagemaker_rollout_tools.cli.migrate.stages import merged_tags

    tags = merged_tags(document, endpoint_props, config_props)
    if tags is not None:
        props["Tags"] = tags
    props["AdoptExistingEndpoint"] = True
    leftover = referenced(props) & set(absorbed)
    if leftover:
        raise _NotExpressible(f"references to {', '.join(sorted(leftover))} inside the endpoint")
    from sagemaker_rollout_tools.cli.migrate.stages import Pair, resource_node

    node = resource_node(
        document, COMPACT_TYPE, props, endpoint, config, Pair(context.endpoint_id, context.config_id), report
    )
    return node, absorbed


def _data_capture(document: Document, value: Any) -> Any:
    config = plain(value)
    if not isinstance(config, dict):
        raise _NotExpressible("DataCaptureConfig (an intrinsic)")
    known = {
        "EnableCapture",
        "InitialSamplingPercentage",
        "DestinationS3Uri",
        "KmsKeyId",
        "CaptureOptions",
        "CaptureContentTypeHeader",
    }
    if set(config) - known:
        raise _NotExpressible(f"DataCaptureConfig.{sorted(set(config) - known)[0]}")
    result = document.mapping([("DestinationS3Uri", value["DestinationS3Uri"])])
    if "InitialSamplingPercentage" in value:
        result["SamplingPercentage"] = value["InitialSamplingPercentage"]
    if "EnableCapture" in value:
        result["EnableCapture"] = value["EnableCapture"]
    options = config.get("CaptureOptions")
    if options is not None:
        if not isinstance(options, list) or not all(
            isinstance(o, dict) and set(o) == {"CaptureMode"} for o in options
        ):
            raise _NotExpressible("DataCaptureConfig.CaptureOptions")
        result["CaptureModes"] = document.sequence([option["CaptureMode"] for option in options])
    if "KmsKeyId" in value:
        result["KmsKeyId"] = value["KmsKeyId"]
    header = config.get("CaptureContentTypeHeader") or {}
    for key in ("CsvContentTypes", "JsonContentTypes"):
        if key in header:
            result[key] = value["CaptureContentTypeHeader"][key]
    return result


def _async_inference(document: Document, value: Any) -> Any:
    config = plain(value)
    if not isinstance(config, dict) or set(config) - {"OutputConfig", "ClientConfig"}:
        raise _NotExpressible("AsyncInferenceConfig")
    output = config.get("OutputConfig") or {}
    if (
        set(output) - {"S3OutputPath", "S3FailurePath", "KmsKeyId", "NotificationConfig"}
        or set(output.get("NotificationConfig") or {}) - {"SuccessTopic", "ErrorTopic"}
        or set(config.get("ClientConfig") or {}) - {"MaxConcurrentInvocationsPerInstance"}
    ):
        raise _NotExpressible("AsyncInferenceConfig")
    source = value["OutputConfig"]
    result = document.mapping([("OutputPath", source["S3OutputPath"])])
    if "S3FailurePath" in source:
        result["FailurePath"] = source["S3FailurePath"]
    for key in ("SuccessTopic", "ErrorTopic"):
        if key in (source.get("NotificationConfig") or {}):
            result[key] = source["NotificationConfig"][key]
    if "MaxConcurrentInvocationsPerInstance" in (config.get("ClientConfig") or {}):
        result["MaxConcurrentInvocationsPerInstance"] = value["ClientConfig"][
            "MaxConcurrentInvocationsPerInstance"
        ]
    if "KmsKeyId" in source:
        result["KmsKeyId"] = source["KmsKeyId"]
    return result


def add_transform(document: Document) -> None:
    """Add ``Transform: SageMakerRollout`` (first in a list: it runs before AWS SAM's)."""
    data = document.data
    current = data.get("Transform")
    if current is None:
        keys = list(data.keys())
        position = max(
            (keys.index(key) + 1 for key in ("AWSTemplateFormatVersion", "Description") if key in keys),
            default=0,
        )
        if hasattr(data, "insert"):
            data.insert(position, "Transform", MACRO_NAME)
        else:
            items = list(data.items())
            items.insert(position, ("Transform", MACRO_NAME))
            data.clear()
            data.update(items)
        return
    if isinstance(current, str):
        if current != MACRO_NAME:
            data["Transform"] = document.sequence([MACRO_NAME, current])
        return
    if isinstance(current, list) and MACRO_NAME not in current:
        current.insert(0, MACRO_NAME)
