"""E9201: a ``SageMakerRollout::Endpoint`` the ``SageMakerRollout`` macro would refuse.

The message is the macro's own (:class:`sagemaker_rollout.macro.MacroError`), e.g.
``Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than MaxCapacity 3``: the same text
the change set would fail with. Parameters without a ``Default`` stay unresolved, as in
``sagemaker-rollout render``.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import RESOURCE_ATTRIBUTES, compact_errors, locate, split_path

__all__ = ["CompactProperties"]


class CompactProperties(CloudFormationLintRule):  # type: ignore[misc]
    """Expand every ``SageMakerRollout::Endpoint`` with the macro's own code."""

    id = "E9201"
    shortdesc = "SageMakerRollout::Endpoint the SageMakerRollout macro refuses"
    description = (
        "Expands each SageMakerRollout::Endpoint locally with the macro's code and reports what the "
        "macro would refuse (unknown keys, ranges, autoscaling and deployment rules, logical-id "
        "collisions, CloudFormation's resource limit)."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout#linting"
    tags = ["resources", "sagemaker", "sagemaker-rollout", "macro"]

    def match(self, cfn: Any) -> list[Any]:
        """One match per refused compact resource (the macro stops at a resource's first problem)."""
        matches = []
        resources = cfn.template.get("Resources") or {}
        for logical_id, err in compact_errors(cfn.template):
            if not logical_id:
                matches.append(RuleMatch(["Resources"], str(err)))
                continue
            parts = split_path(err.path) if err.resource == logical_id else []
            in_properties = not (parts and parts[0] in RESOURCE_ATTRIBUTES)
            path = locate(logical_id, resources[logical_id], parts, in_properties=in_properties)
            matches.append(RuleMatch(path, str(err)))
        return matches
