"""W9101: an endpoint whose updates run without guardrails.

Without a ``DeploymentConfig`` SageMaker shifts all traffic to the new fleet at once and nothing
rolls it back but its own health checks; with one but no ``AutoRollbackConfiguration`` alarms, a
model that answers but answers badly (5XX, latency) stays. For ``SageMakerRollout::Endpoint`` the
check runs on what the macro generates (no ``Deployment`` and no variant ``Alarms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout.lint_rules._common import expanded_endpoint, resources_of_type

__all__ = ["DeploymentGuardrails"]


def _problem(properties: Mapping[str, Any]) -> str | None:
    deployment = properties.get("DeploymentConfig")
    if deployment is None:
        return "no DeploymentConfig: every update shifts all traffic at once and no alarm can roll it back"
    if isinstance(deployment, Mapping) and "AutoRollbackConfiguration" not in deployment:
        return "DeploymentConfig has no AutoRollbackConfiguration: no alarm can roll a bad update back"
    return None


class DeploymentGuardrails(CloudFormationLintRule):  # type: ignore[misc]
    """Warn about endpoints whose updates are not guarded by a deployment policy and alarms."""

    id = "W9101"
    shortdesc = "SageMaker endpoint updates without guardrails"
    description = (
        "A Custom::SageMakerEndpoint without DeploymentConfig (or without AutoRollbackConfiguration "
        "alarms), or a SageMakerRollout::Endpoint without Deployment and Alarms, updates all at once "
        "with no alarm-based rollback."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout#linting"
    tags = ["resources", "sagemaker", "sagemaker-rollout", "deployment"]

    def match(self, cfn: Any) -> list[Any]:
        """One warning per unguarded endpoint, at its Properties."""
        matches = []
        for logical_id, resource in resources_of_type(cfn.template, "Custom::SageMakerEndpoint"):
            properties = resource.get("Properties")
            problem = _problem(properties) if isinstance(properties, Mapping) else None
            if problem is not None:
                path = ["Resources", logical_id, "Properties"]
                message = (
                    f"{logical_id}: {problem}; add a BlueGreenUpdatePolicy (CANARY or LINEAR) with "
                    "AutoRollbackConfiguration alarms"
                )
                matches.append(RuleMatch(path, message))
        for logical_id, resource in resources_of_type(cfn.template, "SageMakerRollout::Endpoint"):
            generated = expanded_endpoint(cfn.template, logical_id, resource)
            if generated is None:
                continue  # E9201 reports it
            problem = _problem(generated)
            if problem is not None:
                path = ["Resources", logical_id, "Properties"]
                matches.append(
                    RuleMatch(
                        path,
                        f"{logical_id}: the generated endpoint has {problem}; give variants Alarms "
                        "(e.g. Invocation5XXErrors) and keep Deployment.RollbackOnAlarms true",
                    )
                )
        return matches
