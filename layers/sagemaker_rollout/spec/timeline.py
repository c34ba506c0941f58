"""The timeline of a rollout: its parts in order, each with its expected and worst-case length and the
basis of each figure. Pure: from the properties (and facts the caller passes: the endpoint's past
rollouts), never from AWS.

One model for everyone who needs to know when things happen: the provider's fallback wake-ups and
the registry type's callback delays (:mod:`sagemaker_rollout.planner.wakeup`) follow it, and the
expected duration and abort point of a rollout (issue 24) are read off the same parts. Each
:class:`Part` says what SageMaker shows while it runs (the ``VariantStatus`` of the pending
deployment: DescribeEndpoint API reference, ProductionVariantStatus ``Status``: ``Creating``,
``Updating``, ``Deleting``, ``ActivatingTraffic``, ``Baking``), so that an observation of the endpoint
places the rollout on its timeline.

Bases (:class:`Basis`): a length set by the request's properties (a bake's
``WaitIntervalInSeconds``: SageMaker waits exactly that long), a documented SageMaker timing (the
8-minute health-check window), one of the provider's assumptions (stated with its value: SageMaker
documents no launch time), or the endpoint's own past rollouts (the journal).

Sources for the order of the parts: SageMaker developer guide, "Blue/Green Deployments" (provision
the green fleet, shift traffic all at once, in a canary and the rest, or in linear steps, with a
baking period after each shift, the last one included; ``TerminationWaitInSeconds`` before the blue
fleet is terminated) and "Use rolling deployments" (each batch provisioned, then baked
``WaitIntervalInSeconds``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sagemaker_rollout.spec.estimate import (
    DOWNLOAD_ALLOWANCE_SECONDS,
    HEALTH_CHECK_DEFAULT_SECONDS,
    PROVISION_ALLOWANCE_SECONDS,
    ROLLBACK_ALLOWANCE_SECONDS,
    strategy_of,
)

__all__ = [
    "EXPECTED_DELETE_SECONDS",
    "EXPECTED_PROVISION_SECONDS",
    "EXPECTED_ROLLBACK_SECONDS",
    "Basis",
    "Figure",
    "Part",
    "Timeline",
    "create_timeline",
    "delete_timeline",
    "history_figure",
    "rollback_timeline",
    "update_timeline",
]

EXPECTED_PROVISION_SECONDS = 300.0
"""Assumption: a new fleet (or one rolling batch) is up, model downloaded and healthy, 5 minutes after
SageMaker starts it. SageMaker documents no launch time; the endpoint's past rollouts replace it."""
EXPECTED_DELETE_SECONDS = 120.0
"""Assumption: an endpoint is gone 2 minutes after DeleteEndpoint (no deletion time is documented)."""
EXPECTED_ROLLBACK_SECONDS = 180.0
"""Assumption: a rollback shifts traffic back and ends ``InService`` in 3 minutes (undocumented; the
worst case keeps the provider's 300 s allowance, ``ROLLBACK_ALLOWANCE_SECONDS``)."""
SETTLE_WORST_SECONDS = 300.0
"""Assumption: SageMaker reports ``InService`` within 5 minutes of the last bake (or termination
wait) ending; it documents nothing about this step, and usually takes no noticeable time."""
DELETE_WORST_SECONDS = 600.0
"""Assumption: the worst case of a deletion (10 minutes; undocumented)."""


class Basis(StrEnum):
    """Where a figure comes from."""

    PROPERTY = "property"
    """Set by the request's properties: SageMaker waits exactly that long."""
    DOCUMENTED = "documented"
    """A timing SageMaker documents."""
    ASSUMPTION = "assumption"
    """The provider's assumption (its value stated where it is defined)."""
    HISTORY = "history"
    """The endpoint's past rollouts, from the journal."""


@dataclass(frozen=True)
class Figure:
    """A length in seconds and where it comes from (``source``: a property path, a document, a note)."""

    seconds: float
    basis: Basis
    source: str = ""


@dataclass(frozen=True)
class Part:
    """One part of a rollout.

    Attributes
    ----------
    name:
        What happens, e.g. ``"bake the canary"``.
    stage:
        The ``VariantStatus`` SageMaker shows for the new fleet meanwhile ("" when it shows none,
        e.g. a create or a delete).
    expected, worst:
        Its expected and worst-case length, each with its basis.
    exact:
        Its length is fixed (a bake, a termination wait): once it has begun, its end is known.
    watched:
        SageMaker watches the rollback alarms meanwhile: documented for baking periods (developer
        guide, "Auto-Rollback Configuration and Monitoring"), not for a fleet's launch or the
        termination wait (which SageMaker shows as ``Baking`` too).
    """

    name: str
    stage: str
    expected: Figure
    worst: Figure
    exact: bool = False
    watched: bool = False
    share: float = 1.0
    """The new fleet's share of the capacity meanwhile (1.0: all of it; a canary bake, a linear step
    or a rolling batch before the last: a part). Smoke tests use it (:mod:`sagemaker_rollout.spec.smoke`)."""


