"""Deployment-config rules SageMaker enforces (the worst-case estimate is in ``spec/estimate.py``, the
deadline rule in ``spec/deadline.py``).

Pure functions over already-coerced properties: the provider, the macro, the linter and ``plan``
all call these, so a refusal reads the same wherever it is found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sagemaker_rollout.sagemaker import (
    CANARY_PERCENT_RANGE,
    LINEAR_PERCENT_RANGE,
    ROLLING_BATCH_PERCENT_RANGE,
)
from sagemaker_rollout.spec.deadline import brake_for, deadline_refusal
from sagemaker_rollout.spec.errors import PropertyError
from sagemaker_rollout.spec.estimate import (
    _BG,
    _RU,
    _TRC,
    DOWNLOAD_ALLOWANCE_SECONDS,
    HEALTH_CHECK_DEFAULT_SECONDS,
    PROVISION_ALLOWANCE_SECONDS,
    ROLLBACK_ALLOWANCE_SECONDS,
    RolloutEstimate,
    _instance_variants,
    _known_int,
    _policy,
    _size,
    estimate_create,
    estimate_rollout,
    strategy_of,
)

__all__ = [
    "DOWNLOAD_ALLOWANCE_SECONDS",
    "HEALTH_CHECK_DEFAULT_SECONDS",
    "PROVISION_ALLOWANCE_SECONDS",
    "ROLLBACK_ALLOWANCE_SECONDS",
    "RolloutEstimate",
    "check_deployment_config",
    "estimate_create",
    "estimate_rollout",
    "strategy_of",
]


def _check_fraction(
    path: str,
    what: str,
    size: tuple[str, int] | None,
    fleets: list[tuple[str, int | None]],
    limits: tuple[int, int],
) -> None:
    """``size`` against SageMaker's share of the fleet ``limits`` (percent, from
    :mod:`sagemaker_rollout.sagemaker`), as a percentage or as an instance count per variant."""
    if size is None:
        return
    low_pct, high_pct = limits
    kind, value = size
    if kind == "CAPACITY_PERCENT":
        if not low_pct <= value <= high_pct:
            raise PropertyError(path, f"{what} {value}% is outside {low_pct}-{high_pct}% of the fleet")
        return
    for name, count in fleets:
        if count is None:
            continue
        if value * 100 > high_pct * count:
            raise PropertyError(
                path,
                f"{what} {value} instance(s) is more than half of variant {name} ({count} instances); "
                f"use at most {high_pct}% of the fleet",
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
    """Refuse what SageMaker refuses, then check the rollout against ``service_timeout``.

    A rollout a brake can stop must be expected to fit, one no brake can stop must fit at its worst
    (:func:`sagemaker_rollout.spec.deadline.deadline_refusal`).

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
            f"{_RU}.MaximumBatchSize",
            "batch size",
            _size(rolling.get("MaximumBatchSize")),
            fleets,
            ROLLING_BATCH_PERCENT_RANGE,
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
            _check_fraction(
                f"{_TRC}.CanarySize", "canary", _size(routing.get("CanarySize")), fleets, CANARY_PERCENT_RANGE
            )
        else:
            if "LinearStepSize" not in routing:
                raise PropertyError(f"{_TRC}.LinearStepSize", "is required when Type is LINEAR")
            _check_fraction(
                f"{_TRC}.LinearStepSize",
                "linear step",
                _size(routing.get("LinearStepSize")),
                fleets,
                LINEAR_PERCENT_RANGE,
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
    refusal = deadline_refusal(brake_for(config, variants), service_timeout)
    if refusal is not None:
        label, seconds, path = estimate.dominant()
        raise PropertyError(
            path or ("DeploymentConfig" if config else "ServiceTimeout"),
            f"{refusal}; largest part: {label} ({seconds} s): lower it",
        )
    return estimate
