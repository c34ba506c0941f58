"""Plan a Create or an Update: SageMaker's rules that need what runs now (pure, no AWS).

Part of :mod:`sagemaker_rollout.planner`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.planner.decisions import config_matches, needs_rollout
from sagemaker_rollout.planner.model import (
    CurrentEndpoint,
    Plan,
    VariantChange,
    blocked_by_autoscaling,
    diff_variants,
)
from sagemaker_rollout.spec import EndpointSpec, estimate_create, estimate_rollout

__all__ = ["plan_create", "plan_update"]


def _tag_changes(
    current: Mapping[str, str], desired: Sequence[Mapping[str, str]], previous_keys: Iterable[str]
) -> tuple[tuple[Mapping[str, str], ...], tuple[str, ...]]:
    wanted = {t["Key"]: t["Value"] for t in desired}
    to_add = tuple({"Key": k, "Value": v} for k, v in sorted(wanted.items()) if current.get(k) != v)
    # Only keys the template set before are removed; tags added by others are left alone.
    to_remove = tuple(sorted(k for k in set(previous_keys) if k not in wanted and k in current))
    return to_add, to_remove


@dataclass(frozen=True)
class _Rules:
    refusal: str | None
    update_arguments: Mapping[str, Any]
    unguarded: bool
    irreversible: tuple[str, ...]
    warnings: tuple[str, ...]


def _serverless(variant: Mapping[str, Any]) -> bool:
    """A serverless variant, from DescribeEndpointConfig (or DescribeEndpoint when the config is gone)."""
    return "ServerlessConfig" in variant or "CurrentServerlessConfig" in variant


def _update_rules(current: CurrentEndpoint, desired: EndpointSpec) -> _Rules:
    """SageMaker's rules that need what runs now; the first refusal found wins.

    * Instance-based to serverless is refused by SageMaker ("You cannot convert your
      instance-based, real-time endpoint to a serverless endpoint ... you receive a
      ValidationError"; serverless to instance-based is possible "but once you make the update,
      you cannot roll it back to serverless"): SageMaker developer guide, Serverless Inference,
      Feature exclusions (serverless-endpoints.html). The way back is refused, so it is allowed
      only with ``AllowIrreversibleChanges`` (contract section 8) and listed as irreversible.
    * ``AsyncInferenceConfig`` cannot be removed by an update: UpdateEndpoint answers
      "The AsyncInferenceConfig parameter cannot be removed from this endpoint" (ValidationException
      quoted in aws/sagemaker-python-sdk#3124).
    * "When doing a blue/green or rolling deployment, your new endpoint configuration must have the
      same variant name as the old endpoint configuration" (developer guide, deployment guardrails,
      Exclusions): a change of the variant set with a ``DeploymentConfig`` (or
      ``RetainDeploymentConfig: true``) is refused unless ``AllowUnguardedRollout``; then the update
      goes without them.
    * Inf1 instances (old or new config) make SageMaker ignore the guardrails (same page): warned.
    """
    running = list(current.variants or current.live_variants)
    wanted = desired.variants
    refusals: list[str] = []
    irreversible: list[str] = []
    warnings = list(desired.warnings)
    instance_based = [str(v.get("VariantName")) for v in running if not _serverless(v)]
    was_serverless = bool(running) and not instance_based
    for index, variant in enumerate(wanted):
        name = variant.get("VariantName")
        if "ServerlessConfig" in variant and instance_based:
            refusals.append(
                f"ProductionVariants[{index}].ServerlessConfig: endpoint {current.name} runs instance-based "
                f"variant(s) {', '.join(instance_based)} and SageMaker cannot convert it to serverless; "
                "use a new EndpointName"
            )
        if "ServerlessConfig" not in variant and was_serverless:
            irreversible.append(
                f"{name}: serverless -> instance-based ({variant.get('InstanceType')}); SageMaker cannot "
                "convert it back to serverless"
            )
            if not desired.allow_irreversible_changes:
                refusals.append(
                    f"ProductionVariants[{index}].InstanceType: changing serverless endpoint {current.name} "
                    "to instance-based cannot be rolled back by SageMaker; set AllowIrreversibleChanges: "
                    "true to accept that"
                )
    if current.async_inference and "AsyncInferenceConfig" not in desired.config:
        refusals.append(
            f"AsyncInferenceConfig: endpoint {current.name} runs asynchronous inference and SageMaker "
            "refuses an update that removes AsyncInferenceConfig; keep it, or use a new EndpointName"
        )
    arguments = desired.update_arguments()
    guarded = "DeploymentConfig" in arguments or arguments.get("RetainDeploymentConfig") is True
    # From what runs (the live variants when the config is gone), not from the config diff.
    before = [str(v.get("VariantName")) for v in running]
    after = [str(v.get("VariantName")) for v in wanted]
    added = [name for name in after if name not in before]
    removed = [name for name in before if name not in after]
    unguarded = False
    if guarded and (added or removed) and running:
        what = "; ".join(
            part
            for part in (
                f"added {', '.join(added)}" if added else "",
                f"removed {', '.join(removed)}" if removed else "",
            )
            if part
        )
        if desired.allow_unguarded_rollout:
            unguarded = True
            arguments.pop("DeploymentConfig", None)
            arguments.pop("RetainDeploymentConfig", None)
            warnings.append(
                f"AllowUnguardedRollout: the variant set changes ({what}), which deployment guardrails "
                "cannot do: this update rolls out WITHOUT its DeploymentConfig (SageMaker's default "
                "blue/green, all traffic at once, no baking, no alarm rollback)"
            )
        else:
            key = "DeploymentConfig" if "DeploymentConfig" in arguments else "RetainDeploymentConfig"
            refusals.append(
                f"{key}: deployment guardrails need the same variant names in the old and new config "
                f"({what}); set AllowUnguardedRollout: true to roll this one update out without them"
            )
    if guarded and not unguarded:
        old_inf1 = [
            str(v.get("VariantName"))
            for v in running
            if str(v.get("InstanceType", "")).startswith("ml.inf1.")
        ]
        if old_inf1 and not desired.warnings:
            warnings.append(
                f"the running config uses Inf1 instances ({', '.join(old_inf1)}): SageMaker does not apply "
                "deployment guardrails to this update; it falls back to all at once with no final baking"
            )
    return _Rules(
        refusal=refusals[0] if refusals else None,
        update_arguments=arguments,
        unguarded=unguarded,
        irreversible=tuple(irreversible),
        warnings=tuple(warnings),
    )


def plan_create(spec: EndpointSpec, endpoint_name: str, config_name: str) -> Plan:
    """Plan for an endpoint that does not exist yet: CreateEndpoint, no update steps.

    The estimate is :func:`~sagemaker_rollout.spec.estimate_create`'s (launch, download, health
    check); ``update_arguments`` is empty. The spec's warnings (Inf1: later updates will not be
    guarded) are kept.
    """
    return Plan(
        action="create",
        endpoint_name=endpoint_name,
        config_name=config_name,
        previous_config_name=None,
        estimate=estimate_create(spec.variants),
        service_timeout=spec.service_timeout,
        variant_changes=tuple(VariantChange(str(v.get("VariantName")), "added") for v in spec.variants),
        tags_to_add=tuple(spec.tags),
        warnings=spec.warnings,
    )


def plan_update(
    current: CurrentEndpoint,
    desired: EndpointSpec,
    config_name: str,
    *,
    previous_tag_keys: Iterable[str] = (),
) -> Plan:
    """Plan the update of a running endpoint towards ``desired``.

    Parameters
    ----------
    current:
        What runs now.
    desired:
        The template's properties.
    config_name:
        Name of the desired endpoint config (content-hashed).
    previous_tag_keys:
        Tag keys the previous properties set (only those are ever removed).
    """
    tags_to_add, tags_to_remove = _tag_changes(current.tags, desired.tags, previous_tag_keys)
    changes = diff_variants(current.variants, desired.variants)
    common = dict(
        endpoint_name=current.name,
        config_name=config_name,
        previous_config_name=current.config_name,
        estimate=desired.estimate,
        service_timeout=desired.service_timeout,
        variant_changes=changes,
        tags_to_add=tags_to_add,
        tag_keys_to_remove=tags_to_remove,
    )
    rules = _update_rules(current, desired)
    if rules.unguarded:
        common["estimate"] = estimate_rollout(None, desired.variants)
    checked = dict(
        refusal=rules.refusal,
        update_arguments=rules.update_arguments,
        unguarded=rules.unguarded,
        irreversible=rules.irreversible,
    )
    if current.busy:
        return Plan(action="wait", warnings=rules.warnings, **checked, **common)  # type: ignore[arg-type]
    if needs_rollout(current, config_name, config_matches(current.config, desired.config)) is False:
        action = "retag" if tags_to_add or tags_to_remove else "none"
        return Plan(action=action, **common)  # type: ignore[arg-type]
    suspend = blocked_by_autoscaling(changes, current.autoscaled)
    warnings = list(rules.warnings)
    if desired.retain_all_variant_properties:
        kept = [c.name for c in changes if c.kind in ("changed", "unchanged")]
        if kept:
            warnings.append(
                "RetainAllVariantProperties: current instance counts and weights of "
                f"{', '.join(kept)} are kept "
                "(InitialInstanceCount / InitialVariantWeight changes are ignored)"
            )
    for excluded in desired.exclude_retained_variant_properties or ():
        warnings.append(
            f"ExcludeRetainedVariantProperties: {excluded.get('VariantPropertyType')} taken from the template"
        )
    if suspend:
        warnings.append(
            f"autoscaling on {', '.join(suspend)} is suspended during the rollout and restored afterwards"
        )
    if not desired.estimate.alarms and desired.deployment_config and not rules.unguarded:
        warnings.append("no AutoRollbackConfiguration alarms: only SageMaker's own health checks roll back")
    if not desired.deployment_config:
        warnings.append("no DeploymentConfig: SageMaker shifts all traffic at once without baking or alarms")
    return Plan(
        action="rollout",
        suspend_autoscaling=suspend,
        warnings=tuple(warnings),
        **checked,  # type: ignore[arg-type]
        **common,  # type: ignore[arg-type]
    )
