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


def _problem(properties: Mapping[str, Any]) -> str | None:
    deployment = properties.get("DeploymentConfig")
    if deployment is None:
        return "no DeploymentConfig: every update shifts all traffic at once and no alarm can roll it back"
    if isinstance(deployment, Mapping) and "AutoRollbackConfiguration" not in deployment:
        return "DeploymentConfig has no AutoRollbackConfiguration: no alarm can roll a bad update back"
    return None


def _model_id(model_name: Any) -> str | None:
    """The logical id of ``!GetAtt Model.ModelName`` (or ``!Ref Model``), else None."""
    if isinstance(model_name, Mapping) and len(model_name) == 1:
        ((key, value),) = model_name.items()
        if key == "Fn::GetAtt":
            target = value.split(".", 1)[0] if isinstance(value, str) else value[0] if value else None
            return str(target) if target is not None else None
        if key == "Ref" and isinstance(value, str):
            return value
    return None


def _package_models(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> the first ``ModelPackageName`` of each ``AWS::SageMaker::Model``."""
    found = {}
    for logical_id, resource in resources_of_type(template, "AWS::SageMaker::Model"):
        properties = resource.get("Properties")
        if not isinstance(properties, Mapping):
            continue
        containers = [properties.get("PrimaryContainer"), *(properties.get("Containers") or [])]
        for container in containers:
            if isinstance(container, Mapping) and "ModelPackageName" in container:
                package = container["ModelPackageName"]
                found[logical_id] = package if isinstance(package, str) else "(a model package)"
                break
    return found


def _fallbacks(template: Mapping[str, Any], properties: Mapping[str, Any]) -> Iterator[str]:
    """Why SageMaker would ignore this endpoint's DeploymentConfig (nothing when it has none)."""
    from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties

    if not isinstance(properties.get("DeploymentConfig"), Mapping):
        return
    try:
        spec = parse_endpoint_properties(properties, allow_intrinsics=True)
    except PropertyError:
        return  # E9101 reports it
    yield from spec.warnings
    packages = _package_models(template)
    for index, variant in enumerate(properties.get("ProductionVariants") or []):
        model = _model_id(variant.get("ModelName")) if isinstance(variant, Mapping) else None
        if model in packages:
            yield (
                f"ProductionVariants[{index}].ModelName: model {model} uses model package {packages[model]}; "
                "if it is an AWS Marketplace model package, SageMaker does not apply deployment guardrails "
                "(all at once, no final baking)"
            )


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
