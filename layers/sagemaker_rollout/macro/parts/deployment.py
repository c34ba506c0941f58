"""Deployment: ``Deployment`` -> the endpoint's ``DeploymentConfig`` and its alarm rollback.

Ranges from the schema (:data:`sagemaker_rollout.macro.schema.DEPLOYMENT`, itself from
:mod:`sagemaker_rollout.sagemaker`): TrafficRoutingConfig, BlueGreenUpdatePolicy and
RollingUpdatePolicy in the SageMaker API reference.
"""

from __future__ import annotations

from typing import Any, Final

from sagemaker_rollout.macro.parts.common import NO_VALUE, Expansion, Variant
from sagemaker_rollout.macro.schema import DEPLOYMENT
from sagemaker_rollout.macro.values import Scope, is_intrinsic

__all__ = ["deployment_config"]

MAX_ROLLBACK_ALARMS: Final = 10
"""SageMaker AutoRollbackConfig ``Alarms``: 1-10 items (API reference)."""
_DEFAULT_WAIT: Final = 300
_SIZES: Final = {"Canary": "CanarySize", "Linear": "LinearStepSize", "Rolling": "BatchSize"}


def _size(scope: Scope, value: Any, path: str) -> tuple[dict[str, Any], str, int]:
    """``10%`` -> CAPACITY_PERCENT 10; ``2`` -> INSTANCE_COUNT 2."""
    resolved = scope.resolve(value)
    if isinstance(resolved, str) and resolved.strip().endswith("%"):
        percent = scope.integer(resolved.strip()[:-1], path, 1, 100)
        if percent is None:  # pragma: no cover - a literal string is never unknown
            raise scope.error(path, "must be a percent like 10%")
        return {"Type": "CAPACITY_PERCENT", "Value": percent}, "CAPACITY_PERCENT", percent
    if is_intrinsic(resolved):
        raise scope.error(
            path, "must be a percent like 10% or a whole instance count (a literal or a Ref to a parameter)"
        )
    try:
        count = scope.integer(resolved, path, 1)
    except ValueError:
        raise scope.error(
            path, f"must be a percent like 10% or a whole instance count, got {resolved!r}"
        ) from None
    if count is None:  # pragma: no cover - resolved is no intrinsic
        raise scope.error(path, "must be a whole instance count")
    return {"Type": "INSTANCE_COUNT", "Value": count}, "INSTANCE_COUNT", count


def _step(scope: Scope, key: str, value: Any, smallest: int | None) -> dict[str, Any]:
    """A canary, linear step or rolling batch, within its percent range from the schema."""
    path = f"Deployment.{key}"
    size, kind, amount = _size(scope, value, path)
    if key == "CanarySize":
        _check_canary(scope, kind, amount, smallest)
        return size
    prop = DEPLOYMENT.props[key]
    low, high = int(prop.minimum or 0), int(prop.maximum or 100)
    if kind == "CAPACITY_PERCENT" and not low <= amount <= high:
        raise scope.error(path, f"{amount}% is outside {low}-{high}% of the fleet")
    return size


