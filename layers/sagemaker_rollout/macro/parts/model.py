"""Inline models: ``Variants[i].Model`` -> an ``AWS::SageMaker::Model``'s properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.schema import CONTAINER, CONTAINER_KEYS, MODEL, MODEL_DATA_SOURCE, S3_DATA_SOURCE
from sagemaker_rollout.macro.values import Scope, is_intrinsic, show

__all__ = ["model_properties"]


def model_properties(
    scope: Scope, value: Any, path: str, tags: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """Validate an inline model and return its ``AWS::SageMaker::Model`` properties."""
    model = MODEL.mapping(scope, value, path)
    single = [key for key in CONTAINER_KEYS if key in model]
    result: dict[str, Any] = {}
    if "ModelName" in model:
        # A fixed name: CloudFormation then cannot replace the model (every AWS::SageMaker::Model
        # property change requires replacement), so a changed model needs a new name as well.
        MODEL.read(scope, model, "ModelName", path)
        result["ModelName"] = model["ModelName"]
    result["ExecutionRoleArn"] = model["ExecutionRoleArn"]
    if "Containers" in model:
        if single:
            raise scope.error(path, f"{single[0]} cannot be combined with Containers (put it in a container)")
        containers = MODEL.read(scope, model, "Containers", path)
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
        result["EnableNetworkIsolation"] = MODEL.read(scope, model, "EnableNetworkIsolation", path)
    if tags is not None:
        result["Tags"] = tags
    return result


def _container(scope: Scope, value: Any, path: str) -> dict[str, Any]:
    container = CONTAINER.mapping(scope, value, path)
    if "Environment" in container:
        _environment(scope, container["Environment"], f"{path}.Environment")
    if "ModelDataSource" in container:
        _model_data_source(scope, container["ModelDataSource"], f"{path}.ModelDataSource")
    return {key: container[key] for key in CONTAINER_KEYS if key in container}


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
    source = MODEL_DATA_SOURCE.mapping(scope, value, path)
    if is_intrinsic(source["S3DataSource"]):
        return
    s3_path = f"{path}.S3DataSource"
    s3 = S3_DATA_SOURCE.mapping(scope, source["S3DataSource"], s3_path)
    S3_DATA_SOURCE.read(scope, s3, "S3DataType", s3_path)
    S3_DATA_SOURCE.read(scope, s3, "CompressionType", s3_path)
