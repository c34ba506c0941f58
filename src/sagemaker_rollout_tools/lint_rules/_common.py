"""Shared by the rules (not a rule: cfn-lint skips modules whose name starts with ``_``).

cfn-lint imports each rule module by file name, outside the package, so rules import this module
absolutely (``from sagemaker_rollout_tools.lint_rules._common import ...``) and define no base class (any
``CloudFormationLintRule`` subclass in a rule module's namespace would be instantiated as a rule).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "ENDPOINT_TYPES",
    "RESOURCE_ATTRIBUTES",
    "compact_errors",
    "depends_on",
    "endpoint_ids",
    "expanded_endpoint",
    "locate",
    "mentions",
    "plain",
    "resources_of_type",
    "split_path",
    "sub_references",
    "walk",
]

#: Keys of a resource outside ``Properties``: a macro error path starting with one is resource-level.
RESOURCE_ATTRIBUTES = frozenset(
    {"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}
)
_TOKEN_RE = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
#: ``${Name}`` / ``${Name.Attribute}`` of ``Fn::Sub`` (``${!Literal}`` is no reference).
_SUB_REFERENCE_RE = re.compile(r"\$\{([^!}][^}]*)\}")
#: Resource types whose ``Ref`` and ``Fn::GetAtt`` behave as ``Custom::SageMakerEndpoint``'s (the
#: compact resource keeps its logical id on the generated custom resource).
ENDPOINT_TYPES = ("Custom::SageMakerEndpoint", "SageMakerRollout::Endpoint")


def walk(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every node of a template (depth first) with its path from the root."""
    yield path, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def sub_references(value: Any) -> list[tuple[str, str | None]]:
    """``(logical id, attribute or None)`` of each ``${...}`` of an ``Fn::Sub`` value.

    Variables that the ``Fn::Sub`` binds itself (its second argument) are left out.
    """
    text: str | None = value if isinstance(value, str) else None
    variables: Mapping[str, Any] = {}
    if isinstance(value, list) and value and isinstance(value[0], str):
        text = value[0]
        variables = value[1] if len(value) > 1 and isinstance(value[1], Mapping) else {}
    if text is None:
        return []
    found: list[tuple[str, str | None]] = []
    for match in _SUB_REFERENCE_RE.finditer(text):
        name, _, attribute = match.group(1).partition(".")
        if name not in variables:
            found.append((name, attribute or None))
    return found


def plain(value: Any) -> Any:
    """cfn-lint's decoded nodes (``dict_node``, ``str_node`` ...) as plain JSON values."""
    return json.loads(json.dumps(value, default=str))


def resources_of_type(
    template: Mapping[str, Any], resource_type: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, plain resource) of every resource of ``resource_type``."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return
    for logical_id, resource in resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == resource_type:
            yield str(logical_id), plain(resource)


