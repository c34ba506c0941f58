"""JSON Schemas of ``Custom::SageMakerEndpoint`` and ``SageMakerRollout::Endpoint``, generated.

Both schemas are generated from the code that validates the resources, never written by hand:

* ``Custom::SageMakerEndpoint``: the property names the provider accepts
  (``sagemaker_rollout.spec.endpoint.allowed_keys``) typed from SageMaker's own API model
  (:func:`sagemaker_rollout.spec.shapes.operation_input` of ``CreateEndpointConfig``,
  ``UpdateEndpoint`` and ``CreateEndpoint``'s ``Tags``), plus the provider's own keys.
* ``SageMakerRollout::Endpoint``: the key sets the macro accepts (its ``_..._KEYS`` tuples), typed
  by the table :data:`COMPACT_TYPES` below; generation fails if the two disagree.

The files are CloudFormation registry resource schemas (``typeName``, ``properties``,
``definitions``, ``readOnlyProperties``), so they serve both as plain JSON Schema (draft 7) for
editors and ``jsonschema``, and as ``cfn-lint --registry-schemas`` input. CloudFormation delivers
numbers and booleans as strings, and templates hold intrinsic functions, so every number accepts a
numeric string, every boolean ``"true"``/``"false"``, and every value an intrinsic function.

Run ``python -m sagemaker_rollout_tools.schemas_gen --write`` to regenerate ``schemas/`` and
``--check`` to verify the committed files are current.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "COMPACT_FILE",
    "COMPACT_TYPES",
    "ENDPOINT_FILE",
    "REGISTRY_FILE",
    "SchemaGenerationError",
    "compact_schema",
    "endpoint_schema",
    "main",
    "registry_schema",
    "render",
    "render_registry",
]

ENDPOINT_FILE = "Custom-SageMakerEndpoint.json"
COMPACT_FILE = "SageMakerRollout-Endpoint.json"
_INTRINSIC = {"$ref": "#/definitions/Intrinsic"}
_INTEGER_STRING = r"^\s*[+-]?\d+(\.0*)?\s*$"
_NUMBER_STRING = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_BOOLEAN_STRING = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\s*$"
_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
_MAX_ENUM = 12  # as the provider: longer enums (instance types) grow with every release
_DESCRIPTION_LIMIT = 240


class SchemaGenerationError(RuntimeError):
    """The declarative table and the macro's accepted keys disagree (a key without a type, or the reverse)."""


# ------------------------------------------------------------------------------ shared pieces --
def _intrinsic_definition() -> dict[str, Any]:
    return {
        "description": "An intrinsic function (Ref, Fn::GetAtt, Fn::Sub, ...), resolved at deploy time.",
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "patternProperties": {"^(Ref|Condition|Fn::[A-Za-z0-9]+)$": {}},
        "additionalProperties": False,
    }


def _or_intrinsic(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"anyOf": [dict(schema), _INTRINSIC]}


def _integer(minimum: float | None = None, maximum: float | None = None) -> dict[str, Any]:
    exact: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        exact["minimum"] = minimum
    if maximum is not None:
        exact["maximum"] = maximum
    return {"anyOf": [exact, {"type": "string", "pattern": _INTEGER_STRING}, _INTRINSIC]}


def _number(
    minimum: float | None = None, maximum: float | None = None, *, exclusive_minimum: float | None = None
) -> dict[str, Any]:
    exact: dict[str, Any] = {"type": "number"}
    if minimum is not None:
        exact["minimum"] = minimum
    if exclusive_minimum is not None:
        exact["exclusiveMinimum"] = exclusive_minimum
    if maximum is not None:
        exact["maximum"] = maximum
    return {"anyOf": [exact, {"type": "string", "pattern": _NUMBER_STRING}, _INTRINSIC]}


def _boolean() -> dict[str, Any]:
    return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _BOOLEAN_STRING}, _INTRINSIC]}


def _string(
    *, pattern: str | None = None, enum: Sequence[str] | None = None, max_length: int | None = None
) -> dict[str, Any]:
    exact: dict[str, Any] = {"type": "string"}
    if enum is not None:
        exact["enum"] = list(enum)
    if pattern is not None:
        exact["pattern"] = pattern
    if max_length is not None:
        exact["maxLength"] = max_length
    return _or_intrinsic(exact)


def _array(
    items: Mapping[str, Any], minimum: int | None = None, maximum: int | None = None
) -> dict[str, Any]:
    exact: dict[str, Any] = {"type": "array", "items": dict(items)}
    if minimum is not None:
        exact["minItems"] = minimum
    if maximum is not None:
        exact["maxItems"] = maximum
    return _or_intrinsic(exact)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/definitions/{name}"}


