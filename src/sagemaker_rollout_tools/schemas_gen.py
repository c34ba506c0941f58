"""JSON Schemas of ``Custom::SageMakerEndpoint`` and ``SageMakerRollout::Endpoint``, generated.

Both schemas are generated from the code that validates the resources, never written by hand:

* ``Custom::SageMakerEndpoint``: the property names the provider accepts
  (``sagemaker_rollout.spec.endpoint.allowed_keys``) typed from SageMaker's own API model
  (:func:`sagemaker_rollout.spec.shapes.operation_input` of ``CreateEndpointConfig``,
  ``UpdateEndpoint`` and ``CreateEndpoint``'s ``Tags``), plus the provider's own keys.
* ``SageMakerRollout::Endpoint``: the macro's declarative schema
  (:mod:`sagemaker_rollout.macro.schema`), the same objects the macro validates through; the
  README's and ``docs/reference.md``'s property tables come from it too
  (:mod:`sagemaker_rollout_tools.compact_docs`, checked by ``--check``).

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

from sagemaker_rollout.sagemaker import NAME_PATTERN

__all__ = [
    "COMPACT_FILE",
    "ENDPOINT_FILE",
    "REGISTRY_FILE",
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
_NAME_PATTERN = NAME_PATTERN
_FUNCTION_ARN_PATTERN = (
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9_$-]+)?$"
)
_MAX_ENUM = 12  # as the provider: longer enums (instance types) grow with every release
_DESCRIPTION_LIMIT = 240


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
    from sagemaker_rollout.spec.endpoint import allowed_keys
    from sagemaker_rollout.spec.limits import MAX_SERVICE_TIMEOUT
    from sagemaker_rollout.spec.shapes import operation_input
    from sagemaker_rollout.spec.smoke import MAX_COUNT as MAX_SMOKE_COUNT

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
            "description": (
                "CloudFormation's limit for the request (s): a guarded rollout must be expected to fit "
                "(else it is aborted at its deadline), an unguarded one at its worst."
            ),
            **_integer(1, MAX_SERVICE_TIMEOUT),
        },
        "SmokeTest": {
            "description": "Calls checking the new fleet in a bake where it takes all traffic (and "
            "mixed-fleet bakes when Count reaches it) and after completion; a failure rolls back.",
            **_object(
                {
                    "FunctionArn": {
                        "description": "A Lambda (named by SmokeTestFunctionNamePattern: the provider "
                        "stack's parameter, the registry type's type configuration; tag "
                        'sagemaker-rollout:smoke-test=true) answering {"Passed": true|false}.',
                        **_string(pattern=_FUNCTION_ARN_PATTERN, max_length=256),
                    },
                    "Invoke": {
                        "description": "InvokeEndpoint on the endpoint: Body, ContentType, expected answer.",
                        **_object(
                            {
                                "Body": _string(),
                                "ContentType": _string(max_length=1024),
                                "ExpectStatus": _integer(100, 599),
                                "ExpectContentType": _string(max_length=1024),
                            },
                            required=["Body"],
                        ),
                    },
                    "Count": {"description": "Calls per run (default 3).", **_integer(1, MAX_SMOKE_COUNT)},
                }
            ),
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


def _prop_schema(prop: Any) -> dict[str, Any]:
    """JSON Schema of one declared compact property (:class:`sagemaker_rollout.macro.props.Prop`)."""
    kind = prop.kind
    exact: dict[str, Any]
    if kind == "integer":
        if prop.enum is not None:
            schema = {
                "anyOf": [
                    {"type": "integer", "enum": list(prop.enum)},
                    {"type": "string", "enum": [str(value) for value in prop.enum]},
                    _INTRINSIC,
                ]
            }
        else:
            schema = _integer(prop.minimum, prop.maximum)
    elif kind == "number":
        if prop.exclusive_minimum:
            schema = _number(maximum=prop.maximum, exclusive_minimum=prop.minimum)
        else:
            schema = _number(prop.minimum, prop.maximum)
    elif kind == "boolean":
        schema = _boolean()
    elif kind == "string":
        exact = {"type": "string"}
        if prop.enum is not None:
            exact["enum"] = list(prop.enum)
        if prop.pattern is not None and prop.enum is None:
            exact["pattern"] = prop.pattern
        if prop.max_length is not None:
            exact["maxLength"] = prop.max_length
        schema = _or_intrinsic(exact)
    elif kind == "object":
        schema = _or_intrinsic(_ref(prop.ref)) if prop.conditional else _ref(prop.ref)
    elif kind == "keyed":
        exact = {
            "type": "object",
            "additionalProperties": False,
            "properties": {key: _ref(prop.ref) for key in prop.keys},
        }
        schema = _or_intrinsic(exact)
    elif kind == "array":
        items = _prop_schema(prop.items) if prop.items is not None else {}
        exact = {"type": "array", "items": items}
        if prop.min_items is not None:
            exact["minItems"] = prop.min_items
        if prop.max_items is not None:
            exact["maxItems"] = prop.max_items
        schema = _or_intrinsic(exact)
    elif kind == "size":
        schema = _size()
    elif kind == "tags":
        schema = {
            "anyOf": [
                {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                {"type": "array", "items": _ref("Tag")},
                _INTRINSIC,
            ]
        }
    else:  # json
        schema = _or_intrinsic(dict(prop.json or {"type": "object"}))
    if prop.description and "$ref" not in schema:
        return {"description": prop.description, **schema}
    return schema


def _definition(obj: Any) -> dict[str, Any]:
    """JSON Schema of a declared compact object (:class:`sagemaker_rollout.macro.props.Obj`)."""
    definition: dict[str, Any] = {
        "description": obj.description,
        "type": "object",
        "additionalProperties": False,
        "properties": {key: _prop_schema(prop) for key, prop in obj.props.items()},
    }
    if obj.required:
        definition["required"] = list(obj.required)
    if obj.rules:
        definition["allOf"] = [
            {
                "if": {"properties": {rule.key: {"const": rule.value}}, "required": [rule.key]},
                "then": {
                    "properties": {key: _integer(low, high) for key, (low, high) in rule.ranges.items()}
                },
            }
            for rule in obj.rules
        ]
    if obj.shorthand is not None:
        return {"anyOf": [definition, {"type": ["number", "string"]}, _INTRINSIC]}
    return definition


def compact_schema() -> dict[str, Any]:
    """The registry schema of ``SageMakerRollout::Endpoint``, from the macro's declarative schema.

    Every definition is one object of :data:`sagemaker_rollout.macro.schema.OBJECTS` (the objects
    the macro validates through), the resource's properties its ``Properties``.
    """
    from sagemaker_rollout.macro.schema import OBJECTS

    definitions: dict[str, Any] = {"Intrinsic": _intrinsic_definition()}
    for name, obj in OBJECTS.items():
        if name != "Properties":
            definitions[name] = _definition(obj)
    endpoint = OBJECTS["Properties"]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "typeName": "SageMakerRollout::Endpoint",
        "description": endpoint.description,
        "sourceUrl": "https://github.com/example-org/sagemaker-rollout",
        "definitions": dict(sorted(definitions.items())),
        "properties": {
            **{key: _prop_schema(prop) for key, prop in endpoint.props.items()},
            "EndpointArn": {"description": "ARN of the endpoint (Fn::GetAtt).", "type": "string"},
            "EndpointConfigName": {"description": "Config the endpoint runs (Fn::GetAtt).", "type": "string"},
        },
        "additionalProperties": False,
        "required": list(endpoint.required),
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
                },
                "SmokeTestFunctionNamePattern": {
                    "description": "Lambda functions the type may invoke as a resource's SmokeTest "
                    "(FunctionArn): a function-name pattern of this account and region (IAM wildcards "
                    "* and ?); a function must also carry the tag sagemaker-rollout:smoke-test=true "
                    "(the execution role checks it too). Empty or absent (the default): none.",
                    "type": "string",
                    "maxLength": 64,
                    "pattern": "^[A-Za-z0-9_*?-]*$",
                },
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
    parser.add_argument(
        "--docs-root",
        type=Path,
        default=None,
        help="also the compact property tables of README.md and docs/reference.md under this "
        "repository root (the project's: .)",
    )
    args = parser.parse_args(argv)
    stale = []
    files = [(args.dir / name, content) for name, content in render().items()]
    if args.registry_dir is not None:
        files += [(args.registry_dir / name, content) for name, content in render_registry().items()]
    if args.docs_root is not None:
        from sagemaker_rollout_tools.compact_docs import render_docs

        files += list(render_docs(args.docs_root).items())
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
