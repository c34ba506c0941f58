"""E9103: a SageMaker scalable target (or scaling policy) whose ``ResourceId`` uses a config name.

Application Auto Scaling identifies a SageMaker variant as ``endpoint/<endpoint name>/variant/<variant
name>`` (API reference, RegisterScalableTarget ``ResourceId``: "SageMaker endpoint variant - The
resource type is ``variant`` and the unique identifier is the resource ID. Example:
``endpoint/my-end-point/variant/KMeansClustering``"). An endpoint *config* name in its place (from
``!GetAtt X.EndpointConfigName``, or a ``Ref``/``GetAtt`` of an ``AWS::SageMaker::EndpointConfig``)
passes template validation and is refused by AWS when the stack deploys.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import ENDPOINT_TYPES, sub_references, walk

__all__ = ["ScalableTargetResourceId"]

_CONFIG_TYPE = "AWS::SageMaker::EndpointConfig"
_TARGET_TYPES = (
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
)


def _config_names(value: Any, endpoints: set[str], configs: set[str]) -> list[str]:
    """How ``value`` uses a config name: ``["Endpoint.EndpointConfigName", "Config"]``."""
    found: list[str] = []
    for _, node in walk(value):
        if not isinstance(node, dict) or len(node) != 1:
            continue
        ((key, argument),) = node.items()
        if key == "Ref" and argument in configs:
            found.append(str(argument))
        elif key == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and len(parts) == 2:
                name, attribute = str(parts[0]), parts[1]
                if name in configs or (name in endpoints and attribute == "EndpointConfigName"):
                    found.append(f"{name}.{attribute}")
        elif key == "Fn::Sub":
            for name, attribute in sub_references(argument):
                if name in configs or (name in endpoints and attribute == "EndpointConfigName"):
                    found.append(f"{name}.{attribute}" if attribute else name)
    return found


class ScalableTargetResourceId(CloudFormationLintRule):  # type: ignore[misc]
    """Report SageMaker autoscaling ``ResourceId`` s built from an endpoint config name."""

    id = "E9103"
    shortdesc = "Scalable target ResourceId built from an endpoint config name"
    description = (
        "Application Auto Scaling needs endpoint/<endpoint name>/variant/<variant name>; a ResourceId "
        "built from an endpoint config name is refused when the stack deploys."
    )
    source_url = (
        "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html"
    )
    tags = ["resources", "sagemaker", "sagemaker-rollout", "autoscaling"]

    def match(self, cfn: Any) -> list[Any]:
        """One match per ResourceId that uses a config name."""
        resources = cfn.template.get("Resources") or {}
        endpoints, configs = set(), set()
        for logical_id, resource in resources.items():
            if isinstance(resource, dict):
                if resource.get("Type") in ENDPOINT_TYPES:
                    endpoints.add(str(logical_id))
                elif resource.get("Type") == _CONFIG_TYPE:
                    configs.add(str(logical_id))
        if not (endpoints or configs):
            return []
        matches = []
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or resource.get("Type") not in _TARGET_TYPES:
                continue
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or "ResourceId" not in properties:
                continue
            used = _config_names(properties["ResourceId"], endpoints, configs)
            if used:
                matches.append(
                    RuleMatch(
                        ["Resources", logical_id, "Properties", "ResourceId"],
                        f"{logical_id}.ResourceId: built from {used[0]}, an endpoint config name; "
                        "Application Auto Scaling needs endpoint/<endpoint name>/variant/<variant name> "
                        "(use the endpoint's name: !GetAtt <Endpoint>.EndpointName or !Ref of "
                        "Custom::SageMakerEndpoint)",
                    )
                )
        return matches
