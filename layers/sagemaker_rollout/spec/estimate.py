"""The worst-case duration of a rollout or a create, and how a DeploymentConfig reads.

Pure functions over already-coerced properties (part of :mod:`sagemaker_rollout.spec`; the rules
SageMaker enforces on a DeploymentConfig are in :mod:`~sagemaker_rollout.spec.deployment`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DOWNLOAD_ALLOWANCE_SECONDS",
    "HEALTH_CHECK_DEFAULT_SECONDS",
    "PROVISION_ALLOWANCE_SECONDS",
    "ROLLBACK_ALLOWANCE_SECONDS",
    "RolloutEstimate",
    "estimate_create",
    "estimate_rollout",
    "strategy_of",
]

PROVISION_ALLOWANCE_SECONDS = 300
"""Time allowed for SageMaker to launch a fleet's instances (or one rolling batch), before the model
is downloaded: an allowance from observed launches, not a documented limit."""

DOWNLOAD_ALLOWANCE_SECONDS = 600
"""Time counted for the model download when ``ModelDataDownloadTimeoutInSeconds`` is not set.

SageMaker documents no default for it (API reference, ProductionVariant: 60-3600 s, no default), so
the estimate allows this much and ``plan`` says so; set the property to bound the worst case."""

HEALTH_CHECK_DEFAULT_SECONDS = 480
"""SageMaker's health-check window when ``ContainerStartupHealthCheckTimeoutInSeconds`` is not set.

SageMaker developer guide, "Custom inference code with hosting services", section "How your
container should respond to health check (ping) requests": "If the container does not begin to pass
health checks by consistently responding with 200s during the 8 minutes after startup, the new
instance launch fails." (https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html)
"""

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
        ``AllAtOnce``, ``Canary``, ``Linear``, ``Rolling``, ``AllAtOnce (no guardrails)``, or
        ``Create`` (:func:`estimate_create`).
    steps:
        Human-readable steps in order, each with its allowance.
    worst_case_seconds:
        Upper bound of the rollout, rollback included: the sum of ``parts``.
    alarms:
        Names of the alarms that roll the update back.
    wait_seconds:
        Configured waiting: baking intervals plus termination wait.
    parts:
        ``(label, seconds)`` of every part of the worst case, in order (``plan`` prints them).
    part_paths:
        For each part, the property that sets it (``""`` for allowances of the provider's own).
    """

    strategy: str
    steps: tuple[str, ...]
    worst_case_seconds: int
    alarms: tuple[str, ...] = field(default=())
    wait_seconds: int = 0
    parts: tuple[tuple[str, int], ...] = field(default=())
    part_paths: tuple[str, ...] = field(default=())

    def dominant(self) -> tuple[str, int, str]:
        """``(label, seconds, property path)`` of the largest part (first one on ties)."""
        if not self.parts:
            return ("", 0, "")
        index = max(range(len(self.parts)), key=lambda i: (self.parts[i][1], -i))
        label, seconds = self.parts[index]
        path = self.part_paths[index] if index < len(self.part_paths) else ""
        return label, seconds, path


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


def _policy(config: Mapping[str, Any]) -> Mapping[str, Any]:
    policy = config.get("BlueGreenUpdatePolicy") or config.get("RollingUpdatePolicy") or {}
    return policy if isinstance(policy, Mapping) else {}


def _fleet_parts(
    variants: Sequence[Mapping[str, Any]], rounds: int, provision_seconds: int
) -> list[tuple[str, int, str]]:
    """Launch, model download and health check of a new fleet, ``rounds`` times (rolling batches).

    The variants of a config are provisioned side by side, so the slowest variant counts: the
    largest ``ModelDataDownloadTimeoutInSeconds`` and ``ContainerStartupHealthCheckTimeoutInSeconds``
    (each 60-3600 s, API reference ProductionVariant), or, when unset, the download allowance and
    SageMaker's documented 8-minute health-check window.
    """
    times = f"{rounds} x " if rounds > 1 else ""
    parts = [(f"launch {times}instances (allowance)", rounds * provision_seconds, "")]
    for key, default, what, unset in (
        (
            "ModelDataDownloadTimeoutInSeconds",
            DOWNLOAD_ALLOWANCE_SECONDS,
            "download the model",
            "not set, SageMaker documents no default: allowance",
        ),
        (
            "ContainerStartupHealthCheckTimeoutInSeconds",
            HEALTH_CHECK_DEFAULT_SECONDS,
            "pass the container health check",
            "not set: SageMaker's 8-minute default",
        ),
    ):
        worst, where, note = 0, "ProductionVariants", unset
        for index, variant in enumerate(variants):
            value = _known_int(variant.get(key))
            seconds = default if value is None else value
            if seconds > worst:
                worst, where = seconds, f"ProductionVariants[{index}].{key}"
                note = unset if value is None else f"{key} {value} s"
        if not variants:
            worst, where = default, f"ProductionVariants[0].{key}"
        parts.append((f"{what}, {times}{note}", rounds * worst, where))
    return parts


