"""W9101: an endpoint whose updates run without guardrails, or whose guardrails SageMaker ignores.

Without a ``DeploymentConfig`` SageMaker shifts all traffic to the new fleet at once and nothing
rolls it back but its own health checks; with one but no ``AutoRollbackConfiguration`` alarms, a
model that answers but answers badly (5XX, latency) stays. For ``SageMakerRollout::Endpoint`` the
check runs on what the macro generates (no ``Deployment`` and no variant ``Alarms``).

A ``DeploymentConfig`` is also silently not applied (SageMaker developer guide, deployment
guardrails, Exclusions: endpoints that use Marketplace containers or Inf1 instances "fall back to
using a blue/green deployment with all at once traffic shifting and no final baking period"):
reported for Inf1 instance types (:func:`sagemaker_rollout.spec.guardrail_warnings`, the message the
provider's plan gives) and for variants whose model, in the same template, is built from a model
package (``ModelPackageName``), which may be a Marketplace one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from sagemaker_rollout_tools.lint_rules._common import expanded_endpoint, resources_of_type

__all__ = ["DeploymentGuardrails"]


def _branches(value: Any) -> list[Any]:
    """The values an ``Fn::If`` may take (``AWS::NoValue`` as None), or the value itself."""
    if isinstance(value, Mapping) and set(value) == {"Fn::If"} and isinstance(value["Fn::If"], list):
        options = value["Fn::If"][1:]
        return [
            None if option == {"Ref": "AWS::NoValue"} else branch
            for option in options
            for branch in _branches(option)
        ]
    return [value]


def _problem(properties: Mapping[str, Any]) -> str | None:
    deployment = properties.get("DeploymentConfig")
    branches = _branches(deployment)
    if len(branches) > 1:
        # chosen by a Condition (e.g. guarded in production only): judged by its guarded branch
        guarded = [b for b in branches if isinstance(b, Mapping) and "AutoRollbackConfiguration" in b]
        if guarded:
            return None
        deployment = next((b for b in branches if b is not None), None)
    if deployment is None:
        return "no DeploymentConfig: every update shifts all traffic at once and no alarm can roll it back"
    if isinstance(deployment, Mapping) and "AutoRollbackConfiguration" not in deployment:
        return "DeploymentConfig has no AutoRollbackConfiguration: no alarm can roll a bad update back"
    return None


def _fallbacks(template: Mapping[str, Any], properties: Mapping[str, Any]) -> Iterator[str]:
    """Why SageMaker would ignore this endpoint's DeploymentConfig (nothing when it has none).

    The model-package warning does not need the DeploymentConfig to parse: one chosen by ``Fn::If``
    (production only, as SageMaker Projects templates write it) is a DeploymentConfig too.
    """
    from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
    from sagemaker_rollout_tools.advice import model_package_warnings

    if not isinstance(properties.get("DeploymentConfig"), Mapping):
        return
    try:
        spec = parse_endpoint_properties(properties, allow_intrinsics=True)
    except PropertyError:
        pass  # E9101 reports it
    else:
        yield from spec.warnings
    yield from model_package_warnings(template, properties, guarded=True)


class DeploymentGuardrails(CloudFormationLintRule):  # type: ignore[misc]
    """Warn about endpoints whose updates are not guarded by a deployment policy and alarms."""

    id = "W9101"
    shortdesc = "SageMaker endpoint updates without guardrails"
    description = (
        "A Custom::SageMakerEndpoint without DeploymentConfig (or without AutoRollbackConfiguration "
        "alarms), or a SageMakerRollout::Endpoint without Deployment and Alarms, updates all at once "
        "with no alarm-based rollback; so does one whose DeploymentConfig SageMaker ignores (Inf1 "
        "instances, Marketplace containers)."
    )
    source_url = "https://github.com/example-org/sagemaker-rollout#linting"
    tags = ["resources", "sagemaker", "sagemaker-rollout", "deployment"]

    def match(self, cfn: Any) -> list[Any]:
        """One warning per unguarded endpoint, at its Properties."""
        matches = []
        for logical_id, resource in resources_of_type(cfn.template, "Custom::SageMakerEndpoint"):
            properties = resource.get("Properties")
            problem = _problem(properties) if isinstance(properties, Mapping) else None
            path = ["Resources", logical_id, "Properties"]
            if problem is not None:
                message = (
                    f"{logical_id}: {problem}; add a BlueGreenUpdatePolicy (CANARY or LINEAR) with "
                    "AutoRollbackConfiguration alarms"
                )
                matches.append(RuleMatch(path, message))
            elif isinstance(properties, Mapping):
                for fallback in _fallbacks(cfn.template, properties):
                    matches.append(RuleMatch(path, f"{logical_id}: {fallback}"))
        for logical_id, resource in resources_of_type(cfn.template, "SageMakerRollout::Endpoint"):
            generated = expanded_endpoint(cfn.template, logical_id, resource)
            if generated is None:
                continue  # E9201 reports it
            problem = _problem(generated)
            path = ["Resources", logical_id, "Properties"]
            if problem is not None:
                matches.append(
                    RuleMatch(
                        path,
                        f"{logical_id}: the generated endpoint has {problem}; give variants Alarms "
                        "(e.g. Invocation5XXErrors) and keep Deployment.RollbackOnAlarms true",
                    )
                )
            else:
                for fallback in _fallbacks(cfn.template, generated):
                    matches.append(RuleMatch(path, f"{logical_id}: the generated endpoint: {fallback}"))
        return matches
