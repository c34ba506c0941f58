"""E9101: a ``Custom::SageMakerEndpoint`` whose properties the provider would refuse.

The message is the provider's own (:func:`sagemaker_rollout.spec.validate_endpoint_properties`),
prefixed with the logical id, e.g. ``Classifier.ProductionVariants[0].InitialInstanceCount: must be
a whole number, got "two"``: the same text the stack event would show, before any deployment.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout.lint_rules._common import locate, resources_of_type, split_path

__all__ = ["EndpointProperties"]


class EndpointProperties(CloudFormationLintRule):  # type: ignore[misc]
    """Validate every ``Custom::SageMakerEndpoint`` as the provider will."""

    id = "E9101"
    shortdesc = "Custom::SageMakerEndpoint properties the provider refuses"
    description = (
        "Runs the provider's own validation (unknown or mistyped properties, ranges, duplicate "
        "variants, deployment configs SageMaker refuses, worst-case rollout longer than the time "
        "limit) on each Custom::SageMakerEndpoint; intrinsic functions are accepted as they are."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout#linting"
    tags = ["resources", "sagemaker", "sagemaker-rollout"]

    def match(self, cfn: Any) -> list[Any]:
        """One match per refused resource, at the offending property (or its nearest parent)."""
        from sagemaker_rollout.spec import PropertyError, is_intrinsic, validate_endpoint_properties

        matches = []
        for logical_id, resource in resources_of_type(cfn.template, "Custom::SageMakerEndpoint"):
            properties = resource.get("Properties", {})
            if is_intrinsic(properties):
                continue
            try:
                validate_endpoint_properties(properties)
            except PropertyError as err:
                path = locate(logical_id, resource, split_path(err.path), in_properties=True)
                matches.append(RuleMatch(path, str(err.prefixed(logical_id))))
        return matches
