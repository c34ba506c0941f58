"""W9103: a variant that starts with fewer instances than its autoscaling ``MinCapacity``.

Allowed (contract, section 8): registering the scalable target "changes the resource's current
capacity to a value that is inside of this range" (Application Auto Scaling API reference,
RegisterScalableTarget), so the variant is scaled up right after it is registered. The warning says
so, because the endpoint serves with fewer instances until then.

Checked on ``SageMakerRollout::Endpoint`` (``InstanceCount`` against ``AutoScaling.MinCapacity``)
and on ``Custom::SageMakerEndpoint`` (``InitialInstanceCount`` against the ``MinCapacity`` of the
scalable target whose ``ResourceId`` names the endpoint and the variant).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import depends_on, locate, mentions, plain, resources_of_type

__all__ = ["InstanceCountBelowMinCapacity"]

_VARIANT_TAIL = re.compile(r"/variant/([A-Za-z0-9-]+)$")


def _number(value: Any, parameters: Mapping[str, Any]) -> int | None:
    """A whole number from a literal, a numeric string or a ``Ref`` to a parameter's Default."""
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        value = parameters.get(str(value["Ref"]))
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    declared = template.get("Parameters")
    if not isinstance(declared, Mapping):
        return {}
    return {
        str(name): spec["Default"]
        for name, spec in declared.items()
        if isinstance(spec, Mapping) and "Default" in spec
    }


def _variant_of(resource_id: Any) -> str | None:
    """The variant name at the end of a ResourceId (literal, Fn::Join or Fn::Sub)."""
    text: Any = resource_id
    if isinstance(resource_id, Mapping) and "Fn::Join" in resource_id:
        parts = resource_id["Fn::Join"][1] if isinstance(resource_id["Fn::Join"], list) else []
        text = parts[-1] if parts else None
    elif isinstance(resource_id, Mapping) and "Fn::Sub" in resource_id:
        sub = resource_id["Fn::Sub"]
        text = sub[0] if isinstance(sub, list) and sub else sub
    if not isinstance(text, str):
        return None
    found = _VARIANT_TAIL.search(text)
    return found.group(1) if found else None


def _message(where: str, count: int, minimum: int, source: str) -> str:
    return (
        f"{where} {count} is below {source} {minimum}: the endpoint is created with {count} "
        f"instance(s) and Application Auto Scaling scales it up to {minimum} once the scalable target "
        f"is registered; start at {minimum} to serve at full capacity from the beginning"
    )


def _below(
    logical_id: str,
    resource: Mapping[str, Any],
    path: list[str | int],
    count: int | None,
    minimum: int | None,
    source: str,
) -> list[Any]:
    """A warning at ``path`` when the known ``count`` is below the known ``minimum``."""
    if count is None or minimum is None or count >= minimum:
        return []
    where = f"{logical_id}." + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return [
        RuleMatch(
            locate(logical_id, resource, path, in_properties=True), _message(where, count, minimum, source)
        )
    ]


class InstanceCountBelowMinCapacity(CloudFormationLintRule):  # type: ignore[misc]
    """Warn when a variant's initial instance count is below its autoscaling minimum."""

    id = "W9103"
    shortdesc = "Initial instance count below the autoscaling MinCapacity"
    description = (
        "A variant whose InstanceCount (InitialInstanceCount) is below its scalable target's "
        "MinCapacity starts small and is scaled up by Application Auto Scaling after deployment."
    )
    source_url = (
        "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html"
    )
    tags = ["resources", "sagemaker", "sagemaker-rollout", "autoscaling"]

    def match(self, cfn: Any) -> list[Any]:
        """One warning per variant, at its instance count."""
        parameters = _defaults(plain(cfn.template))
        matches = []
        for logical_id, resource in resources_of_type(cfn.template, "SageMakerRollout::Endpoint"):
            variants = (resource.get("Properties") or {}).get("Variants")
            for index, variant in enumerate(variants if isinstance(variants, list) else []):
                if not isinstance(variant, Mapping):
                    continue
                scaling = variant.get("AutoScaling")
                if isinstance(scaling, Mapping) and isinstance(scaling.get("Fn::If"), list):
                    branches = scaling["Fn::If"]
                    scaling = branches[1] if len(branches) == 3 else None
                if not isinstance(scaling, Mapping):
                    continue
                matches += _below(
                    logical_id,
                    resource,
                    ["Variants", index, "InstanceCount"],
                    _number(variant.get("InstanceCount"), parameters),
                    _number(scaling.get("MinCapacity"), parameters),
                    "AutoScaling.MinCapacity",
                )
        targets = list(resources_of_type(cfn.template, "AWS::ApplicationAutoScaling::ScalableTarget"))
        for logical_id, resource in resources_of_type(cfn.template, "Custom::SageMakerEndpoint"):
            properties = resource.get("Properties")
            if not isinstance(properties, Mapping):
                continue
            variants = properties.get("ProductionVariants")
            name = properties.get("EndpointName")
            for target_id, target in targets:
                target_properties = target.get("Properties")
                if not isinstance(target_properties, Mapping):
                    continue
                resource_id = target_properties.get("ResourceId")
                if not (depends_on(target, logical_id) or mentions(resource_id, logical_id, name)):
                    continue
                variant_name = _variant_of(resource_id)
                for index, variant in enumerate(variants if isinstance(variants, list) else []):
                    if not isinstance(variant, Mapping) or variant.get("VariantName") != variant_name:
                        continue
                    matches += _below(
                        logical_id,
                        resource,
                        ["ProductionVariants", index, "InitialInstanceCount"],
                        _number(variant.get("InitialInstanceCount"), parameters),
                        _number(target_properties.get("MinCapacity"), parameters),
                        f"{target_id}.MinCapacity",
                    )
        return matches