@dataclass(frozen=True)
class Timeline:
    """A rollout (or create, delete, rollback) as parts in order.

    Attributes
    ----------
    kind:
        ``update``, ``create``, ``delete`` or ``rollback``.
    strategy:
        The deployment strategy (:func:`~sagemaker_rollout.spec.estimate.strategy_of`), or ``kind``.
    parts:
        In order; the endpoint settles when the last one ends.
    """

    kind: str
    strategy: str
    parts: tuple[Part, ...] = field(default=())

    @property
    def expected_seconds(self) -> float:
        return sum(p.expected.seconds for p in self.parts)

    @property
    def worst_seconds(self) -> float:
        return sum(p.worst.seconds for p in self.parts)

    def starts(self) -> list[float]:
        """Expected start of every part, in seconds from the start of the rollout."""
        out, t = [], 0.0
        for part in self.parts:
            out.append(t)
            t += part.expected.seconds
        return out

    def locate(self, stage: str, offset: float, after: int = 0) -> int | None:
        """The part showing ``stage`` whose expected start is nearest ``offset`` (s from the start),
        from part ``after`` on; None when no part shows it."""
        candidates = [i for i, p in enumerate(self.parts) if p.stage == stage and i >= after]
        if not candidates:
            return None
        starts = self.starts()
        return min(candidates, key=lambda i: (abs(starts[i] - offset), i))


