"""Shared by the rules (not a rule: cfn-lint skips modules whose name starts with ``_``).

cfn-lint imports each rule module by file name, outside the package, so rules import this module
absolutely (``from sagemaker_rollout.lint_rules._common import ...``) and define no base class (any
``CloudFormationLintRule`` subclass in a rule module's namespace would be instantiated as a rule).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "RESOURCE_ATTRIBUTES",
    "compact_errors",
    "expanded_endpoint",
    "locate",
    "plain",
    "resources_of_type",
    "split_path",
]

#: Keys of a resource outside ``Properties``: a macro error path starting with one is resource-level.
RESOURCE_ATTRIBUTES = frozenset(
    {"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}
)
_TOKEN_RE = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


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

    try:
        generated = expand_endpoint(
            logical_id,
            plain(resource),
            service_token=DEFAULT_SERVICE_TOKEN,
            parameters=parameter_defaults(plain(template)),
        )
    except MacroError:
        return None
    endpoint = generated.get(logical_id, {})
    return endpoint.get("Properties") if endpoint.get("Type") == ENDPOINT_TYPE else None
