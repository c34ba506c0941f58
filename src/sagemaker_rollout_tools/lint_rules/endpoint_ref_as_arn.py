"""E9104: ``Ref`` of ``Custom::SageMakerEndpoint`` where an ARN is expected (IAM ``Resource``).

``Ref`` of the custom resource (and of ``SageMakerRollout::Endpoint``) is the endpoint *name*,
where ``Ref`` of ``AWS::SageMaker::Endpoint`` is its ARN (contract, section 8). An IAM policy
statement whose ``Resource`` is ``!Ref Endpoint`` was right before the migration and names no
endpoint after it: IAM policy elements ``Resource`` / ``NotResource`` take ARNs (IAM User Guide,
"IAM JSON policy elements: Resource"). The ARN is ``!GetAtt Endpoint.EndpointArn``.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import endpoint_ids, walk

__all__ = ["EndpointRefAsArn"]


def _bare_name(value: Any, endpoints: set[str]) -> str | None:
    """The endpoint whose name ``value`` is as a whole (``!Ref X`` or ``!Sub "${X}"``), if any."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref" and argument in endpoints:
            return str(argument)
        if key == "Fn::Sub" and isinstance(argument, str):
            name = argument.strip()
            if name.startswith("${") and name.endswith("}") and name[2:-1] in endpoints:
                return name[2:-1]
    return None


class EndpointRefAsArn(CloudFormationLintRule):  # type: ignore[misc]
    """Report IAM statements whose Resource is the endpoint's name instead of its ARN."""

    id = "E9104"
    shortdesc = "Ref of Custom::SageMakerEndpoint used as an ARN"
    description = (
        "Ref of Custom::SageMakerEndpoint is the endpoint name (Ref of AWS::SageMaker::Endpoint is its "
        "ARN); an IAM statement Resource needs !GetAtt <Endpoint>.EndpointArn."
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
    tags = ["resources", "sagemaker", "sagemaker-rollout", "iam"]

    def match(self, cfn: Any) -> list[Any]:
        """One match per statement Resource entry that is an endpoint's bare name."""
        resources = cfn.template.get("Resources") or {}
        endpoints = endpoint_ids(cfn.template)
        if not endpoints:
            return []
        matches = []
        for path, node in walk(resources, ("Resources",)):
            if not isinstance(node, dict) or "Statement" not in node:
                continue
            statements = node["Statement"]
            statements = statements if isinstance(statements, list) else [statements]
            for index, statement in enumerate(statements):
                if not isinstance(statement, dict):
                    continue
                for element in ("Resource", "NotResource"):
                    value = statement.get(element)
                    items = value if isinstance(value, list) else [value]
                    for position, item in enumerate(items):
                        name = _bare_name(item, endpoints)
                        if name is None:
                            continue
                        where = [*path, "Statement"]
                        if isinstance(node["Statement"], list):
                            where.append(index)
                        where.append(element)
                        if isinstance(value, list):
                            where.append(position)
                        matches.append(
                            RuleMatch(
                                where,
                                f"{element}: Ref of {name} ({resources[name]['Type']}) is the endpoint "
                                f"name, not its ARN; use !GetAtt {name}.EndpointArn",
                            )
                        )
        return matches