def endpoint_ids(template: Mapping[str, Any]) -> set[str]:
    """Logical ids of the template's endpoints of either of the project's types."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return set()
    return {
        str(logical_id)
        for logical_id, resource in resources.items()
        if isinstance(resource, Mapping) and resource.get("Type") in ENDPOINT_TYPES
    }


def split_path(path: str) -> list[str | int]:
    """``Variants[0].AutoScaling`` -> ``["Variants", 0, "AutoScaling"]``."""
    return [int(index) if index else name for index, name in _TOKEN_RE.findall(path)]


def locate(
    logical_id: str, resource: Mapping[str, Any], path: Sequence[str | int], *, in_properties: bool
) -> list[str | int]:
    """The template path of ``path`` inside the resource, cut at the deepest part that exists.

    A missing required property or an unknown key is reported at its parent, so cfn-lint always
    has a line number.
    """
    located: list[str | int] = ["Resources", logical_id]
    node: Any = resource
    if in_properties:
        located.append("Properties")
        node = resource.get("Properties")
    for part in path:
        in_mapping = isinstance(node, Mapping) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_mapping or in_list):
            break
        node = node[part]
        located.append(part)
    return located


def mentions(value: Any, logical_id: str, endpoint_name: Any) -> bool:
    """Whether ``value`` (a ResourceId) refers to the endpoint ``logical_id``."""
    if endpoint_name is not None and value == endpoint_name:
        return True
    if isinstance(endpoint_name, str) and isinstance(value, str) and f"endpoint/{endpoint_name}/" in value:
        return True
    if isinstance(value, Mapping):
        if value.get("Ref") == logical_id:
            return True
        get_att = value.get("Fn::GetAtt")
        if (isinstance(get_att, list) and get_att[:1] == [logical_id]) or (
            isinstance(get_att, str) and get_att.split(".")[0] == logical_id
        ):
            return True
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str) and (f"${{{logical_id}}}" in text or f"${{{logical_id}." in text):
            return True
        return any(mentions(item, logical_id, endpoint_name) for item in value.values())
    if isinstance(value, list):
        return any(mentions(item, logical_id, endpoint_name) for item in value)
    return False


def depends_on(resource: Mapping[str, Any], logical_id: str) -> bool:
    """Whether the resource's ``DependsOn`` names ``logical_id``."""
    depends = resource.get("DependsOn")
    return depends == logical_id or (isinstance(depends, list) and logical_id in depends)


def compact_errors(template: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Run the macro on each ``SageMakerRollout::Endpoint``: ``(logical id, MacroError)`` per refusal.

    Each compact resource is expanded with every non-compact resource of the template (so logical-id
    collisions with them are found, in template order); when all pass, the whole template is
    expanded once more for template-wide limits (500 resources, collisions between compact
    resources), reported with the logical id the error names, or ``""``.
    """
    from sagemaker_rollout.macro import (
        COMPACT_TYPE,
        DEFAULT_SERVICE_TOKEN,
        MAX_RESOURCES,
        MacroError,
        expand_template,
        parameter_defaults,
    )

    document = plain(template)
    resources = document.get("Resources")
    if not isinstance(resources, dict):
        return []
    parameters = parameter_defaults(document)

    def is_compact(resource: Any) -> bool:
        return isinstance(resource, dict) and resource.get("Type") == COMPACT_TYPE

    errors: list[tuple[str, Any]] = []
    for logical_id, resource in resources.items():
        if not is_compact(resource):
            continue
        subset = {
            key: value for key, value in resources.items() if key == logical_id or not is_compact(value)
        }
        try:
            expand_template(
                {"Resources": subset},
                service_token=DEFAULT_SERVICE_TOKEN,
                parameters=parameters,
                max_resources=None,
            )
        except MacroError as err:
            errors.append((logical_id, err))
    if not errors and any(is_compact(resource) for resource in resources.values()):
        try:
            expand_template(
                document,
                service_token=DEFAULT_SERVICE_TOKEN,
                parameters=parameters,
                max_resources=MAX_RESOURCES,
            )
        except MacroError as err:
            errors.append((err.resource if err.resource in resources else "", err))
    return errors


def expanded_endpoint(template: Mapping[str, Any], logical_id: str, resource: Mapping[str, Any]) -> Any:
    """The ``Custom::SageMakerEndpoint`` properties the macro generates, or None if it refuses."""
    from sagemaker_rollout.macro import (
        DEFAULT_SERVICE_TOKEN,
        ENDPOINT_TYPE,
        MacroError,
        expand_endpoint,
        parameter_defaults,
    )

    document = plain(template)
    declared = document.get("Parameters")
    try:
        generated = expand_endpoint(
            logical_id,
            plain(resource),
            service_token=DEFAULT_SERVICE_TOKEN,
            parameters=parameter_defaults(document),
            declared=frozenset(declared) if isinstance(declared, dict) else frozenset(),
        )
    except MacroError:
        return None
    endpoint = generated.get(logical_id, {})
    return endpoint.get("Properties") if endpoint.get("Type") == ENDPOINT_TYPE else None