def history_figure(launches: Sequence[float]) -> Figure | None:
    """The expected launch from the endpoint's past launches (the journal's ``provisioned``, seconds):
    their median; None without any."""
    known = sorted(float(x) for x in launches)
    if not known:
        return None
    return Figure(
        known[len(known) // 2], Basis.HISTORY, f"median of the endpoint's last {len(known)} launch(es)"
    )


def _known(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _provision_worst(variants: Sequence[Mapping[str, Any]]) -> Figure:
    """Launch allowance + the slowest variant's download and health check (as the worst case counts)."""
    download = max(
        (_known(v.get("ModelDataDownloadTimeoutInSeconds")) or DOWNLOAD_ALLOWANCE_SECONDS for v in variants),
        default=DOWNLOAD_ALLOWANCE_SECONDS,
    )
    health = max(
        (
            _known(v.get("ContainerStartupHealthCheckTimeoutInSeconds")) or HEALTH_CHECK_DEFAULT_SECONDS
            for v in variants
        ),
        default=HEALTH_CHECK_DEFAULT_SECONDS,
    )
    return Figure(
        float(PROVISION_ALLOWANCE_SECONDS + download + health),
        Basis.DOCUMENTED,
        "launch allowance + ModelDataDownloadTimeoutInSeconds + ContainerStartupHealthCheckTimeoutInSeconds "
        "(API reference, ProductionVariant; 8-minute health check by default)",
    )


def _provision(name: str, stage: str, expected: Figure | None, worst: Figure) -> Part:
    guess = expected or Figure(EXPECTED_PROVISION_SECONDS, Basis.ASSUMPTION, "EXPECTED_PROVISION_SECONDS")
    return Part(name, stage, replace(guess, seconds=min(guess.seconds, worst.seconds)), worst)


def _bake(name: str, seconds: int, path: str, *, watched: bool = True, share: float = 1.0) -> Part:
    figure = Figure(float(seconds), Basis.PROPERTY, path)
    return Part(name, "Baking", figure, figure, exact=True, watched=watched, share=min(1.0, share))


def _settle() -> Part:
    return Part(
        "SageMaker reports InService",
        "",
        Figure(0.0, Basis.ASSUMPTION, "no time documented between the last bake and InService"),
        Figure(SETTLE_WORST_SECONDS, Basis.ASSUMPTION, "SETTLE_WORST_SECONDS"),
    )


def _count(variants: Sequence[Mapping[str, Any]]) -> int:
    counts = [_known(v.get("InitialInstanceCount")) for v in variants if "ServerlessConfig" not in v]
    return max((c for c in counts if c is not None), default=1)


def _size(raw: Any) -> tuple[str, int] | None:
    if not isinstance(raw, Mapping):
        return None
    kind, value = raw.get("Type"), _known(raw.get("Value"))
    return (kind, value) if isinstance(kind, str) and value else None


def _share(size: tuple[str, int], count: int) -> float:
    """A ``CapacitySize`` as a share of the fleet (CAPACITY_PERCENT or INSTANCE_COUNT: SageMaker API
    reference, CapacitySize)."""
    kind, value = size
    return value / 100 if kind == "CAPACITY_PERCENT" else value / max(count, 1)


def update_timeline(
    deployment_config: Mapping[str, Any] | None,
    variants: Sequence[Mapping[str, Any]],
    *,
    provision: Figure | None = None,
) -> Timeline:
    """The timeline of an UpdateEndpoint with ``deployment_config`` to a config of ``variants``.

    ``provision`` is the expected launch of the new fleet (one rolling batch) when the caller knows
    better than the assumption (the endpoint's past rollouts); the worst case stays the documented
    one.
    """
    config = dict(deployment_config or {})
    strategy = strategy_of(config)
    worst = _provision_worst(variants)
    parts: list[Part] = []
    if strategy == "Rolling":
        rolling = config["RollingUpdatePolicy"]
        wait = _known(rolling.get("WaitIntervalInSeconds")) or 0
        count = _count(variants)
        size = _size(rolling.get("MaximumBatchSize"))
        batch = (
            count
            if size is None
            else (size[1] if size[0] == "INSTANCE_COUNT" else max(1, count * size[1] // 100))
        )
        batches = max(1, math.ceil(count / max(batch, 1)))
        for number in range(1, batches + 1):
            parts.append(_provision(f"provision batch {number}/{batches}", "Creating", provision, worst))
            if wait:
                parts.append(
                    _bake(
                        f"bake batch {number}/{batches}",
                        wait,
                        "DeploymentConfig.RollingUpdatePolicy.WaitIntervalInSeconds",
                        share=number * batch / max(count, 1),
                    )
                )
    else:
        policy = config.get("BlueGreenUpdatePolicy") or {}
        routing = policy.get("TrafficRoutingConfiguration") or {}
        wait = _known(routing.get("WaitIntervalInSeconds")) or 0
        path = "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.WaitIntervalInSeconds"
        parts.append(_provision("provision the new fleet", "Creating", provision, worst))
        bakes: list[tuple[str, float]] = []
        if strategy == "Canary":
            canary = _size(routing.get("CanarySize"))
            share = 1.0 if canary is None else _share(canary, _count(variants))
            bakes = [("bake the canary", share), ("final bake", 1.0)]
        elif strategy == "Linear":
            size = _size(routing.get("LinearStepSize"))
            steps = 1
            if size is not None:
                steps = (
                    math.ceil(100 / size[1])
                    if size[0] == "CAPACITY_PERCENT"
                    else math.ceil(_count(variants) / size[1])
                )
            step_share = 1.0 if size is None else _share(size, _count(variants))
            bakes = [(f"bake linear step {n}/{steps}", n * step_share) for n in range(1, steps + 1)]
            bakes[-1] = (bakes[-1][0], 1.0)
        elif config:
            bakes = [("final bake", 1.0)]
        parts += [_bake(name, wait, path, share=share) for name, share in bakes if wait]
        termination = _known(policy.get("TerminationWaitInSeconds")) or 0
        if termination:
            parts.append(
                _bake(
                    "keep the old fleet",
                    termination,
                    "DeploymentConfig.BlueGreenUpdatePolicy.TerminationWaitInSeconds",
                    watched=False,
                )
            )
    parts.append(_settle())
    return Timeline("update", strategy, tuple(parts))


def create_timeline(variants: Sequence[Mapping[str, Any]], *, provision: Figure | None = None) -> Timeline:
    """The timeline of a CreateEndpoint: the fleet's launch, model download and health check."""
    return Timeline(
        "create", "Create", (_provision("create the endpoint", "", provision, _provision_worst(variants)),)
    )


def delete_timeline() -> Timeline:
    """The timeline of a DeleteEndpoint (``Deleting`` until it is gone)."""
    return Timeline(
        "delete",
        "Delete",
        (
            Part(
                "delete the endpoint",
                "",
                Figure(EXPECTED_DELETE_SECONDS, Basis.ASSUMPTION, "EXPECTED_DELETE_SECONDS"),
                Figure(DELETE_WORST_SECONDS, Basis.ASSUMPTION, "DELETE_WORST_SECONDS"),
            ),
        ),
    )


def rollback_timeline() -> Timeline:
    """The timeline of SageMaker's rollback (``RollingBack`` until ``InService`` on the old config)."""
    return Timeline(
        "rollback",
        "Rollback",
        (
            Part(
                "roll back",
                "Deleting",
                Figure(EXPECTED_ROLLBACK_SECONDS, Basis.ASSUMPTION, "EXPECTED_ROLLBACK_SECONDS"),
                Figure(float(ROLLBACK_ALLOWANCE_SECONDS), Basis.ASSUMPTION, "ROLLBACK_ALLOWANCE_SECONDS"),
            ),
        ),
    )