def estimate_rollout(
    deployment_config: Mapping[str, Any] | None,
    variants: Sequence[Mapping[str, Any]],
    *,
    provision_seconds: int = PROVISION_ALLOWANCE_SECONDS,
    rollback_seconds: int = ROLLBACK_ALLOWANCE_SECONDS,
) -> RolloutEstimate:
    """Steps, parts and worst-case duration of an UpdateEndpoint with ``deployment_config``.

    The worst case is the sum of its parts (SageMaker developer guide, "Blue/Green Deployments" and
    "Rolling Deployments"): a new fleet is launched, downloads the model and passes its health
    check (per batch for rolling updates); traffic shifts with a baking period after every step,
    the last one included; the old fleet is kept for ``TerminationWaitInSeconds``; then an
    allowance for a rollback. ``MaximumExecutionTimeoutInSeconds`` caps everything but the rollback.
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
    parts: list[tuple[str, int, str]]
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
        parts = _fleet_parts(variants, batches, provision_seconds)
        fleet = sum(seconds for _, seconds, _ in parts) // batches
        for number in range(1, batches + 1):
            steps.append(
                f"batch {number}/{batches}: provision {batch} instance(s) (<= {fleet} s), bake {wait} s"
            )
        parts.append((f"bake {batches} batch(es) x {wait} s", batches * wait, f"{_RU}.WaitIntervalInSeconds"))
        waited = batches * wait
        timeout = _known_int(rolling.get("MaximumExecutionTimeoutInSeconds"))
        timeout_path = f"{_RU}.MaximumExecutionTimeoutInSeconds"
    else:
        policy = config.get("BlueGreenUpdatePolicy") or {}
        routing = policy.get("TrafficRoutingConfiguration") or {}
        wait = _known_int(routing.get("WaitIntervalInSeconds")) or 0
        wait_path = f"{_TRC}.WaitIntervalInSeconds"
        termination = _known_int(policy.get("TerminationWaitInSeconds")) or 0
        parts = _fleet_parts(variants, 1, provision_seconds)
        fleet = sum(seconds for _, seconds, _ in parts)
        steps.append(f"provision the new fleet (<= {fleet} s)")
        if strategy == "Canary":
            size = _size(routing.get("CanarySize"))
            label = (
                "canary"
                if size is None
                else (f"{size[1]}%" if size[0] == "CAPACITY_PERCENT" else f"{size[1]} instance(s)")
            )
            steps += [f"shift {label} of traffic, bake {wait} s", f"shift the rest, final bake {wait} s"]
            parts += [("bake the canary", wait, wait_path), ("final bake", wait, wait_path)]
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
            parts.append((f"bake {count_steps} linear step(s) x {wait} s", count_steps * wait, wait_path))
        elif config:
            steps.append(f"shift all traffic, final bake {wait} s")
            parts.append(("final bake", wait, wait_path))
        else:
            steps.append("shift all traffic")
        if termination:
            steps.append(f"keep the old fleet {termination} s, then terminate it")
            parts.append(("keep the old fleet", termination, f"{_BG}.TerminationWaitInSeconds"))
        waited = sum(seconds for _, seconds, path in parts if path.startswith("DeploymentConfig"))
        timeout = _known_int(policy.get("MaximumExecutionTimeoutInSeconds"))
        timeout_path = f"{_BG}.MaximumExecutionTimeoutInSeconds"
    deployment = sum(seconds for _, seconds, _ in parts)
    if timeout is not None and timeout < deployment:
        parts = [("deployment, capped by MaximumExecutionTimeoutInSeconds", timeout, timeout_path)]
    if alarms:
        steps.append(f"roll back if {', '.join(alarms)} alarm(s) fire")
    parts.append(("rollback (allowance)", rollback_seconds, ""))
    steps.append(f"allow {rollback_seconds} s for a rollback")
    return RolloutEstimate(
        strategy=strategy,
        steps=tuple(steps),
        worst_case_seconds=sum(seconds for _, seconds, _ in parts),
        alarms=alarms,
        wait_seconds=waited,
        parts=tuple((label, seconds) for label, seconds, _ in parts),
        part_paths=tuple(path for _, _, path in parts),
    )


def estimate_create(
    variants: Sequence[Mapping[str, Any]], *, provision_seconds: int = PROVISION_ALLOWANCE_SECONDS
) -> RolloutEstimate:
    """Steps, parts and worst case of a CreateEndpoint: the fleet's launch, download, health check.

    No traffic shifting, baking or rollback: a create that fails leaves the endpoint ``Failed``.
    """
    parts = _fleet_parts(variants, 1, provision_seconds)
    return RolloutEstimate(
        strategy="Create",
        steps=tuple(label for label, _, _ in parts),
        worst_case_seconds=sum(seconds for _, seconds, _ in parts),
        parts=tuple((label, seconds) for label, seconds, _ in parts),
        part_paths=tuple(path for _, _, path in parts),
    )