def deployment_config(
    scope: Scope, value: Any, variants: list[Variant], expansion: Expansion
) -> dict[str, Any] | None:
    """``Deployment`` (and the variants' alarms) -> ``DeploymentConfig``, or None for none."""
    alarm_names = expansion.rollback_alarm_names
    config = DEPLOYMENT.mapping(scope, value, "Deployment") if value is not None else {}
    strategy = DEPLOYMENT.read(
        scope, config, "Strategy", "Deployment", value=config.get("Strategy", "AllAtOnce")
    )
    rollback = bool(alarm_names)
    if "RollbackOnAlarms" in config:
        rollback = DEPLOYMENT.read(scope, config, "RollbackOnAlarms", "Deployment")
        if rollback and not alarm_names:
            raise scope.error(
                "Deployment.RollbackOnAlarms", "is true but no variant has Alarms to roll back on"
            )
    if rollback and len(alarm_names) > MAX_ROLLBACK_ALARMS:
        raise scope.error(
            "Deployment.RollbackOnAlarms",
            f"{len(alarm_names)} alarms exceed SageMaker's limit "
            f"of {MAX_ROLLBACK_ALARMS} rollback alarms; set "
            "RollbackOnAlarms: false or drop some alarms",
        )
    if value is None and not rollback:
        return None
    for key in _SIZES.values():
        if key in config and _SIZES.get(strategy) != key:
            raise scope.error("Deployment", f"{key} does not apply to Strategy {strategy}")
    wait: Any = config.get("WaitIntervalSeconds", _DEFAULT_WAIT if strategy != "AllAtOnce" or rollback else 0)
    DEPLOYMENT.read(scope, config, "WaitIntervalSeconds", "Deployment", value=wait)
    smallest = min(
        (item.instance_count for item in variants if item.instance_count is not None), default=None
    )
    # The strategy decides MaximumExecutionTimeoutSeconds' range (the schema's When rule).
    ruled = {**config, "Strategy": strategy}

    result: dict[str, Any] = {}
    if strategy == "Rolling":
        if len(variants) > 1:
            raise scope.error(
                "Deployment.Strategy",
                f"Rolling updates support a single variant, the endpoint has "
                f"{len(variants)}; use AllAtOnce, Canary or Linear",
            )
        if variants[0].serverless:
            raise scope.error(
                "Deployment.Strategy",
                "Rolling updates are not supported for serverless variants; use AllAtOnce",
            )
        batch = _step(
            scope, "BatchSize", config.get("BatchSize", DEPLOYMENT.props["BatchSize"].default), smallest
        )
        policy: dict[str, Any] = {"MaximumBatchSize": batch, "WaitIntervalInSeconds": wait}
        if "MaximumExecutionTimeoutSeconds" in config:
            DEPLOYMENT.read(scope, ruled, "MaximumExecutionTimeoutSeconds", "Deployment")
            policy["MaximumExecutionTimeoutInSeconds"] = config["MaximumExecutionTimeoutSeconds"]
        if "TerminationWaitSeconds" in config:
            raise scope.error("Deployment", "TerminationWaitSeconds does not apply to Strategy Rolling")
        result["RollingUpdatePolicy"] = policy
    else:
        routing: dict[str, Any] = {
            "Type": {"AllAtOnce": "ALL_AT_ONCE", "Canary": "CANARY", "Linear": "LINEAR"}[strategy],
            "WaitIntervalInSeconds": wait,
        }
        if strategy in ("Canary", "Linear"):
            key = _SIZES[strategy]
            if key not in config:
                raise scope.error(
                    "Deployment",
                    f"{key} is required for Strategy {strategy} "
                    "(a percent like 10% or a whole instance count)",
                )
            routing[key] = _step(scope, key, config[key], smallest)
        policy = {"TrafficRoutingConfiguration": routing}
        if "TerminationWaitSeconds" in config:
            DEPLOYMENT.read(scope, config, "TerminationWaitSeconds", "Deployment")
            policy["TerminationWaitInSeconds"] = config["TerminationWaitSeconds"]
        if "MaximumExecutionTimeoutSeconds" in config:
            DEPLOYMENT.read(scope, ruled, "MaximumExecutionTimeoutSeconds", "Deployment")
            policy["MaximumExecutionTimeoutInSeconds"] = config["MaximumExecutionTimeoutSeconds"]
        result["BlueGreenUpdatePolicy"] = policy
    if rollback:
        result["AutoRollbackConfiguration"] = _rollback_config(scope, expansion)
    return result


def _rollback_config(scope: Scope, expansion: Expansion) -> dict[str, Any]:
    """``AutoRollbackConfiguration`` naming every generated alarm; conditional ones only when created.

    Unconditional alarms are named by their computed name (the endpoint ``DependsOn`` them); an
    alarm with a ``Condition`` is named with ``!If [Cond, {AlarmName: !Ref Alarm}, !Ref
    AWS::NoValue]`` (``Ref`` of an ``AWS::CloudWatch::Alarm`` is its name), so the endpoint never
    names an alarm CloudFormation did not create. SageMaker needs 1-10 alarms in the list
    (``AutoRollbackConfig.Alarms``): when every alarm has the same condition the whole
    configuration is conditional.
    """
    rows = list(
        zip(
            expansion.rollback_alarm_ids,
            expansion.rollback_alarm_names,
            expansion.rollback_alarm_conditions,
            strict=True,
        )
    )
    conditions = {condition for _, _, condition in rows}
    if None in conditions:
        return {
            "Alarms": [
                {"AlarmName": name}
                if condition is None
                else {"Fn::If": [condition, {"AlarmName": {"Ref": alarm_id}}, NO_VALUE]}
                for alarm_id, name, condition in rows
            ]
        }
    if len(conditions) == 1:
        (condition,) = conditions
        alarms = [{"AlarmName": {"Ref": alarm_id}} for alarm_id, _, _ in rows]
        return {"Fn::If": [condition, {"Alarms": alarms}, NO_VALUE]}
    raise scope.error(
        "Deployment.RollbackOnAlarms",
        "every rollback alarm is conditional, on different conditions "
        f"({', '.join(sorted(map(str, conditions)))}); "
        "SageMaker needs at least one: give one variant unconditional Alarms, or set "
        "RollbackOnAlarms: false",
    )


def _check_canary(scope: Scope, kind: str, amount: int, smallest: int | None) -> None:
    high = int(DEPLOYMENT.props["CanarySize"].maximum or 50)
    if kind == "CAPACITY_PERCENT":
        if amount > high:
            raise scope.error(
                "Deployment.CanarySize", f"{amount}% is larger than half the fleet (at most {high}%)"
            )
        return
    if smallest is not None and smallest < 2:
        raise scope.error(
            "Deployment.CanarySize",
            f"a canary of {amount} instance(s) needs at least {amount * 2} instances in every variant "
            f"(the smallest has {smallest}); use Strategy AllAtOnce with rollback alarms for a "
            "1-instance variant, or give it more instances",
        )
    if smallest is not None and amount * 2 > smallest:
        raise scope.error(
            "Deployment.CanarySize",
            f"{amount} instance(s) is larger than half the fleet "
            f"({smallest} instance(s) in the smallest variant; at most "
            f"{smallest // 2})",
        )
