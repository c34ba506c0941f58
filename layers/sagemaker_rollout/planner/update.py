"""Plan a Create or an Update: SageMaker's rules that need what runs now (pure, no AWS).

Part of :mod:`sagemaker_rollout.planner`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.naming import config_name as name_config
from sagemaker_rollout.planner.decisions import config_matches, needs_rollout
from sagemaker_rollout.planner.model import (
    CurrentEndpoint,
    Plan,
    VariantChange,
    blocked_by_autoscaling,
    diff_variants,
)
from sagemaker_rollout.spec import EndpointSpec, estimate_create, estimate_rollout
from sagemaker_rollout.spec.deadline import MAX_ROLLBACK_ALARMS, Brake, brake_for, deadline_refusal
from sagemaker_rollout.spec.timeline import history_figure

__all__ = ["RETAINED_PROPERTIES", "plan_create", "plan_update", "retained_values", "with_retained"]

RETAINED_PROPERTIES = {
    "DesiredInstanceCount": "InitialInstanceCount",
    "DesiredWeight": "InitialVariantWeight",
}
"""What SageMaker's retention keeps (UpdateEndpoint ``RetainAllVariantProperties``; VariantProperty
``VariantPropertyType``: DesiredInstanceCount, DesiredWeight; DataCaptureConfig "not currently
supported") and the ProductionVariant field the retain rule writes it into."""


def _rule_subjects(current: CurrentEndpoint, desired: EndpointSpec) -> dict[str, tuple[str, ...]]:
    """{variant: fields} the retain rule keeps live: desired variants that run now and are registered
    with Application Auto Scaling, the fields ``ExcludeRetainedVariantProperties`` does not exclude;
    nothing when ``RetainAllVariantProperties`` is false."""
    if not desired.retain_all_variant_properties:
        return {}
    excluded = {str(x.get("VariantPropertyType")) for x in desired.exclude_retained_variant_properties or ()}
    fields = tuple(f for p, f in RETAINED_PROPERTIES.items() if p not in excluded)
    running = {str(v.get("VariantName")) for v in current.live_variants}
    subjects = {}
    for variant in desired.variants:
        name = str(variant.get("VariantName"))
        if name in current.autoscaled and name in running:
            kept = tuple(
                f for f in fields if f != "InitialInstanceCount" or "InitialInstanceCount" in variant
            )
            if kept:
                subjects[name] = kept
    return subjects


def retained_values(current: CurrentEndpoint, desired: EndpointSpec) -> dict[str, dict[str, Any]]:
    """The retain rule: the live values an update writes into the new config, per variant.

    SageMaker's retention is all or nothing (``RetainAllVariantProperties`` and
    ``ExcludeRetainedVariantProperties`` apply to every variant: UpdateEndpoint API reference), so
    the provider never asks for it. With ``RetainAllVariantProperties`` (default true), a variant
    registered with Application Auto Scaling keeps its live desired instance count and weight
    (``DescribeEndpoint``: DesiredInstanceCount, DesiredWeight), written into the new config as
    InitialInstanceCount and InitialVariantWeight (SageMaker developer guide, "Update endpoints that
    use auto scaling"); every other variant gets the template's values, and UpdateEndpoint is called
    with ``RetainAllVariantProperties: false``. Only values that differ from the template's are
    returned (a count of 0, an endpoint scaled to zero, is written as 1: InitialInstanceCount's
    minimum, CreateEndpointConfig API reference).
    """
    live = {str(v.get("VariantName")): v for v in current.live_variants}
    wanted = {str(v.get("VariantName")): v for v in desired.variants}
    values: dict[str, dict[str, Any]] = {}
    for name, fields in _rule_subjects(current, desired).items():
        now, variant = live[name], wanted[name]
        found: dict[str, Any] = {}
        if "InitialInstanceCount" in fields:
            count = now.get("DesiredInstanceCount", now.get("CurrentInstanceCount"))
            if count is not None:
                found["InitialInstanceCount"] = max(1, int(count))
        if "InitialVariantWeight" in fields:
            weight = now.get("DesiredWeight", now.get("CurrentWeight"))
            if weight is not None:
                found["InitialVariantWeight"] = float(weight)
        found = {k: v for k, v in found.items() if _number(variant.get(k)) != _number(v)}
        if found:
            values[name] = found
    return values


