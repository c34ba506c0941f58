"""E9102: ``Fn::GetAtt`` of an attribute ``Custom::SageMakerEndpoint`` does not have.

The custom resource returns ``EndpointName``, ``EndpointArn``, ``EndpointConfigName`` and
``ScalingGeneration`` (re-creations of its scaling policies: the macro names the policies its alarms
act on after it) (and so does
``SageMakerRollout::Endpoint``, whose logical id the generated custom resource keeps). CloudFormation
cannot know a custom resource's attributes in advance, so ``!GetAtt Endpoint.Arn`` (the classic
mistake: the ARN is ``EndpointArn``) passes template validation and fails only at deploy time, when
the provider's answer has no such key.
"""

from __future__ import annotations

import difflib
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import endpoint_ids, sub_references, walk

__all__ = ["ATTRIBUTES", "EndpointAttributes"]

#: ``Fn::GetAtt`` attributes of ``Custom::SageMakerEndpoint`` (the contract, section 4, and
#: ``ScalingGeneration``: docs/reference.md, "Attributes").
ATTRIBUTES = ("EndpointName", "EndpointArn", "EndpointConfigName", "ScalingGeneration")
#: Attributes people carry over from other resources, and what they meant.
_MEANT = {"Arn": "EndpointArn", "Name": "EndpointName", "ConfigName": "EndpointConfigName"}


def _suggestion(attribute: str) -> str:
    meant = _MEANT.get(attribute)
    if meant is None:
        close = difflib.get_close_matches(attribute, ATTRIBUTES, n=1, cutoff=0.6)
        meant = close[0] if close else None
    return f"did you mean {meant}? " if meant else ""


class EndpointAttributes(CloudFormationLintRule):  # type: ignore[misc]
    """Report ``Fn::GetAtt`` (and ``${X.Attr}`` in ``Fn::Sub``) of unknown endpoint attributes."""

    id = "E9102"
    shortdesc = "Unknown Fn::GetAtt attribute of Custom::SageMakerEndpoint"
    description = (
        "Custom::SageMakerEndpoint and SageMakerRollout::Endpoint return EndpointName, EndpointArn, "
        "EndpointConfigName and ScalingGeneration; any other attribute fails the deployment."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout/blob/main/docs/reference.md#attributes"
    tags = ["resources", "sagemaker", "sagemaker-rollout", "getatt"]

    def match(self, cfn: Any) -> list[Any]:
        """One match per reference to an unknown attribute."""
        resources = cfn.template.get("Resources") or {}
        endpoints = endpoint_ids(cfn.template)
        if not endpoints:
            return []
        matches = []
        for path, node in walk(cfn.template):
            if not isinstance(node, dict) or len(node) != 1:
                continue
            ((key, value),) = node.items()
            references: list[tuple[str, Any]] = []
            if key == "Fn::GetAtt":
                if isinstance(value, list) and len(value) == 2:
                    references = [(str(value[0]), value[1])]
                elif isinstance(value, str) and "." in value:
                    name, _, attribute = value.partition(".")
                    references = [(name, attribute)]
            elif key == "Fn::Sub":
                references = [(name, attr) for name, attr in sub_references(value) if attr is not None]
            for name, attribute in references:
                if name in endpoints and isinstance(attribute, str) and attribute not in ATTRIBUTES:
                    matches.append(
                        RuleMatch(
                            [*path, key],
                            f"{name}.{attribute}: {resources[name]['Type']} has no attribute {attribute}; "
                            f"{_suggestion(attribute)}its attributes are {', '.join(ATTRIBUTES)} "
                            "(Ref gives the endpoint name)",
                        )
                    )
        return matches
