"""W9102: ``RetainAllVariantProperties: false`` on an endpoint the template autoscales.

With ``RetainAllVariantProperties`` false, every update resets each variant to its
``InitialInstanceCount`` and weight: an autoscaled fleet shrinks back on every deployment, under
load. A scalable target is taken to be "on" the endpoint when its ``ResourceId`` refers to the
endpoint (``Ref`` / ``GetAtt``, or the endpoint's own ``EndpointName`` value, literal or computed)
or when it ``DependsOn`` the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout.lint_rules._common import locate, resources_of_type

__all__ = ["RetainWithAutoscaling"]


def _mentions(value: Any, logical_id: str, endpoint_name: Any) -> bool:
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
        return any(_mentions(item, logical_id, endpoint_name) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, logical_id, endpoint_name) for item in value)
    return False


def _depends_on(resource: Mapping[str, Any], logical_id: str) -> bool:
    depends = resource.get("DependsOn")
    return depends == logical_id or (isinstance(depends, list) and logical_id in depends)


class RetainWithAutoscaling(CloudFormationLintRule):  # type: ignore[misc]
    """Warn when an autoscaled endpoint does not retain its variant properties across updates."""

    id = "W9102"
    shortdesc = "RetainAllVariantProperties false on an autoscaled endpoint"
    description = (
        "A Custom::SageMakerEndpoint with RetainAllVariantProperties false resets its instance "
        "counts to InitialInstanceCount on every update, undoing Application Auto Scaling."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout#linting"
    tags = ["resources", "sagemaker", "sagemaker-rollout", "autoscaling"]

    def match(self, cfn: Any) -> list[Any]:
        """One warning per endpoint, at its RetainAllVariantProperties."""
        targets = [
            resource
            for _, resource in resources_of_type(cfn.template, "AWS::ApplicationAutoScaling::ScalableTarget")
            if isinstance(resource.get("Properties"), Mapping)
            and resource["Properties"].get("ServiceNamespace") in ("sagemaker", None)
        ]
        matches = []
        for logical_id, resource in resources_of_type(cfn.template, "Custom::SageMakerEndpoint"):
            properties = resource.get("Properties")
            if not isinstance(properties, Mapping):
                continue
            retain = properties.get("RetainAllVariantProperties")
            if not (retain is False or (isinstance(retain, str) and retain.strip().lower() == "false")):
                continue
            name = properties.get("EndpointName")
            scaled = [
                target
                for target in targets
                if _depends_on(target, logical_id)
                or _mentions(target["Properties"].get("ResourceId"), logical_id, name)
            ]
            if scaled:
                path = locate(logical_id, resource, ["RetainAllVariantProperties"], in_properties=True)
                matches.append(
                    RuleMatch(
                        path,
                        f"{logical_id}.RetainAllVariantProperties: false resets the autoscaled "  # nosec B608
                        f"instance counts to InitialInstanceCount on every update ({len(scaled)} scalable "
                        "target(s) on this endpoint); remove it (default true) or list only the "
                        "properties to reset in ExcludeRetainedVariantProperties",
                    )
                )
        return matches
