"""E9101: a ``Custom::SageMakerEndpoint`` (or registry type) whose properties the provider would refuse.

The message is the provider's own (:func:`sagemaker_rollout.spec.validate_endpoint_properties`),
prefixed with the logical id, e.g. ``Classifier.ProductionVariants[0].InitialInstanceCount: must be
a whole number, got "two"``: the same text the stack event would show, before any deployment.
A rollout refused only because it needs more than a custom resource's hour says that the registry
type ``SageMakerRollout::SageMaker::Endpoint`` would carry it; that type's own resources are checked
against its handlers' time limit.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import locate, resources_of_type, split_path

__all__ = ["EndpointProperties"]


class EndpointProperties(CloudFormationLintRule):  # type: ignore[misc]
    """Validate every ``Custom::SageMakerEndpoint`` as the provider will."""

    id = "E9101"
    shortdesc = "Custom::SageMakerEndpoint properties the provider refuses"
    description = (
        "Runs the provider's own validation (unknown or mistyped properties, ranges, duplicate "
        "variants, deployment configs SageMaker refuses, a guarded rollout expected to take longer "
        "than the time limit or an unguarded one whose worst case does) on each "
        "Custom::SageMakerEndpoint; intrinsic functions are accepted as they are."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout#linting"
    tags = ["resources", "sagemaker", "sagemaker-rollout"]

    def match(self, cfn: Any) -> list[Any]:
        """One match per refused resource, at the offending property (or its nearest parent)."""
        from sagemaker_rollout.registry_type import (
            REGISTRY_TIME_LIMIT,
            TYPE_NAME,
            needs_registry_type,
            registry_type_note,
        )
        from sagemaker_rollout.spec import PropertyError, is_intrinsic, parse_endpoint_properties

        matches = []
        for type_name in ("Custom::SageMakerEndpoint", TYPE_NAME):
            registry = type_name == TYPE_NAME
            for logical_id, resource in resources_of_type(cfn.template, type_name):
                properties = resource.get("Properties", {})
                if is_intrinsic(properties):
                    continue
                try:
                    parse_endpoint_properties(
                        properties,
                        allow_intrinsics=True,
                        time_limit=REGISTRY_TIME_LIMIT if registry else None,
                    )
                except PropertyError as err:
                    path = locate(logical_id, resource, split_path(err.path), in_properties=True)
                    note = (
                        f"; {registry_type_note(False)}"
                        if not registry and needs_registry_type(properties)
                        else ""
                    )
                    matches.append(RuleMatch(path, f"{err.prefixed(logical_id)}{note}"))
        return matches