def _object(
    properties: Mapping[str, Any], required: Sequence[str] = (), description: str | None = None
) -> dict[str, Any]:
    exact: dict[str, Any] = {}
    if description:
        exact["description"] = description
    exact.update({"type": "object", "additionalProperties": False, "properties": dict(properties)})
    if required:
        exact["required"] = list(required)
    return {"anyOf": [exact, _INTRINSIC]}


def _describe(documentation: str) -> str | None:
    """First sentence of botocore's HTML documentation, as plain text."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", documentation or "")).strip()
    if not text:
        return None
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= _DESCRIPTION_LIMIT else sentence[: _DESCRIPTION_LIMIT - 3] + "..."


# ------------------------------------------------------------------- Custom::SageMakerEndpoint --
class _ShapeSchemas:
    """botocore shapes -> JSON Schema definitions (one definition per structure shape)."""

    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}

    def schema(self, shape: Any) -> dict[str, Any]:
        kind = shape.type_name
        meta = shape.metadata
        if kind == "structure":
            if shape.name not in self.definitions:
                self.definitions[shape.name] = {}  # placeholder: recursive shapes
                members = {name: self.member(member) for name, member in shape.members.items()}
                self.definitions[shape.name] = _object(
                    members, list(shape.required_members), _describe(getattr(shape, "documentation", ""))
                )
            return _ref(shape.name)
        if kind == "list":
            return _array(self.schema(shape.member), meta.get("min"), meta.get("max"))
        if kind == "map":
            return _or_intrinsic({"type": "object", "additionalProperties": self.schema(shape.value)})
        if kind in ("integer", "long"):
            return _integer(meta.get("min"), meta.get("max"))
        if kind in ("float", "double"):
            return _number(meta.get("min"), meta.get("max"))
        if kind == "boolean":
            return _boolean()
        if kind == "string":
            enum = list(getattr(shape, "enum", None) or [])
            exact: dict[str, Any] = {"type": "string"}
            if enum and len(enum) <= _MAX_ENUM:
                exact["enum"] = enum
            if meta.get("min") is not None:
                exact["minLength"] = meta["min"]
            if meta.get("max") is not None:
                exact["maxLength"] = meta["max"]
            pattern = meta.get("pattern")
            if pattern and "enum" not in exact:
                anchored = f"^(?:{pattern})$"
                try:
                    re.compile(anchored)
                except re.error:  # Java-only classes (\p{L}): the provider skips them too
                    anchored = ""
                if anchored:
                    exact["pattern"] = anchored
            return _or_intrinsic(exact)
        return {}

    def member(self, shape: Any) -> dict[str, Any]:
        schema = self.schema(shape)
        description = _describe(getattr(shape, "documentation", ""))
        if description and "$ref" not in schema:
            return {"description": description, **schema}
        return schema


def endpoint_schema() -> dict[str, Any]:
    """The registry schema of ``Custom::SageMakerEndpoint``."""
    # The provider's accepted keys: the same function parse_endpoint_properties uses.
    from sagemaker_rollout.spec.endpoint import MAX_SERVICE_TIMEOUT, allowed_keys
    from sagemaker_rollout.spec.shapes import operation_input

    shapes = _ShapeSchemas()
    sources = [operation_input("CreateEndpointConfig"), operation_input("UpdateEndpoint")]
    own: dict[str, Any] = {
        "ServiceToken": {
            "description": "ARN of the provider function (the provider stack's EndpointProviderArn output).",
            **_string(),
        },
        "EndpointName": {
            "description": "Endpoint name (default: from stack name and logical id); a change replaces it.",
            **_string(pattern=_NAME_PATTERN, max_length=63),
        },
        "Tags": {
            "description": "Tags of the endpoint and of every endpoint config the provider creates.",
            **shapes.schema(operation_input("CreateEndpoint").members["Tags"]),
        },
        "ServiceTimeout": {
            "description": "CloudFormation's limit for the request (s); rollouts are checked against it.",
            **_integer(1, MAX_SERVICE_TIMEOUT),
        },
        "RetainAllVariantProperties": {
            "description": "Keep autoscaled instance counts and weights across updates (default true).",
            **_boolean(),
        },
        "AllowUnguardedRollout": {
            "description": "Let an update that changes the variant set roll out without its DeploymentConfig "
            "(default false: refused, guardrails need the same variant names).",
            **_boolean(),
        },
        "AllowIrreversibleChanges": {
            "description": "Permit a change SageMaker cannot undo, serverless to instance-based "
            "(default false).",
            **_boolean(),
        },
        "AdoptExistingEndpoint": {
            "description": "Create takes over an existing endpoint its owner tagged "
            "sagemaker-rollout:adoptable=true (default false).",
            **_boolean(),
        },
    }
    properties: dict[str, Any] = {}
    for key in allowed_keys():
        if key in own:
            properties[key] = own[key]
            continue
        source = next(shape for shape in sources if key in shape.members)
        properties[key] = shapes.member(source.members[key])
    definitions = {"Intrinsic": _intrinsic_definition(), **dict(sorted(shapes.definitions.items()))}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "typeName": "Custom::SageMakerEndpoint",
        "description": "A SageMaker endpoint created, updated with guardrails (blue/green, canary, linear, "
        "rolling, alarm rollback), verified and deleted by the sagemaker-rollout provider.",
        "sourceUrl": "https://github.com/example-org/sagemaker-rollout",
        "definitions": definitions,
        "properties": {
            **properties,
            "EndpointArn": {"description": "ARN of the endpoint (Fn::GetAtt).", "type": "string"},
            "EndpointConfigName": {"description": "Config the endpoint runs (Fn::GetAtt).", "type": "string"},
        },
        "additionalProperties": False,
        "required": ["ServiceToken", "ProductionVariants"],
        "readOnlyProperties": ["/properties/EndpointArn", "/properties/EndpointConfigName"],
        "createOnlyProperties": ["/properties/EndpointName"],
        "primaryIdentifier": ["/properties/EndpointName"],
    }


# ------------------------------------------------------------------- SageMakerRollout::Endpoint --
def _size() -> dict[str, Any]:
    """``10%`` or a whole instance count."""
    return {
        "anyOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": r"^\s*(\d+%|\d+)\s*$"},
            _INTRINSIC,
        ]
    }


def _compact_types() -> dict[str, tuple[str, dict[str, Any], tuple[str, ...]]]:
    """definition -> (macro key tuple name, {key: schema}, required keys)."""
    from sagemaker_rollout.macro import endpoint as m
    from sagemaker_rollout.macro.naming import VARIANT_METRICS

    statistic = r"^(Sum|Average|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$"
    alarm = _ref("Alarm")
    return {
        "Properties": (
            "_ENDPOINT_KEYS",
            {
                "EndpointName": _string(pattern=_NAME_PATTERN, max_length=63),
                "Variants": _array(_ref("Variant"), 1, 10),
                "Deployment": _ref("Deployment"),
                "AlarmActions": _array(_string(), 1, 5),
                "AsyncInference": _ref("AsyncInference"),
                "DataCapture": _ref("DataCapture"),
                "KmsKeyId": _string(),
                "Dashboard": _boolean(),
                "Tags": {
                    "anyOf": [
                        {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                        {"type": "array", "items": _ref("Tag")},
                        _INTRINSIC,
                    ]
                },
                "ServiceTimeout": _integer(1, 3600),
                "AdoptExistingEndpoint": _boolean(),
                # A literal: it decides the generated resource's type.
                "Provider": {"type": "string", "enum": ["CustomResource", "RegistryType"]},
            },
            ("Variants",),
        ),
        "Variant": (
            "_VARIANT_KEYS",
            {
                "Name": _string(pattern=_NAME_PATTERN, max_length=63),
                "Model": _ref("Model"),
                "ModelName": _string(),
                "InstanceType": _string(pattern=r"^ml\."),
                "InstanceCount": _integer(1),
                "Weight": _number(0),
                "Serverless": _ref("Serverless"),
                # Fn::If [Condition, {...}, !Ref AWS::NoValue] turns the block on or off.
                "AutoScaling": _or_intrinsic(_ref("AutoScaling")),
                "Alarms": _or_intrinsic(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {metric: alarm for metric in VARIANT_METRICS},
                    }
                ),
                "VolumeSizeInGB": _integer(1),
                "ModelDataDownloadTimeoutInSeconds": _integer(1),
                "ContainerStartupHealthCheckTimeoutInSeconds": _integer(1),
            },
            ("Name",),
        ),
        "Model": (
            "_MODEL_KEYS",
            {
                "ModelName": _string(pattern=_NAME_PATTERN, max_length=63),
                "Image": _string(),
                "ModelDataUrl": _string(),
                "Environment": _or_intrinsic({"type": "object", "additionalProperties": {}}),
                "ContainerHostname": _string(),
                "Mode": _string(),
                "ImageConfig": _or_intrinsic({"type": "object"}),
                "ModelDataSource": _or_intrinsic({"type": "object"}),
                "Containers": _array(_ref("Container"), 1, 15),
                "ExecutionRoleArn": _string(),
                "VpcConfig": _or_intrinsic({"type": "object"}),
                "EnableNetworkIsolation": _boolean(),
                "InferenceExecutionConfig": _or_intrinsic({"type": "object"}),
            },
            ("ExecutionRoleArn",),
        ),
        "Container": (
            "_CONTAINER_KEYS",
            {
                "Image": _string(),
                "ModelDataUrl": _string(),
                "Environment": _or_intrinsic({"type": "object", "additionalProperties": {}}),
                "ContainerHostname": _string(),
                "Mode": _string(),
                "ImageConfig": _or_intrinsic({"type": "object"}),
                "ModelDataSource": _or_intrinsic({"type": "object"}),
            },
            ("Image",),
        ),
        "Serverless": (
            "_SERVERLESS_KEYS",
            {
                "MemorySizeInMB": {
                    "anyOf": [
                        {"type": "integer", "enum": list(m._SERVERLESS_MEMORY)},
                        {"type": "string", "enum": [str(x) for x in m._SERVERLESS_MEMORY]},
                        _INTRINSIC,
                    ]
                },
                "MaxConcurrency": _integer(1, 200),
                "ProvisionedConcurrency": _integer(1, 200),
            },
            ("MemorySizeInMB", "MaxConcurrency"),
        ),
        "AutoScaling": (
            "_AUTOSCALING_KEYS",
            {
                "MinCapacity": _integer(0),
                "MaxCapacity": _integer(1),
                "TargetInvocationsPerInstance": _number(exclusive_minimum=0),
                "MaxRequestsPerSecond": _number(exclusive_minimum=0),
                "TargetBacklogPerInstance": _number(exclusive_minimum=0),
                "TargetCpuUtilization": _number(maximum=100, exclusive_minimum=0),
                "SafetyFactor": _number(maximum=1, exclusive_minimum=0),
                "ScaleFromZero": _boolean(),
                "ScaleInCooldown": _integer(0),
                "ScaleOutCooldown": _integer(0),
                "DisableScaleIn": _boolean(),
                "RoleARN": _string(),
                "SuspendedState": _or_intrinsic({"type": "object"}),
                "PolicyName": _string(max_length=256),
                "ScaleFromZeroPolicyName": _string(max_length=256),
            },
            ("MaxCapacity",),
        ),
        "Alarm": (
            "_ALARM_KEYS",
            {
                "Threshold": _number(),
                "Statistic": _string(pattern=statistic),
                "Period": _integer(10),
                "EvaluationPeriods": _integer(1),
                "DatapointsToAlarm": _integer(1),
                "ComparisonOperator": _string(enum=m._OPERATORS),
                "TreatMissingData": _string(enum=m._MISSING_DATA),
            },
            ("Threshold",),
        ),
        "Deployment": (
            "_DEPLOYMENT_KEYS",
            {
                "Strategy": _string(enum=m._STRATEGIES),
                "CanarySize": _size(),
                "LinearStepSize": _size(),
                "BatchSize": _size(),
                "WaitIntervalSeconds": _integer(0, 3600),
                "TerminationWaitSeconds": _integer(0, 3600),
                "MaximumExecutionTimeoutSeconds": _integer(600, 28800),
                "RollbackOnAlarms": _boolean(),
            },
            (),
        ),
        "DataCapture": (
            "_DATA_CAPTURE_KEYS",
            {
                "DestinationS3Uri": _string(),
                "SamplingPercentage": _integer(0, 100),
                "CaptureModes": _array(_string(enum=("Input", "Output")), 1, 2),
                "KmsKeyId": _string(),
                "CsvContentTypes": _array(_string()),
                "JsonContentTypes": _array(_string()),
                "EnableCapture": _boolean(),
            },
            ("DestinationS3Uri",),
        ),
        "AsyncInference": (
            "_ASYNC_KEYS",
            {
                "OutputPath": _string(),
                "FailurePath": _string(),
                "SuccessTopic": _string(),
                "ErrorTopic": _string(),
                "MaxConcurrentInvocationsPerInstance": _integer(1, 1000),
                "KmsKeyId": _string(),
            },
            ("OutputPath",),
        ),
    }


#: Names of the compact schema's definitions, for documentation; the table itself is built lazily.
COMPACT_TYPES = (
    "Properties",
    "Variant",
    "Model",
    "Container",
    "Serverless",
    "AutoScaling",
    "Alarm",
    "Deployment",
    "DataCapture",
    "AsyncInference",
)


def compact_schema() -> dict[str, Any]:
    """The registry schema of ``SageMakerRollout::Endpoint``.

    Raises
    ------
    SchemaGenerationError
        When the typed table and the macro's accepted keys differ.
    """
    from sagemaker_rollout.macro import endpoint as macro_endpoint

    definitions: dict[str, Any] = {"Intrinsic": _intrinsic_definition()}
    properties: dict[str, Any] = {}
    required: tuple[str, ...] = ()
    for name, (keys_attribute, typed, needed) in _compact_types().items():
        accepted = tuple(getattr(macro_endpoint, keys_attribute))
        if set(accepted) != set(typed):
            missing, extra = sorted(set(accepted) - set(typed)), sorted(set(typed) - set(accepted))
            raise SchemaGenerationError(
                f"{name}: the macro accepts {missing} without a schema type; the table types {extra} the "
                "macro refuses"
            )
        ordered = {key: typed[key] for key in accepted}
        if name == "Properties":
            properties, required = ordered, needed
        else:
            definitions[name] = {
                "type": "object",
                "additionalProperties": False,
                "properties": ordered,
                **({"required": list(needed)} if needed else {}),
            }
    definitions["Alarm"] = {"anyOf": [definitions["Alarm"], {"type": ["number", "string"]}, _INTRINSIC]}
    definitions["Tag"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"Key": _string(), "Value": _string()},
        "required": ["Key", "Value"],
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "typeName": "SageMakerRollout::Endpoint",
        "description": "Compact SageMaker endpoint expanded by the SageMakerRollout macro into a "
        "Custom::SageMakerEndpoint with models, autoscaling, alarms and an optional dashboard.",
        "sourceUrl": "https://github.com/example-org/sagemaker-rollout",
        "definitions": dict(sorted(definitions.items())),
        "properties": {
            **properties,
            "EndpointArn": {"description": "ARN of the endpoint (Fn::GetAtt).", "type": "string"},
            "EndpointConfigName": {"description": "Config the endpoint runs (Fn::GetAtt).", "type": "string"},
        },
        "additionalProperties": False,
        "required": list(required),
        "readOnlyProperties": ["/properties/EndpointArn", "/properties/EndpointConfigName"],
        "createOnlyProperties": ["/properties/EndpointName"],
        "primaryIdentifier": ["/properties/EndpointName"],
    }


# ----------------------------------------------------- SageMakerRollout::SageMaker::Endpoint --
REGISTRY_FILE = "sagemakerrollout-sagemaker-endpoint.json"
"""The registry type's schema, in ``registry/`` (the CloudFormation CLI project's schema file)."""
_LOOSE_PATTERNS = (_INTEGER_STRING, _NUMBER_STRING, _BOOLEAN_STRING)


def _strict(node: Any) -> Any:
    """A custom-resource schema node without intrinsics and string-typed scalars.

    A registry type receives its properties typed as its schema says (CloudFormation validates
    them against it and resolves intrinsic functions first), unlike a custom resource, whose values
    all arrive as strings.
    """
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "anyOf" in node:
        kept = [
            option
            for option in node["anyOf"]
            if option != _INTRINSIC
            and not (option.get("type") == "string" and option.get("pattern") in _LOOSE_PATTERNS)
        ]
        rest = {key: value for key, value in node.items() if key != "anyOf"}
        if len(kept) == 1:
            return _strict({**rest, **kept[0]})
        return _strict({**rest, "anyOf": kept})
    strict = {key: _strict(value) for key, value in node.items()}
    if strict.get("type") == "array":
        strict.setdefault("insertionOrder", True)  # variants, alarms, ...: order is the user's
    return strict


def registry_schema() -> dict[str, Any]:
    """The schema of the registry type ``SageMakerRollout::SageMaker::Endpoint`` (contract section 8).

    The custom resource's properties (:func:`endpoint_schema`, from the same properties spec) minus
    ``ServiceToken`` and ``ServiceTimeout``, strictly typed; handlers with their permissions and
    timeouts from :mod:`sagemaker_rollout.registry_type`; the journal table as type configuration.
    """
    from sagemaker_rollout.registry_type.frontend import (
        HANDLER_PERMISSIONS,
        HANDLER_TIMEOUT_MINUTES,
        TYPE_NAME,
    )
    from sagemaker_rollout.registry_type.live import WRITE_ONLY

    base = endpoint_schema()
    properties = {
        key: value
        for key, value in base["properties"].items()
        if key not in ("ServiceToken", "ServiceTimeout")
    }
    properties["EndpointName"] = {
        "description": "Endpoint name (default: from stack name and logical id); a change replaces the "
        "endpoint.",
        "type": "string",
        "pattern": _NAME_PATTERN,
        "maxLength": 63,
    }
    definitions = _strict({key: value for key, value in base["definitions"].items() if key != "Intrinsic"})
    properties = _strict(properties)
    # Sets: the read handler returns them in its own order, which is no drift.
    properties["Tags"]["insertionOrder"] = False
    vpc = definitions.get("VpcConfig", {}).get("properties", {})
    for key in ("SecurityGroupIds", "Subnets"):
        if key in vpc:
            vpc[key]["insertionOrder"] = False
    handlers = {
        name: {"permissions": sorted(set(HANDLER_PERMISSIONS[name])), "timeoutInMinutes": minutes}
        for name, minutes in HANDLER_TIMEOUT_MINUTES.items()
    }
    return {
        "typeName": TYPE_NAME,
        "description": "A SageMaker endpoint created, updated with guardrails (blue/green, canary, "
        "linear, rolling, alarm rollback), verified and deleted by sagemaker-rollout, for rollouts of "
        "up to 36 hours.",
        "sourceUrl": base["sourceUrl"],
        "definitions": definitions,
        "properties": properties,
        "additionalProperties": False,
        "required": ["ProductionVariants"],
        "readOnlyProperties": ["/properties/EndpointArn", "/properties/EndpointConfigName"],
        "createOnlyProperties": ["/properties/EndpointName"],
        "writeOnlyProperties": [f"/properties/{key}" for key in WRITE_ONLY],
        "primaryIdentifier": ["/properties/EndpointName"],
        "tagging": {
            "taggable": True,
            "tagOnCreate": True,
            "tagUpdatable": True,
            "cloudFormationSystemTags": False,
            "tagProperty": "/properties/Tags",
            "permissions": ["sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags"],
        },
        "handlers": handlers,
        "typeConfiguration": {
            "properties": {
                "JournalTableName": {
                    "description": "The rollout journal: the provider stack's "
                    "RolloutJournalTableName output.",
                    "type": "string",
                    "minLength": 3,
                    "maxLength": 255,
                    "pattern": "^[a-zA-Z0-9_.-]+$",
                }
            },
            "additionalProperties": False,
            "required": ["JournalTableName"],
        },
    }


def render_registry() -> dict[str, str]:
    """File name -> content of the registry project's generated files."""
    return {REGISTRY_FILE: json.dumps(registry_schema(), indent=4) + "\n"}


