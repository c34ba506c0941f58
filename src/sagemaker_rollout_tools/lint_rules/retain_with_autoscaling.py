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

from sagemaker_rollout_tools.lint_rules._common import depends_on, locate, mentions, resources_of_type

__all__ = ["RetainWithAutoscaling"]


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
                if depends_on(target, logical_id)
                or mentions(target["Properties"].get("ResourceId"), logical_id, name)
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
