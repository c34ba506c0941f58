"""Endpoint-level settings: the name, tags, asynchronous inference, data capture, ``DependsOn``,
and the provider's own check of the generated properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.naming import default_endpoint_name_expression
from sagemaker_rollout.macro.schema import ASYNC_INFERENCE, DATA_CAPTURE, ENDPOINT, TAG
from sagemaker_rollout.macro.values import Scope, is_intrinsic

__all__ = ["async_inference", "data_capture", "depends_on", "endpoint_name", "provider_validation", "tags"]


def endpoint_name(scope: Scope, logical_id: str, value: Any) -> Any:
    """The user's ``EndpointName`` (checked), else the computed default."""
    if value is None:
        return default_endpoint_name_expression(logical_id)
    ENDPOINT.read(scope, {}, "EndpointName", "", value=value)
    return value


def tags(scope: Scope, value: Any) -> list[dict[str, Any]] | None:
    """``Tags`` as a mapping or ``[{Key, Value}]`` -> CloudFormation's list (values as strings)."""
    if value is None:
        return None
    if isinstance(value, Mapping) and not is_intrinsic(value):
        result = []
        for key, tag_value in value.items():
            if isinstance(tag_value, Mapping | list):
                raise scope.error(f"Tags.{key}", "must be a string")
            if isinstance(tag_value, bool):
                tag_value = str(tag_value).lower()
            elif isinstance(tag_value, int | float):
                tag_value = str(tag_value)
            result.append({"Key": str(key), "Value": tag_value})
        return result
    if isinstance(value, list):
        for index, tag in enumerate(value):
            TAG.mapping(scope, tag, f"Tags[{index}]")
        return [dict(tag) for tag in value]
    raise scope.error("Tags", "must be a mapping of tag names to values, or a list of {Key, Value}")


def async_inference(scope: Scope, value: Any) -> dict[str, Any] | None:
    """``AsyncInference`` -> ``AsyncInferenceConfig``."""
    if value is None:
        return None
    config = ASYNC_INFERENCE.mapping(scope, value, "AsyncInference")
    output: dict[str, Any] = {"S3OutputPath": config["OutputPath"]}
    if "FailurePath" in config:
        output["S3FailurePath"] = config["FailurePath"]
    if "KmsKeyId" in config:
        output["KmsKeyId"] = config["KmsKeyId"]
    notification = {key: config[key] for key in ("SuccessTopic", "ErrorTopic") if key in config}
    if notification:
        output["NotificationConfig"] = notification
    result: dict[str, Any] = {"OutputConfig": output}
    if "MaxConcurrentInvocationsPerInstance" in config:
        ASYNC_INFERENCE.read(scope, config, "MaxConcurrentInvocationsPerInstance", "AsyncInference")
        result["ClientConfig"] = {
            "MaxConcurrentInvocationsPerInstance": config["MaxConcurrentInvocationsPerInstance"]
        }
    return result


def data_capture(scope: Scope, value: Any) -> dict[str, Any]:
    """``DataCapture`` -> ``DataCaptureConfig`` (defaults from the schema)."""
    path = "DataCapture"
    config = DATA_CAPTURE.mapping(scope, value, path)
    enable: Any = True
    if "EnableCapture" in config:
        enable = DATA_CAPTURE.read(scope, config, "EnableCapture", path)
    sampling: Any = DATA_CAPTURE.props["SamplingPercentage"].default
    if "SamplingPercentage" in config:
        DATA_CAPTURE.read(scope, config, "SamplingPercentage", path)
        sampling = config["SamplingPercentage"]
    modes = config.get("CaptureModes", ["Input", "Output"])
    DATA_CAPTURE.read(scope, config, "CaptureModes", path, value=modes)
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


def depends_on(scope: Scope, value: Any) -> list[str]:
    """The compact resource's ``DependsOn`` as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise scope.error("DependsOn", "must be a logical id or a list of logical ids")


def provider_validation(scope: Scope, properties: Mapping[str, Any], *, registry: bool = False) -> None:
    """Run the provider's own property validation on the generated properties, when available.

    With the registry type the rollout may take as long as its handlers' timeout; a custom resource
    refused only for its hour says that the registry type would carry it.
    """
    try:
        from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
        from sagemaker_rollout.spec.limits import REGISTRY_TIME_LIMIT, needs_registry_type, registry_type_note
    except ImportError:  # pragma: no cover - the spec package ships with the layer
        return
    try:
        parse_endpoint_properties(
            properties, allow_intrinsics=True, time_limit=REGISTRY_TIME_LIMIT if registry else None
        )
    except PropertyError as err:
        note = "" if registry or not needs_registry_type(properties) else f"; {registry_type_note(True)}"
        raise scope.error("", f"{err}{note}") from err