def with_retained(config: Mapping[str, Any], retained: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``config`` (CreateEndpointConfig content) with the retain rule's values written into its variants."""
    out = dict(config)
    out["ProductionVariants"] = [
        {**dict(v), **dict(retained.get(str(v.get("VariantName")), {}))}
        for v in config.get("ProductionVariants", [])
    ]
    return out


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _as_configured(current: CurrentEndpoint, desired: EndpointSpec) -> dict[str, Any]:
    """The desired config with the rule's fields as the running config has them: what to compare
    with the running config, so that autoscaling's own changes never cause a rollout."""
    configured = {str(v.get("VariantName")): v for v in current.variants}
    kept = {
        name: {f: configured[name][f] for f in fields if f in configured.get(name, {})}
        for name, fields in _rule_subjects(current, desired).items()
    }
    return with_retained(desired.config, kept)


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


def _brake(
    current: CurrentEndpoint,
    desired: EndpointSpec,
    arguments: Mapping[str, Any],
    rules: _Rules,
    provisioned: Sequence[float],
) -> Brake:
    """The deadline figures of this update (:mod:`sagemaker_rollout.spec.deadline`).

    No brake when the update goes without a ``DeploymentConfig`` (none, unguarded, or only
    ``RetainDeploymentConfig``: the provider cannot add its alarm to a config it does not send) or
    when the running config has Inf1 instances (SageMaker then falls back to all at once:
    developer guide, deployment guardrails, Exclusions).
    """
    deployment = arguments.get("DeploymentConfig")
    config = dict(deployment) if isinstance(deployment, Mapping) and not rules.unguarded else None
    brake = brake_for(config, desired.variants, provision=history_figure(provisioned))
    running = current.variants or current.live_variants
    if config and any(str(v.get("InstanceType", "")).startswith("ml.inf1.") for v in running):
        brake = dataclasses.replace(
            brake, blocker="the running config has Inf1 instances: SageMaker falls back to all at once"
        )
    return brake


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
    provisioned: Sequence[float] = (),
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
    provisioned:
        How long the endpoint's past fleet launches took (the journal's ``provisioned``): the
        expected launch of the deadline rule (:func:`_brake`), instead of the stated allowance.
    """
    tags_to_add, tags_to_remove = _tag_changes(current.tags, desired.tags, previous_tag_keys)
    retained = retained_values(current, desired)
    if retained:  # new content, new name (the config-name churn docs/reference.md describes)
        config = with_retained(desired.config, retained)
        config_name = name_config(current.name, dataclasses.replace(desired, config=config).config_digest)
    changes = diff_variants(current.variants, with_retained(desired.config, retained)["ProductionVariants"])
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
    arguments = dict(rules.update_arguments)
    arguments["RetainAllVariantProperties"] = False  # the rule above does what retention would
    arguments.pop("ExcludeRetainedVariantProperties", None)  # applies only to a retaining update
    checked = dict(
        refusal=rules.refusal,
        update_arguments=arguments,
        unguarded=rules.unguarded,
        irreversible=rules.irreversible,
    )
    if current.busy:
        return Plan(action="wait", warnings=rules.warnings, **checked, **common)  # type: ignore[arg-type]
    if (
        needs_rollout(current, config_name, config_matches(current.config, _as_configured(current, desired)))
        is False
    ):
        action = "retag" if tags_to_add or tags_to_remove else "none"
        return Plan(action=action, **common)  # type: ignore[arg-type]
    suspend = blocked_by_autoscaling(changes, current.autoscaled)
    warnings = list(rules.warnings)
    if retained:
        kept = "; ".join(
            f"{name}: " + ", ".join(f"{field} {value:g}" for field, value in sorted(values.items()))
            for name, values in sorted(retained.items())
        )
        warnings.append(
            f"RetainAllVariantProperties: autoscaled variants keep their live values, written into the new "
            f"config ({kept}); the other variants take the template's"
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
    brake = _brake(current, desired, arguments, rules, provisioned)
    if brake.blocker and len(desired.estimate.alarms) >= MAX_ROLLBACK_ALARMS:
        warnings.append(
            f"AutoRollbackConfiguration lists {MAX_ROLLBACK_ALARMS} alarms (SageMaker's maximum): no room "
            "for the provider's brake, so this rollout cannot be aborted at its deadline; its worst "
            "case must fit"
        )
    if checked["refusal"] is None:
        checked["refusal"] = deadline_refusal(brake, desired.service_timeout)
    return Plan(
        action="rollout",
        brake=brake,
        suspend_autoscaling=suspend,
        warnings=tuple(warnings),
        retained=retained,
        **checked,  # type: ignore[arg-type]
        **common,  # type: ignore[arg-type]
    )
