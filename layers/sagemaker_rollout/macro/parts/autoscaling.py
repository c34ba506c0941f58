"""Autoscaling: ``Variants[i].AutoScaling`` -> a scalable target and its policies.

The target kind (``TargetInvocationsPerInstance``, ...) comes from the registry
:data:`sagemaker_rollout.macro.targets.TARGET_KINDS`: it says which variants it applies to, which
dimension it scales, its own checks and its metric; this module does what every kind shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.parts.common import Expansion, Variant, text
from sagemaker_rollout.macro.schema import AUTOSCALING, SUSPENDED_STATE
from sagemaker_rollout.macro.targets import TARGET_KINDS, TargetContext, TargetKind, option_owner
from sagemaker_rollout.macro.values import Scope, is_intrinsic, show
from sagemaker_rollout.sagemaker import SERVICE_NAMESPACE, scalable_resource_id

__all__ = ["autoscaling_resources", "check_autoscaling"]


def _kind(scope: Scope, config: Mapping[str, Any], path: str, *, serverless: bool) -> TargetKind:
    """The one target kind ``config`` names, applicable to the variant."""
    targets = [key for key in TARGET_KINDS if key in config]
    if len(targets) != 1:
        raise scope.error(
            path,
            f"give exactly one scaling target: {', '.join(TARGET_KINDS)}"
            + (f" (got {', '.join(targets)})" if targets else ""),
        )
    kind = TARGET_KINDS[targets[0]]
    if kind.serverless != serverless:
        fitting = [other.key for other in TARGET_KINDS.values() if other.serverless == serverless]
        instead = f"; use {' or '.join(fitting)}" if fitting else ""
        if serverless and not fitting:
            instead = "; use Serverless.MaxConcurrency or ProvisionedConcurrency"
        raise scope.error(
            path,
            f"{kind.key} applies to {kind.variants} ({kind.dimension}), this variant is "
            f"{'serverless' if serverless else 'instance-based'}{instead}",
        )
    return kind


def check_autoscaling(
    scope: Scope,
    value: Any,
    path: str,
    *,
    is_async: bool,
    serverless: Mapping[str, Any] | None = None,
    instance_type: str | None = None,
    instance_count: int | None = None,
) -> Mapping[str, Any]:
    """Validate ``AutoScaling`` of a variant (instance-based, or serverless with its ``Serverless``)."""
    config = AUTOSCALING.mapping(scope, value, path)
    if instance_type is not None and instance_type.startswith("ml.t"):
        raise scope.error(
            path,
            f"autoscaling is not supported on burstable instance type {instance_type} "
            "(ml.t*); use another instance family or remove AutoScaling",
        )
    minimum = AUTOSCALING.read(scope, config, "MinCapacity", path, value=config.get("MinCapacity", 1))
    maximum = AUTOSCALING.read(scope, config, "MaxCapacity", path)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise scope.error(path, f"MinCapacity {minimum} is greater than MaxCapacity {maximum}")
    if minimum == 0 and not is_async:
        raise scope.error(path, "MinCapacity 0 is only allowed for asynchronous endpoints (AsyncInference)")
    # InstanceCount below MinCapacity is allowed: registering the scalable target "changes the
    # resource's current capacity to a value that is inside of this range" (Application Auto Scaling
    # API reference, RegisterScalableTarget); `lint` warns (W9103).
    if instance_count is not None and maximum is not None and instance_count > maximum:
        raise scope.error(
            path,
            f"InstanceCount {instance_count} is outside [MinCapacity {minimum}, MaxCapacity {maximum}]",
        )
    kind = _kind(scope, config, path, serverless=serverless is not None)
    context = TargetContext(
        scope, config, path, "", None, minimum=minimum, is_async=is_async, serverless=serverless
    )
    if kind.check is not None:
        kind.check(context)
    kind.prop.check(scope, config[kind.key], f"{path}.{kind.key}")
    for key in config:
        owner = option_owner(key)
        if owner is None:
            continue
        option = owner.options[key]
        if owner is not kind:
            if option.kind == "boolean" and not option.check(scope, config[key], f"{path}.{key}"):
                continue
            raise scope.error(path, f"{key} only applies to {owner.key}")
        option.check(scope, config[key], f"{path}.{key}")
    for key in ("ScaleInCooldown", "ScaleOutCooldown", "DisableScaleIn", "RoleARN"):
        if key in config:
            AUTOSCALING.read(scope, config, key, path)
    if "SuspendedState" in config and not is_intrinsic(config["SuspendedState"]):
        state_path = f"{path}.SuspendedState"
        state = SUSPENDED_STATE.mapping(scope, config["SuspendedState"], state_path)
        for key in state:
            SUSPENDED_STATE.read(scope, state, key, state_path)
    for key in ("PolicyName", "ScaleFromZeroPolicyName"):
        if key in config:
            # PutScalingPolicy PolicyName: 1-256 printable characters (API reference).
            policy = AUTOSCALING.read(scope, config, key, path)
            limit = AUTOSCALING.props[key].max_length or 256
            if policy is not None and not (1 <= len(policy) <= limit and policy.isprintable()):
                raise scope.error(
                    f"{path}.{key}", f"must be 1-{limit} printable characters, got {show(policy)}"
                )
    if "ScaleFromZeroPolicyName" in config and "ScaleFromZero" not in config:
        raise scope.error(path, "ScaleFromZeroPolicyName only applies with ScaleFromZero: true")
    return config


def autoscaling_resources(
    expansion: Expansion, logical_id: str, variant: Variant, endpoint_name: Any
) -> None:
    """Add the variant's scalable target, target-tracking policy and its kind's own resources."""
    config = variant.autoscaling
    if config is None:
        return
    kind = TARGET_KINDS[next(key for key in TARGET_KINDS if key in config)]
    prefix = f"{logical_id}{variant.key}"
    target_id = f"{prefix}ScalableTarget"
    condition = variant.autoscaling_condition
    resource_id = (
        scalable_resource_id(endpoint_name, variant.name)
        if isinstance(endpoint_name, str) and isinstance(variant.name, str)
        else text("endpoint/", endpoint_name, "/variant/", variant.name)
    )
    target: dict[str, Any] = {
        "MaxCapacity": config["MaxCapacity"],
        "MinCapacity": config.get("MinCapacity", AUTOSCALING.props["MinCapacity"].default),
        "ResourceId": resource_id,
        "ScalableDimension": kind.dimension,
        "ServiceNamespace": SERVICE_NAMESPACE,
    }
    for key in ("RoleARN", "SuspendedState"):
        if key in config:
            target[key] = config[key]
    expansion.add(
        target_id, "AWS::ApplicationAutoScaling::ScalableTarget", target, condition, DependsOn=[logical_id]
    )

    def add(resource_id: str, resource_type: str, properties: dict[str, Any]) -> None:
        expansion.add(resource_id, resource_type, properties, condition)

    context = TargetContext(
        expansion.scope,
        config,
        f"{variant.path}.AutoScaling",
        logical_id,
        variant.name,
        endpoint_name=endpoint_name,
        target_id=target_id,
        prefix=prefix,
        add=add,
    )
    tracking: dict[str, Any] = {
        "TargetValue": kind.value(context) if kind.value is not None else config[kind.key],
        **kind.metric(context),
    }
    for key in ("ScaleInCooldown", "ScaleOutCooldown", "DisableScaleIn"):
        if key in config:
            tracking[key] = config[key]
    add(
        f"{prefix}ScalingPolicy",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": config.get("PolicyName", text(f"{logical_id}-", variant.name, "-target-tracking")),
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": target_id},
            "TargetTrackingScalingPolicyConfiguration": tracking,
        },
    )
    if kind.resources is not None:
        kind.resources(context)
