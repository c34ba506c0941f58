"""W9104: an instance type that the locked botocore's list of SageMaker instance types lacks.

A warning, never an error: AWS adds instance types before a locked botocore lists them, and the
provider passes any type on to SageMaker, which answers for what exists (see
:mod:`sagemaker_rollout_tools.advice`). The message names the botocore version, so a newer type
reads as "botocore too old", a typo (``ml.m5.huge``) as a typo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import resources_of_type

__all__ = ["InstanceTypes"]

_TYPES = ("Custom::SageMakerEndpoint", "AWS::SageMaker::EndpointConfig")


class InstanceTypes(CloudFormationLintRule):  # type: ignore[misc]
    """Warn about SageMaker instance types botocore does not list."""

    id = "W9104"
    shortdesc = "SageMaker instance type not in botocore's list"
    description = (
        "A ProductionVariants InstanceType that the installed botocore's SageMaker model does not list "
        "(ProductionVariantInstanceType): a typo, or a type newer than botocore."
    )
    source_url = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html"
    tags = ["resources", "sagemaker", "sagemaker-rollout"]

    def match(self, cfn: Any) -> list[Any]:
        """One warning per unknown literal instance type."""
        from sagemaker_rollout_tools.advice import instance_type_warnings

        matches = []
        for kind in _TYPES:
            for logical_id, resource in resources_of_type(cfn.template, kind):
                properties = resource.get("Properties")
                if isinstance(properties, Mapping):
                    for warning in instance_type_warnings(properties, prefix=f"{logical_id}."):
                        matches.append(RuleMatch(["Resources", logical_id, "Properties"], warning))
        return matches
