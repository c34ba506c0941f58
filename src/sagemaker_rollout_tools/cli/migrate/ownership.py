"""What belongs to an endpoint + config pair: references between resources, and ownership.

Used by ``--compact`` (:mod:`.compact`) to find the models, scalable targets and alarms of a pair
and whether anything else uses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.sagemaker import INSTANCE_COUNT_DIMENSION
from sagemaker_rollout_tools.cli.migrate.document import Document, intrinsic, plain

__all__ = [
    "Ownership",
    "autoscaling_groups",
    "is_retained",
    "ownership_of",
    "properties",
    "referenced",
    "referrers",
    "resource_type",
]

_TARGET_TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"
_POLICY_TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"
_DIMENSION = INSTANCE_COUNT_DIMENSION
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
#: Stands for the endpoint's name inside a flattened ResourceId.
_MARK = "\x00"


# -- references ---------------------------------------------------------------------------------


def referenced(node: Any) -> set[str]:
    """Logical ids a node refers to (Ref, GetAtt, Sub variables)."""
    found: set[str] = set()
    function = intrinsic(node)
    if function is not None:
        name, argument = function
        if name == "Ref" and isinstance(argument, str):
            found.add(str(argument))
        elif name == "Fn::GetAtt":
            if isinstance(argument, str):
                found.add(argument.partition(".")[0])
            elif isinstance(argument, list) and argument:
                found.add(str(argument[0]))
        elif name == "Fn::Sub":
            text = (
                argument if isinstance(argument, str) else argument[0] if isinstance(argument, list) else ""
            )
            found.update(match.partition(".")[0] for match in _SUB_VARIABLE.findall(str(text)))
    if isinstance(node, Mapping):
        for value in node.values():
            found |= referenced(value)
    elif isinstance(node, list):
        for item in node:
            found |= referenced(item)
    return found


def referrers(document: Document) -> dict[str, set[str]]:
    """Logical id -> where it is referenced from (resource ids, or ``Outputs`` and other sections)."""
    users: dict[str, set[str]] = {}
    for section, content in document.data.items():
        if section == "Resources":
            for logical_id, resource in content.items():
                if not isinstance(resource, Mapping):
                    continue
                targets = referenced(resource)
                depends = resource.get("DependsOn")
                targets.update([depends] if isinstance(depends, str) else [str(d) for d in depends or []])
                for target in targets:
                    users.setdefault(target, set()).add(str(logical_id))
        else:
            for target in referenced(content):
                users.setdefault(target, set()).add(str(section))
    return users


# -- what belongs to the endpoint ---------------------------------------------------------------


@dataclass
class Ownership:
    document: Document
    endpoint_id: str
    config_id: str
    endpoint_name: Any
    variants: dict[str, int]  # literal variant name -> index
    users: dict[str, set[str]]
    report_not_converted: list[str] = field(default_factory=list)

    @property
    def resources(self) -> Any:
        return self.document.data["Resources"]

    def is_endpoint_name(self, node: Any) -> bool:
        value = plain(node)
        if value == {"Fn::GetAtt": [self.endpoint_id, "EndpointName"]}:
            return True
        return bool(value == plain(self.endpoint_name))

    def flatten(self, node: Any) -> str | None:
        """A string with the endpoint name as a marker, or None when something else is unknown."""
        if self.is_endpoint_name(node):
            return _MARK
        if isinstance(node, str) and intrinsic(node) is None:
            return str(node)
        found = intrinsic(node)
        if found is None:
            return None
        function, argument = found
        if function == "Fn::Sub" and isinstance(argument, str):
            text = str(argument).replace(f"${{{self.endpoint_id}.EndpointName}}", _MARK)
            name = plain(self.endpoint_name)
            if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
                text = text.replace(name["Fn::Sub"], _MARK)
            return None if _SUB_VARIABLE.search(text) else text
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if not isinstance(separator, str) or not isinstance(parts, list):
                return None
            flat = [self.flatten(part) for part in parts]
            return None if any(part is None for part in flat) else str(separator).join(flat)  # type: ignore[arg-type]
        return None

    def variant_of_resource_id(self, node: Any) -> str | None:
        text = self.flatten(node)
        literal = self.endpoint_name if isinstance(self.endpoint_name, str) else None
        if text is None:
            return None
        if literal is not None:
            text = text.replace(f"endpoint/{literal}/", f"endpoint/{_MARK}/")
        match = re.fullmatch(f"endpoint/{_MARK}/variant/([^/{_MARK}]+)", text)
        return match.group(1) if match and match.group(1) in self.variants else None

    def used_only_by(self, logical_id: str, allowed: set[str]) -> bool:
        return self.users.get(logical_id, set()) <= allowed


def resource_type(resource: Any) -> str | None:
    return str(resource["Type"]) if isinstance(resource, Mapping) and "Type" in resource else None


def properties(resource: Any) -> Any:
    value = resource.get("Properties") if isinstance(resource, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def is_retained(resource: Any) -> bool:
    return bool(resource.get("DeletionPolicy") == "Retain")


def ownership_of(document: Document, pair: Any, endpoint_name: Any) -> Ownership:
    config = properties(document.data["Resources"][pair.config])
    variants: dict[str, int] = {}
    for index, variant in enumerate(config.get("ProductionVariants") or []):
        name = variant.get("VariantName") if isinstance(variant, Mapping) else None
        if isinstance(name, str) and intrinsic(name) is None:
            variants[str(name)] = index
    return Ownership(document, pair.endpoint, pair.config, endpoint_name, variants, referrers(document))


def autoscaling_groups(context: Ownership) -> list[tuple[str, str, list[str]]]:
    """(variant, target id, policy ids naming it by Ref) of each scalable target of the endpoint."""
    groups = []
    for logical_id, resource in context.resources.items():
        props = properties(resource)
        if resource_type(resource) != _TARGET_TYPE or props.get("ScalableDimension") != _DIMENSION:
            continue
        variant = context.variant_of_resource_id(props.get("ResourceId"))
        if variant is None:
            continue
        policies = [
            str(policy_id)
            for policy_id, policy in context.resources.items()
            if resource_type(policy) == _POLICY_TYPE
            and plain(properties(policy).get("ScalingTargetId")) == {"Ref": logical_id}
        ]
        groups.append((variant, str(logical_id), policies))
    return groups
