"""Deployment-config rules SageMaker enforces, and the worst-case duration of a rollout.

Pure functions over already-coerced properties: the provider, the macro, the linter and ``plan``
all call these, so a refusal reads the same wherever it is found.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.spec.errors import PropertyError

__all__ = [
    "PROVISION_ALLOWANCE_SECONDS",
    "ROLLBACK_ALLOWANCE_SECONDS",
    "RolloutEstimate",
    "check_deployment_config",
    "estimate_rollout",
    "strategy_of",
]

PROVISION_ALLOWANCE_SECONDS = 600
"""Time allowed for SageMaker to provision a new fleet (or one rolling batch) in the estimate."""

ROLLBACK_ALLOWANCE_SECONDS = 300
"""Time allowed for SageMaker to shift traffic back after a failed step."""

_BG = "DeploymentConfig.BlueGreenUpdatePolicy"
_TRC = f"{_BG}.TrafficRoutingConfiguration"
_RU = "DeploymentConfig.RollingUpdatePolicy"


@dataclass(frozen=True)
class RolloutEstimate:
    """How a rollout proceeds and how long it may take at worst.

    Attributes
    ----------
    strategy:
        ``AllAtOnce``, ``Canary``, ``Linear``, ``Rolling``, or ``AllAtOnce (no guardrails)``.
    steps:
        Human-readable steps in order, each with its allowance.
    worst_case_seconds:
        Upper bound of the rollout, rollback included.
    alarms:
        Names of the alarms that roll the update back.
    wait_seconds:
        Configured waiting: baking intervals plus termination wait.
    """

    strategy: str
    steps: tuple[str, ...]
    worst_case_seconds: int
    alarms: tuple[str, ...] = field(default=())
    wait_seconds: int = 0


def _known_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _instance_variants(variants: Sequence[Mapping[str, Any]]) -> list[tuple[str, int | None]]:
    """(name, instance count) of every instance-backed variant; count None when not known yet."""
    result = []
    for index, variant in enumerate(variants):
        if "ServerlessConfig" in variant:
            continue
        name = variant.get("VariantName")
        label = name if isinstance(name, str) else f"#{index}"
        result.append((label, _known_int(variant.get("InitialInstanceCount"))))
    return result


def strategy_of(deployment_config: Mapping[str, Any] | None) -> str:
    """The strategy name a DeploymentConfig describes."""
    if not deployment_config:
        return "AllAtOnce (no guardrails)"
    if "RollingUpdatePolicy" in deployment_config:
        return "Rolling"
    routing = deployment_config.get("BlueGreenUpdatePolicy", {}).get("TrafficRoutingConfiguration", {})
    kind = routing.get("Type")
    return {"CANARY": "Canary", "LINEAR": "Linear"}.get(kind if isinstance(kind, str) else "", "AllAtOnce")


def _size(spec: Mapping[str, Any] | None) -> tuple[str, int] | None:
    if not isinstance(spec, Mapping):
        return None
    kind, value = spec.get("Type"), _known_int(spec.get("Value"))
    if not isinstance(kind, str) or value is None:
        return None
    return kind, value


def _check_fraction(
    path: str, what: str, size: tuple[str, int] | None, fleets: list[tuple[str, int | None]], low_pct: int
) -> None:
    if size is None:
        return
    kind, value = size
    if kind == "CAPACITY_PERCENT":
        if not low_pct <= value <= 50:
            raise PropertyError(path, f"{what} {value}% is outside {low_pct}-50% of the fleet")
        return
    for name, count in fleets:
        if count is None:
            continue
        if value * 2 > count:
            raise PropertyError(
                path,
                f"{what} {value} instance(s) is more than half of variant {name} ({count} instances); "
                "use at most 50% of the fleet",
            )
        if value * 100 < low_pct * count:
            raise PropertyError(
                path, f"{what} {value} instance(s) is under {low_pct}% of variant {name} ({count} instances)"
            )


def check_deployment_config(
    deployment_config: Mapping[str, Any] | None,
    variants: Sequence[Mapping[str, Any]],
    *,
    service_timeout: int = 3600,
) -> RolloutEstimate:
    """Refuse what SageMaker refuses, then check the worst case against ``service_timeout``.

    Parameters
    ----------
    deployment_config:
        Coerced ``DeploymentConfig`` (may hold intrinsics where values are unknown).
    variants:
        Coerced ``ProductionVariants``.
    service_timeout:
        The request's time limit in seconds.

    Returns
    -------
    RolloutEstimate
        The estimate the check was made against.

    Raises
    ------
    PropertyError
        With the offending property path.
    """
    config = deployment_config or {}
    serverless = [v.get("VariantName", f"#{i}") for i, v in enumerate(variants) if "ServerlessConfig" in v]
    fleets = _instance_variants(variants)
    if "BlueGreenUpdatePolicy" in config and "RollingUpdatePolicy" in config:
        raise PropertyError(
            "DeploymentConfig", "set either BlueGreenUpdatePolicy or RollingUpdatePolicy, not both"
        )
    strategy = strategy_of(config)
    if strategy == "Rolling":
        if len(variants) > 1:
            raise PropertyError(
                _RU, f"rolling updates need exactly one production variant, got {len(variants)}"
            )
        if serverless:
            raise PropertyError(_RU, "rolling updates are not supported for serverless variants")
        rolling = config["RollingUpdatePolicy"]
        _check_fraction(
            f"{_RU}.MaximumBatchSize", "batch size", _size(rolling.get("MaximumBatchSize")), fleets, 5
        )
    elif strategy in ("Canary", "Linear"):
        if serverless:
            raise PropertyError(
                f"{_TRC}.Type",
                f"{strategy.upper()} traffic shifting is not supported for serverless variant "
                f"{serverless[0]}; use ALL_AT_ONCE",
            )
        routing = config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
        if strategy == "Canary":
            if "CanarySize" not in routing:
                raise PropertyError(f"{_TRC}.CanarySize", "is required when Type is CANARY")
            _check_fraction(f"{_TRC}.CanarySize", "canary", _size(routing.get("CanarySize")), fleets, 0)
        else:
            if "LinearStepSize" not in routing:
                raise PropertyError(f"{_TRC}.LinearStepSize", "is required when Type is LINEAR")
            _check_fraction(
                f"{_TRC}.LinearStepSize", "linear step", _size(routing.get("LinearStepSize")), fleets, 10
            )
    estimate = estimate_rollout(config, variants)
    policy_path = _BG if "BlueGreenUpdatePolicy" in config else _RU
    waits = estimate.wait_seconds
    timeout = _known_int(_policy(config).get("MaximumExecutionTimeoutInSeconds"))
    if timeout is not None and timeout <= waits:
        raise PropertyError(
            f"{policy_path}.MaximumExecutionTimeoutInSeconds",
            f"{timeout} s must be longer than the {waits} s of wait intervals and termination wait",
        )
    if estimate.worst_case_seconds > service_timeout:
        raise PropertyError(
            "DeploymentConfig" if config else "ServiceTimeout",
            f"worst-case rollout {estimate.worst_case_seconds} s ({strategy}) exceeds the "
            f"{service_timeout} s time limit of the request; shorten wait intervals or batches",
        )
    return estimate


def _policy(config: Mapping[str, Any]) -> Mapping[str, Any]:
    policy = config.get("BlueGreenUpdatePolicy") or config.get("RollingUpdatePolicy") or {}
    return policy if isinstance(policy, Mapping) else {}


def estimate_rollout(
    deployment_config: Mapping[str, Any] | None,
    variants: Sequence[Mapping[str, Any]],
    *,
    provision_seconds: int = PROVISION_ALLOWANCE_SECONDS,
    rollback_seconds: int = ROLLBACK_ALLOWANCE_SECONDS,
) -> RolloutEstimate:
    """Steps and worst-case duration of an UpdateEndpoint with ``deployment_config``.

    Unknown values (intrinsics) count as 0 s waits and single steps.
    """
    config = deployment_config or {}
    strategy = strategy_of(config)
    alarms = tuple(
        str(a.get("AlarmName"))
        for a in (config.get("AutoRollbackConfiguration") or {}).get("Alarms", []) or []
        if isinstance(a, Mapping) and isinstance(a.get("AlarmName"), str)
    )
    steps: list[str] = []
    if strategy == "Rolling":
        rolling = config["RollingUpdatePolicy"]
        wait = _known_int(rolling.get("WaitIntervalInSeconds")) or 0
        counts = [c for _, c in _instance_variants(variants) if c is not None]
        count = max(counts) if counts else 1
        size = _size(rolling.get("MaximumBatchSize"))
        batch = count
        if size is not None:
            kind, value = size
            batch = value if kind == "INSTANCE_COUNT" else max(1, count * value // 100)
        batches = max(1, math.ceil(count / max(batch, 1)))
        for number in range(1, batches + 1):
            steps.append(
                f"batch {number}/{batches}: provision {batch} instance(s) (<= {provision_seconds} s)"
            )
            steps.append(f"batch {number}/{batches}: bake {wait} s")
        worst = batches * (provision_seconds + wait)
        waited = batches * wait
        timeout = _known_int(rolling.get("MaximumExecutionTimeoutInSeconds"))
        if timeout is not None:
            worst = min(worst, timeout)
    else:
        policy = config.get("BlueGreenUpdatePolicy") or {}
        routing = policy.get("TrafficRoutingConfiguration") or {}
        wait = _known_int(routing.get("WaitIntervalInSeconds")) or 0
        termination = _known_int(policy.get("TerminationWaitInSeconds")) or 0
        steps.append(f"provision the new fleet (<= {provision_seconds} s)")
        bake = 0
        if strategy == "Canary":
            size = _size(routing.get("CanarySize"))
            label = (
                "canary"
                if size is None
                else (f"{size[1]}%" if size[0] == "CAPACITY_PERCENT" else f"{size[1]} instance(s)")
            )
            steps += [f"shift {label} of traffic, bake {wait} s", f"shift the rest, bake {wait} s"]
            bake = 2 * wait
        elif strategy == "Linear":
            size = _size(routing.get("LinearStepSize"))
            count_steps = 1
            if size is not None:
                kind, value = size
                if kind == "CAPACITY_PERCENT":
                    count_steps = math.ceil(100 / value)
                else:
                    counts = [c for _, c in _instance_variants(variants) if c is not None]
                    count_steps = max((math.ceil(c / value) for c in counts), default=1)
            steps += [
                f"step {n}/{count_steps}: shift traffic, bake {wait} s" for n in range(1, count_steps + 1)
            ]
            bake = count_steps * wait
        else:
            steps.append(f"shift all traffic, bake {wait} s" if config else "shift all traffic")
            bake = wait
        if termination:
            steps.append(f"keep the old fleet {termination} s, then terminate it")
        worst = provision_seconds + bake + termination
        waited = bake + termination
        timeout = _known_int(policy.get("MaximumExecutionTimeoutInSeconds"))
        if timeout is not None:
            worst = min(worst, timeout)
    if alarms:
        steps.append(f"roll back if {', '.join(alarms)} alarm(s) fire")
    worst += rollback_seconds
    steps.append(f"allow {rollback_seconds} s for a rollback")
    return RolloutEstimate(
        strategy=strategy, steps=tuple(steps), worst_case_seconds=worst, alarms=alarms, wait_seconds=waited
    )
