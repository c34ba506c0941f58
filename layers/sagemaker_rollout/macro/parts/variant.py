"""Variants: ``Variants[i]`` -> a ``ProductionVariant``, its inline model, and what later parts need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.naming import pascal
from sagemaker_rollout.macro.parts.autoscaling import check_autoscaling
from sagemaker_rollout.macro.parts.common import Expansion, Variant, conditional
from sagemaker_rollout.macro.parts.model import model_properties
from sagemaker_rollout.macro.schema import AUTOSCALING, SERVERLESS, VARIANT
from sagemaker_rollout.macro.values import Scope, is_intrinsic

__all__ = ["check_unique_names", "check_variant_set", "variant"]

_PASSED_THROUGH = (
    "VolumeSizeInGB",
    "ModelDataDownloadTimeoutInSeconds",
    "ContainerStartupHealthCheckTimeoutInSeconds",
)


def variant(
    expansion: Expansion,
    logical_id: str,
    index: int,
    value: Any,
    tags: list[dict[str, Any]] | None,
    *,
    is_async: bool,
) -> Variant:
    """Validate ``Variants[index]``, add its inline model to ``expansion``, return its facts."""
    scope = expansion.scope
    path = f"Variants[{index}]"
    raw = VARIANT.mapping(scope, value, path)
    resolved_name = scope.resolve(raw["Name"])
    name: Any
    if is_intrinsic(resolved_name):
        # e.g. !Sub ${ModelVariant}-${ModelName}: CloudFormation resolves it; ids use the index.
        name, key = raw["Name"], f"Variant{index}"
    else:
        scope.string(raw["Name"], f"{path}.Name", literal=True)
        literal = VARIANT.read(scope, raw, "Name", path, value=resolved_name)
        name, key = literal, pascal(literal)
    if ("Model" in raw) == ("ModelName" in raw):
        raise scope.error(path, "give exactly one of Model (an inline model) or ModelName")
    if "Model" in raw:
        model_id = f"{logical_id}{key}Model"
        expansion.add(
            model_id, "AWS::SageMaker::Model", model_properties(scope, raw["Model"], f"{path}.Model", tags)
        )
        model_name: Any = {"Fn::GetAtt": [model_id, "ModelName"]}
    else:
        model_name = raw["ModelName"]

    properties: dict[str, Any] = {"VariantName": name, "ModelName": model_name}
    serverless = "Serverless" in raw
    instance_count: int | None = None
    autoscaling, autoscaling_condition = conditional(
        scope, raw.get("AutoScaling"), f"{path}.AutoScaling", expansion.condition
    )
    if serverless:
        for item in ("InstanceType", "InstanceCount"):
            if item in raw:
                raise scope.error(
                    path, f"{item} cannot be combined with Serverless (a serverless variant has no instances)"
                )
        properties["ServerlessConfig"] = _serverless(scope, raw["Serverless"], f"{path}.Serverless")
        if autoscaling is not None:
            autoscaling = check_autoscaling(
                scope, autoscaling, f"{path}.AutoScaling", is_async=is_async, serverless=raw["Serverless"]
            )
    else:
        if "InstanceType" not in raw:
            raise scope.error(path, "InstanceType is required (or Serverless for a serverless variant)")
        instance_type = VARIANT.read(scope, raw, "InstanceType", path)
        count_value: Any = raw.get("InstanceCount")
        if count_value is None:
            minimum = None
            if isinstance(autoscaling, Mapping) and "MinCapacity" in autoscaling:
                minimum = AUTOSCALING.read(scope, autoscaling, "MinCapacity", f"{path}.AutoScaling")
            count_value = max(minimum or 1, 1)
        instance_count = VARIANT.read(scope, raw, "InstanceCount", path, value=count_value)
        properties["InstanceType"] = raw["InstanceType"]
        properties["InitialInstanceCount"] = count_value
        if autoscaling is not None:
            autoscaling = check_autoscaling(
                scope,
                autoscaling,
                f"{path}.AutoScaling",
                is_async=is_async,
                instance_type=instance_type,
                instance_count=instance_count,
            )
    weight: Any = raw.get("Weight", VARIANT.props["Weight"].default)
    VARIANT.read(scope, raw, "Weight", path, value=weight)
    properties["InitialVariantWeight"] = weight
    for item in _PASSED_THROUGH:
        if item in raw:
            VARIANT.read(scope, raw, item, path)
            properties[item] = raw[item]
    alarms, alarms_condition = conditional(scope, raw.get("Alarms"), f"{path}.Alarms", expansion.condition)
    if alarms is not None:
        alarms = scope.mapping(alarms, f"{path}.Alarms", VARIANT.props["Alarms"].keys)
    return Variant(
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


def _serverless(scope: Scope, value: Any, path: str) -> dict[str, Any]:
    config = SERVERLESS.mapping(scope, value, path)
    SERVERLESS.read(scope, config, "MemorySizeInMB", path)
    concurrency = SERVERLESS.read(scope, config, "MaxConcurrency", path)
    result = {"MemorySizeInMB": config["MemorySizeInMB"], "MaxConcurrency": config["MaxConcurrency"]}
    if "ProvisionedConcurrency" in config:
        provisioned = SERVERLESS.read(scope, config, "ProvisionedConcurrency", path)
        if provisioned is not None and concurrency is not None and provisioned > concurrency:
            raise scope.error(
                path, f"ProvisionedConcurrency {provisioned} is greater than MaxConcurrency {concurrency}"
            )
        result["ProvisionedConcurrency"] = config["ProvisionedConcurrency"]
    return result


def check_unique_names(scope: Scope, raw_variants: list[Any]) -> None:
    """Refuse two variants with the same (known) name."""
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


def check_variant_set(scope: Scope, variants: list[Variant], *, is_async: bool) -> None:
    """Refuse serverless mixed with instance-based variants, and serverless asynchronous endpoints."""
    kinds = {item.serverless for item in variants}
    if len(kinds) > 1:
        raise scope.error(
            "Variants", "serverless and instance-based variants cannot be mixed in one endpoint"
        )
    if is_async and True in kinds:
        raise scope.error("AsyncInference", "asynchronous endpoints cannot have serverless variants")
