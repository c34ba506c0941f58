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

from sagemaker_rollout_testing.simulator.timings import Timings

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
    """Instances of one variant's fleet of ``fleet`` that a CapacitySize stands for.

    The limits are per variant (TrafficRoutingConfig API reference: CanarySize "must be less than
    or equal to 50% of the variant's total instance count", LinearStepSize "must be 10-50% of the
    variant's total instance count"; RollingUpdatePolicy: MaximumBatchSize 5-50%).
    """
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


def _per_variant(
    size: Mapping[str, Any], counts: Mapping[str, int], path: str, low: float, high: float
) -> dict[str, int]:
    """:func:`_size_in_instances` for every variant; the message names the variant that breaks it."""
    out = {}
    for name, count in counts.items():
        try:
            out[name] = _size_in_instances(size, count, path, low, high)
        except DeploymentConfigError as error:
            raise DeploymentConfigError(
                f"{error} (variant {name})" if len(counts) > 1 else str(error)
            ) from None
    return out


def _share(steps: Mapping[str, int], counts: Mapping[str, int], done: int) -> float:
    """Share of the new fleets (all variants) carrying traffic after ``done`` steps of each variant."""
    total = sum(counts.values())
    return sum(min(done * steps[n], counts[n]) for n in counts) / total


def plan_update(
    deployment_config: Mapping[str, Any] | None,
    *,
    fleet: int = 1,
    variant_count: int = 1,
    serverless: bool,
    timings: Timings,
    variant_counts: Mapping[str, int] | None = None,
) -> UpdatePlan:
    """Plan the timeline of an ``UpdateEndpoint``.

    Blue/green phases, each following the SageMaker developer guide:

    - provisioning of the new (green) fleet, not monitored;
    - ``ALL_AT_ONCE`` ("Use all at once traffic shifting"): 100% of the traffic shifts, then "the
      baking period begins" for ``WaitIntervalInSeconds``, monitored by the alarms;
    - ``CANARY`` ("Use canary traffic shifting"): the canary bakes ``WaitIntervalInSeconds``;
      then "all of the traffic shifts to the green fleet and there is a final baking period",
      modelled as another ``WaitIntervalInSeconds`` (the only baking length the API takes;
      TrafficRoutingConfig: "the waiting time between incremental steps");
    - ``LINEAR`` ("Use linear traffic shifting"): one baking period of ``WaitIntervalInSeconds``
      per step, the last one (whole green fleet active) being the final baking period;
    - ``TerminationWaitInSeconds``: waiting "after your green fleet is fully active before
      terminating the instances in the blue fleet" (same pages), still monitored: the blue fleet
      exists, so a rollback is still possible.

    Without a ``DeploymentConfig`` SageMaker uses blue/green all at once (BlueGreenUpdatePolicy API
    reference) with no alarms and no baking.

    Parameters
    ----------
    deployment_config:
        SageMaker ``DeploymentConfig`` (``None``: blue/green, all at once, no baking).
    fleet, variant_count:
        Total instance count and number of variants of the new config, used when
        ``variant_counts`` is not given (one variant of ``fleet`` instances).
    serverless:
        Whether the new config is serverless.
    timings:
        Durations to use.
    variant_counts:
        Instance count of every production variant of the new config (serverless: 1). Canary,
        linear and rolling sizes are computed, and checked, per variant.

    Returns
    -------
    UpdatePlan

    Raises
    ------
    DeploymentConfigError
        For a deployment configuration SageMaker refuses.
    """
    counts = {k: max(int(v), 1) for k, v in (variant_counts or {"": max(fleet, 1)}).items()}
    variant_count = len(counts) if variant_counts else variant_count
    total = sum(counts.values())
    config = dict(deployment_config or {})
    blue_green = config.get("BlueGreenUpdatePolicy")
    rolling = config.get("RollingUpdatePolicy")
    provision = timings.serverless_update if serverless else timings.provision
    if blue_green and rolling:
        raise DeploymentConfigError(
            "DeploymentConfig: BlueGreenUpdatePolicy and RollingUpdatePolicy are mutually exclusive"
        )
    if rolling:
        return _plan_rolling(rolling, total, variant_count, serverless, timings)
    policy: Mapping[str, Any] = blue_green or {}
    routing: Mapping[str, Any] = policy.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE"}
    kind = routing.get("Type", "ALL_AT_ONCE")
    wait = float(routing.get("WaitIntervalInSeconds") or 0)
    termination_wait = float(policy.get("TerminationWaitInSeconds") or 0)
    timeout = policy.get("MaximumExecutionTimeoutInSeconds")
    phases = [Phase(0.0, provision, "provisioning new fleet", "Creating", False, 0.0, 0)]
    t = provision
    path = "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration"
    if kind == "ALL_AT_ONCE":
        if wait > 0:
            phases.append(Phase(t, t + wait, "baking", "Baking", True, 1.0, total))
            t += wait
    elif kind == "CANARY":
        canary = routing.get("CanarySize")
        if not canary:
            raise DeploymentConfigError(f"{path}.CanarySize: required when Type is CANARY")
        sizes = _per_variant(canary, counts, f"{path}.CanarySize", 1, 50)
        phases.append(Phase(t, t + wait, "canary baking", "Baking", True, _share(sizes, counts, 1), total))
        t += wait
        phases.append(Phase(t, t + wait, "final baking", "Baking", True, 1.0, total))
        t += wait
    elif kind == "LINEAR":
        step_size = routing.get("LinearStepSize")
        if not step_size:
            raise DeploymentConfigError(f"{path}.LinearStepSize: required when Type is LINEAR")
        steps = _per_variant(step_size, counts, f"{path}.LinearStepSize", 10, 50)
        n = max(math.ceil(counts[name] / steps[name]) for name in counts)
        for i in range(1, n + 1):
            label = f"linear step {i}/{n} baking" + (" (final)" if i == n else "")
            phases.append(Phase(t, t + wait, label, "Baking", True, _share(steps, counts, i), total))
            t += wait
    else:
        raise DeploymentConfigError(f"{path}.Type: {kind!r} is not one of ALL_AT_ONCE, CANARY, LINEAR")
    if termination_wait > 0:
        # Assumption (labelled): SageMaker documents alarm monitoring for baking periods (developer
        # guide, "Auto-Rollback Configuration and Monitoring"), not for TerminationWaitInSeconds
        # ("additional waiting time ... after the completion of an endpoint deployment": API
        # reference, BlueGreenUpdatePolicy); the simulator keeps watching through it (the stricter
        # oracle: a rollout must survive a rollback it would cause), the provider never counts on it.
        phases.append(Phase(t, t + termination_wait, "termination wait", "Baking", True, 1.0, total))
        t += termination_wait
    return UpdatePlan(kind, tuple(phases), float(timeout) if timeout else None)


def _plan_rolling(
    rolling: Mapping[str, Any], fleet: int, variant_count: int, serverless: bool, timings: Timings
) -> UpdatePlan:
    """Rolling deployment: batches of ``MaximumBatchSize`` provisioned then baked for
    ``WaitIntervalInSeconds`` each (developer guide, "Use rolling deployments"; RollingUpdatePolicy
    API reference). Not for serverless or multi-variant endpoints (developer guide, deployment
    guardrails "Exclusions"). Refusal texts are the simulator's: SageMaker's are not published.
    """
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
