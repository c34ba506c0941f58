"""Timelines of simulated endpoint updates (pure computation, no moto).

An update is planned once, when ``UpdateEndpoint`` is accepted, as a list of :class:`Phase` objects
with offsets relative to the start of the update. The simulator then reads the phase that contains
"now" and checks the monitored (baking) phases against the CloudWatch alarms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.simulator.timings import Timings

__all__ = ["DeploymentConfigError", "Phase", "UpdatePlan", "plan_update"]


class DeploymentConfigError(ValueError):
    """SageMaker refuses the ``DeploymentConfig`` for this endpoint (one-line reason)."""


@dataclass(frozen=True)
class Phase:
    """One step of an update.

    Attributes
    ----------
    start, end:
        Offsets in seconds from the start of the update; ``start <= t < end``.
    label:
        Human-readable step, e.g. ``"canary baking"``.
    variant_status:
        ``VariantStatus`` SageMaker shows for the new fleet (``Creating``, ``Baking``, ...).
    monitored:
        Whether the auto-rollback alarms are watched during this phase.
    new_traffic:
        Share (0..1) of the traffic served by the new fleet during this phase.
    converted:
        Instances of the new fleet carrying traffic (rolling: batches done, including the one
        being provisioned; blue/green: whole fleet once provisioned).
    """

    start: float
    end: float
    label: str
    variant_status: str
    monitored: bool
    new_traffic: float
    converted: int


@dataclass(frozen=True)
class UpdatePlan:
    """The planned timeline of one update.

    Attributes
    ----------
    strategy:
        ``ALL_AT_ONCE``, ``CANARY``, ``LINEAR`` or ``ROLLING``.
    phases:
        Consecutive phases from offset 0 to :attr:`duration`.
    timeout:
        ``MaximumExecutionTimeoutInSeconds`` if given.
    rollback_batch:
        Rolling only: instances rolled back per batch (``None``: all at once).
    """

    strategy: str
    phases: tuple[Phase, ...]
    timeout: float | None
    rollback_batch: int | None = None

    @property
    def duration(self) -> float:
        """Seconds from the start of the update to its successful end."""
        return self.phases[-1].end if self.phases else 0.0

    @property
    def provisioning_end(self) -> float:
        """Offset at which the first (new) capacity is up; health-check failures show here."""
        return self.phases[0].end if self.phases else 0.0

    def phase_at(self, offset: float) -> Phase | None:
        """The phase containing ``offset`` (``None`` past the end)."""
        for phase in self.phases:
            if phase.start <= offset < phase.end:
                return phase
        return None

    def monitored_windows(self) -> list[tuple[float, float]]:
        """``(start, end)`` offsets of the phases during which alarms trigger a rollback."""
        return [(p.start, p.end) for p in self.phases if p.monitored and p.end > p.start]

    def rollback_seconds(self, offset: float, timings: Timings) -> float:
        """How long ``RollingBack`` lasts when a rollback starts at ``offset``."""
        if self.strategy != "ROLLING":
            return timings.rollback
        phase = self.phase_at(offset) or (self.phases[-1] if self.phases else None)
        converted = phase.converted if phase else 1
        batch = self.rollback_batch or max(converted, 1)
        return max(1, math.ceil(converted / batch)) * timings.rolling_rollback_batch


def _size_in_instances(size: Mapping[str, Any], fleet: int, path: str, low: float, high: float) -> int:
    kind = size.get("Type")
    value = size.get("Value")
    if not isinstance(value, int) or value < 1:
        raise DeploymentConfigError(f"{path}.Value: {value!r} is not a positive whole number")
    if kind == "CAPACITY_PERCENT":
        if not low <= value <= high:
            raise DeploymentConfigError(
                f"{path}: {value}% is outside {low:g}-{high:g}% of the variant's total instance count"
            )
        return max(1, math.ceil(fleet * value / 100))
    if kind == "INSTANCE_COUNT":
        if value > fleet * high / 100:
            raise DeploymentConfigError(
                f"{path}: {value} instance(s) is more than {high:g}% of the variant's total instance "
                f"count {fleet}"
            )
        return value
    raise DeploymentConfigError(f"{path}.Type: {kind!r} is not one of INSTANCE_COUNT, CAPACITY_PERCENT")


def plan_update(
    deployment_config: Mapping[str, Any] | None,
    *,
    fleet: int,
    variant_count: int,
    serverless: bool,
    timings: Timings,
) -> UpdatePlan:
    """Plan the timeline of an ``UpdateEndpoint``.

    Parameters
    ----------
    deployment_config:
        SageMaker ``DeploymentConfig`` (``None``: blue/green, all at once, no baking).
    fleet:
        Total instance count of the new endpoint config (1 for serverless).
    variant_count:
        Number of production variants in the new config.
    serverless:
        Whether the new config is serverless.
    timings:
        Durations to use.

    Returns
    -------
    UpdatePlan

    Raises
    ------
    DeploymentConfigError
        For a deployment configuration SageMaker refuses.
    """
    config = dict(deployment_config or {})
    blue_green = config.get("BlueGreenUpdatePolicy")
    rolling = config.get("RollingUpdatePolicy")
    fleet = max(fleet, 1)
    provision = timings.serverless_update if serverless else timings.provision
    if blue_green and rolling:
        raise DeploymentConfigError(
            "DeploymentConfig: BlueGreenUpdatePolicy and RollingUpdatePolicy are mutually exclusive"
        )
    if rolling:
        return _plan_rolling(rolling, fleet, variant_count, serverless, timings)
    policy: Mapping[str, Any] = blue_green or {}
    routing: Mapping[str, Any] = policy.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE"}
    kind = routing.get("Type", "ALL_AT_ONCE")
    wait = float(routing.get("WaitIntervalInSeconds") or 0)
    termination_wait = float(policy.get("TerminationWaitInSeconds") or 0)
    timeout = policy.get("MaximumExecutionTimeoutInSeconds")
    phases = [Phase(0.0, provision, "provisioning new fleet", "Creating", False, 0.0, 0)]
    t = provision
    path = "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration"
    if kind == "CANARY":
        canary = routing.get("CanarySize")
        if not canary:
            raise DeploymentConfigError(f"{path}.CanarySize: required when Type is CANARY")
        size = _size_in_instances(canary, fleet, f"{path}.CanarySize", 1, 50)
        phases.append(Phase(t, t + wait, "canary baking", "Baking", True, size / fleet, fleet))
        t += wait
    elif kind == "LINEAR":
        step_size = routing.get("LinearStepSize")
        if not step_size:
            raise DeploymentConfigError(f"{path}.LinearStepSize: required when Type is LINEAR")
        step = _size_in_instances(step_size, fleet, f"{path}.LinearStepSize", 10, 50)
        steps = math.ceil(fleet / step)
        for i in range(1, steps):
            share = min(i * step / fleet, 1.0)
            phases.append(Phase(t, t + wait, f"linear step {i}/{steps} baking", "Baking", True, share, fleet))
            t += wait
    elif kind != "ALL_AT_ONCE":
        raise DeploymentConfigError(f"{path}.Type: {kind!r} is not one of ALL_AT_ONCE, CANARY, LINEAR")
    if termination_wait > 0:
        phases.append(Phase(t, t + termination_wait, "termination wait", "Baking", True, 1.0, fleet))
        t += termination_wait
    return UpdatePlan(kind, tuple(phases), float(timeout) if timeout else None)


def _plan_rolling(
    rolling: Mapping[str, Any], fleet: int, variant_count: int, serverless: bool, timings: Timings
) -> UpdatePlan:
    path = "DeploymentConfig.RollingUpdatePolicy"
    if serverless:
        raise DeploymentConfigError(f"{path}: rolling deployments are not supported for serverless endpoints")
    if variant_count != 1:
        raise DeploymentConfigError(
            f"{path}: rolling deployments need exactly one production variant, got {variant_count}"
        )
    batch_spec = rolling.get("MaximumBatchSize")
    if not batch_spec:
        raise DeploymentConfigError(f"{path}.MaximumBatchSize: required")
    batch = _size_in_instances(batch_spec, fleet, f"{path}.MaximumBatchSize", 5, 50)
    rollback_spec = rolling.get("RollbackMaximumBatchSize")
    rollback_batch = (
        _size_in_instances(rollback_spec, fleet, f"{path}.RollbackMaximumBatchSize", 5, 100)
        if rollback_spec
        else None
    )
    wait = float(rolling.get("WaitIntervalInSeconds") or 0)
    timeout = rolling.get("MaximumExecutionTimeoutInSeconds")
    batches = math.ceil(fleet / batch)
    phases: list[Phase] = []
    t = 0.0
    done = 0
    for i in range(1, batches + 1):
        upto = min(done + batch, fleet)
        phases.append(
            Phase(
                t,
                t + timings.rolling_batch,
                f"batch {i}/{batches} provisioning",
                "Creating",
                False,
                done / fleet,
                upto,
            )
        )
        t += timings.rolling_batch
        done = upto
        if wait > 0:
            phases.append(
                Phase(t, t + wait, f"batch {i}/{batches} baking", "Baking", True, done / fleet, done)
            )
            t += wait
    return UpdatePlan("ROLLING", tuple(phases), float(timeout) if timeout else None, rollback_batch)