# ------------------------------------------------------------------------------------ the CLI --
def render() -> dict[str, str]:
    """File name -> file content (deterministic: same code, same bytes)."""
    return {
        ENDPOINT_FILE: json.dumps(endpoint_schema(), indent=2) + "\n",
        COMPACT_FILE: json.dumps(compact_schema(), indent=2) + "\n",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``--write`` the schemas into ``--dir`` (default ``schemas``), or ``--check`` they are current."""
    parser = argparse.ArgumentParser(
        prog="python -m sagemaker_rollout_tools.schemas_gen",
        description="Generate the JSON Schemas of Custom::SageMakerEndpoint and SageMakerRollout::Endpoint.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the schema files")
    mode.add_argument("--check", action="store_true", help="exit 1 if a file is missing or out of date")
    parser.add_argument(
        "--dir", type=Path, default=Path("schemas"), help="directory of the files (default: schemas)"
    )
    parser.add_argument(
        "--registry-dir",
        type=Path,
        default=None,
        help="also the registry type's schema, in this directory (the project's: registry)",
    )
    args = parser.parse_args(argv)
    stale = []
    files = [(args.dir / name, content) for name, content in render().items()]
    if args.registry_dir is not None:
        files += [(args.registry_dir / name, content) for name, content in render_registry().items()]
    for path, content in files:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if args.write:
            if current != content:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
                print(f"wrote {path}")
        elif current != content:
            stale.append(str(path))
    if stale:
        print(
            f"out of date: {', '.join(stale)}; run python -m sagemaker_rollout_tools.schemas_gen --write",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
