"""Deadline aborts instead of worst-case refusals (issue 24): whether a rollout fits its time limit,
whether a brake can stop it, and when the provider must trip the brake. Pure.

A *guarded* rollout (a ``DeploymentConfig`` SageMaker applies, with room for the provider's alarm
and at least one baking period) can be stopped: "If any alarms are tripped during a deployment,
SageMaker rolls back the deployment" (SageMaker API reference, AutoRollbackConfig; developer guide,
"Auto-Rollback Configuration and Monitoring"). Such a rollout is refused only when its *expected*
duration (:mod:`sagemaker_rollout.spec.timeline`: the endpoint's past launches where the journal
has any, otherwise stated allowances) does not fit the request's time limit; when only its worst
case does not fit, it runs, and the provider trips its brake at the :func:`abort_point`. A rollout
no brake can stop (:func:`brake_blocker`) keeps the worst-case refusal.

When the brake acts. SageMaker documents alarms as monitored during baking periods (developer guide,
"Blue/Green Deployments": "baking period ... SageMaker monitors the configured alarms"; "Use
rolling deployments": ``WaitIntervalInSeconds``, "the length of the baking period, during which
SageMaker monitors alarms for each batch"), not while a fleet is provisioned or during the
termination wait. So a trip takes effect at the next watch, then after the alarm's evaluation
delay, and the rollback must still fit before the deadline:

    abort point = deadline - (time to the next alarm watch + alarm evaluation delay + rollback worst case)

``MaximumExecutionTimeoutInSeconds`` ("exceeding this limit causes a timeout": API reference,
BlueGreenUpdatePolicy, RollingUpdatePolicy) may end a deployment during provisioning too; what
SageMaker does then is not published (:data:`EXECUTION_TIMEOUT_ASSUMPTION`), so the provider does
not count on it: only bakes are watches.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.spec.estimate import ROLLBACK_ALLOWANCE_SECONDS, estimate_rollout, strategy_of
from sagemaker_rollout.spec.timeline import Basis, Figure, Timeline, _provision_worst, update_timeline

__all__ = [
    "ALARM_EVALUATION_SECONDS",
    "EXECUTION_TIMEOUT_ASSUMPTION",
    "MAX_ROLLBACK_ALARMS",
    "Brake",
    "abort_point",
    "brake_blocker",
    "brake_for",
    "deadline_refusal",
    "next_watch_in",
    "rollback_worst",
    "watch_in_at",
]

MAX_ROLLBACK_ALARMS = 10
"""``AutoRollbackConfig.Alarms``: at most 10 items (SageMaker API reference, AutoRollbackConfig)."""

ALARM_EVALUATION_SECONDS = 120.0
"""Assumption: from the brake's trip (or the start of the next watch, whichever is later) to
SageMaker starting the rollback. The brake alarm evaluates one 60 s period with one datapoint
(CloudWatch evaluates metric alarms every minute: CloudWatch user guide, "Using Amazon CloudWatch
alarms"); how often SageMaker reads the alarms during a bake is not published: assumed within
another 60 s."""

EXECUTION_TIMEOUT_ASSUMPTION = (
    "MaximumExecutionTimeoutInSeconds: SageMaker documents only that exceeding it 'causes a timeout' "
    "(API reference, BlueGreenUpdatePolicy / RollingUpdatePolicy), not whether it rolls back or when; "
    "assumed to act no earlier than the provider's brake, and never counted on"
)


def _known(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _instance_count(variants: Sequence[Mapping[str, Any]]) -> int:
    counts = [_known(v.get("InitialInstanceCount")) for v in variants if "ServerlessConfig" not in v]
    return max((c for c in counts if c is not None), default=1)


def _alarms(config: Mapping[str, Any]) -> list[Any]:
    auto = config.get("AutoRollbackConfiguration") or {}
    alarms = auto.get("Alarms") if isinstance(auto, Mapping) else None
    return list(alarms) if isinstance(alarms, list) else []


def brake_blocker(deployment_config: Mapping[str, Any] | None, variants: Sequence[Mapping[str, Any]]) -> str:
    """Why no brake can stop this update ("" when one can).

    * no ``DeploymentConfig``: SageMaker shifts all traffic at once and watches no alarm;
    * Inf1 instances: SageMaker falls back to all at once "with no final baking period" (developer
      guide, deployment guardrails, Exclusions; a Marketplace container falls back the same way,
      the planner warns where it shows);
    * the user's ``AutoRollbackConfiguration`` already lists :data:`MAX_ROLLBACK_ALARMS` alarms: no
      room for the provider's;
    * no baking period (every ``WaitIntervalInSeconds`` 0): alarms are never watched.
    """
    config = dict(deployment_config or {})
    if not config:
        return "no DeploymentConfig: SageMaker watches no alarm"
    if any(str(v.get("InstanceType", "")).startswith("ml.inf1.") for v in variants):
        return "Inf1 instances: SageMaker falls back to all at once with no baking, alarms cannot act"
    if len(_alarms(config)) >= MAX_ROLLBACK_ALARMS:
        return (
            f"AutoRollbackConfiguration already lists {MAX_ROLLBACK_ALARMS} alarms (SageMaker's maximum): "
            "no room for the provider's brake"
        )
    timeline = update_timeline(config, variants)
    if not any(part.watched for part in timeline.parts):
        return "no baking period (WaitIntervalInSeconds 0): SageMaker never watches the alarms"
    return ""


def rollback_worst(
    deployment_config: Mapping[str, Any] | None, variants: Sequence[Mapping[str, Any]]
) -> Figure:
    """The worst case of SageMaker's rollback once it starts.

    * Rolling: the old fleet is brought up again in batches of ``RollbackMaximumBatchSize`` ("If
      this field is absent, the default value will be set to 100% of total capacity which means to
      bring up the whole capacity of the old fleet at once during rollback": API reference,
      RollingUpdatePolicy), each batch a launch, model download and health check (the new config's
      variants stand for the old ones: assumption).
    * Blue/green: the old (blue) fleet serves until the termination wait ends, so traffic shifts back
      (API reference, BlueGreenUpdatePolicy; developer guide, "Blue/Green Deployments"); no time is
      published: the provider's allowance.
    """
    config = dict(deployment_config or {})
    if strategy_of(config) != "Rolling":
        return Figure(float(ROLLBACK_ALLOWANCE_SECONDS), Basis.ASSUMPTION, "ROLLBACK_ALLOWANCE_SECONDS")
    rolling = config["RollingUpdatePolicy"]
    count = _instance_count(variants)
    size = rolling.get("RollbackMaximumBatchSize")
    batch = count
    if isinstance(size, Mapping) and _known(size.get("Value")):
        value = int(size["Value"])
        batch = value if size.get("Type") == "INSTANCE_COUNT" else max(1, count * value // 100)
    batches = max(1, math.ceil(count / max(batch, 1)))
    per_batch = _provision_worst(variants)
    return Figure(
        batches * per_batch.seconds,
        Basis.DOCUMENTED,
        f"{batches} x re-provision of the old fleet (RollingUpdatePolicy.RollbackMaximumBatchSize"
        f"{'' if isinstance(size, Mapping) else ' absent: all at once'}): {per_batch.source}",
    )


@dataclass(frozen=True)
class Brake:
    """What the deadline rule knows of one update.

    Attributes
    ----------
    blocker:
        Why no brake can stop it ("" when one can): then the worst case must fit.
    timeline:
        The update's timeline (expected and worst figures with their bases).
    worst_seconds:
        The worst case the refusal counts for an unbraked update (rollback allowance included).
    rollback:
        SageMaker's rollback, worst case (:func:`rollback_worst`).
    evaluation:
        From a trip at a watch to the rollback's start (:data:`ALARM_EVALUATION_SECONDS`).
    """

    blocker: str
    timeline: Timeline
    worst_seconds: float
    rollback: Figure
    evaluation: Figure

    @property
    def braked(self) -> bool:
        return not self.blocker

    @property
    def expected_seconds(self) -> float:
        return self.timeline.expected_seconds

    @property
    def margin(self) -> float:
        """Seconds the abort point keeps before the deadline when the trip is made during a watch."""
        return self.evaluation.seconds + self.rollback.seconds


def brake_for(
    deployment_config: Mapping[str, Any] | None,
    variants: Sequence[Mapping[str, Any]],
    *,
    provision: Figure | None = None,
) -> Brake:
    """The :class:`Brake` of an update with ``deployment_config`` to a config of ``variants``;
    ``provision``: the endpoint's expected launch from its past rollouts (the journal)."""
    return Brake(
        blocker=brake_blocker(deployment_config, variants),
        timeline=update_timeline(deployment_config, variants, provision=provision),
        worst_seconds=float(estimate_rollout(deployment_config, variants).worst_case_seconds),
        rollback=rollback_worst(deployment_config, variants),
        evaluation=Figure(ALARM_EVALUATION_SECONDS, Basis.ASSUMPTION, "ALARM_EVALUATION_SECONDS"),
    )


def deadline_refusal(brake: Brake, time_limit: float) -> str | None:
    """Why the update does not fit ``time_limit`` seconds (None: it runs).

    Unbraked: its worst case must fit (the refusal of before issue 24). Braked: its expected duration
    must fit, and the brake must be able to act in time: the abort point during the first bake
    (``time_limit - margin``) must come after that bake's expected start.
    """
    if brake.blocker:
        if brake.worst_seconds > time_limit:
            return (
                f"worst-case rollout {brake.worst_seconds:.0f} s ({brake.timeline.strategy}) exceeds the "
                f"{time_limit:.0f} s time limit of the request and no brake can stop it ({brake.blocker})"
            )
        return None
    expected = brake.expected_seconds
    if expected > time_limit:
        return (
            f"expected rollout {expected:.0f} s ({brake.timeline.strategy}) exceeds the "
            f"{time_limit:.0f} s time limit of the request"
        )
    starts = brake.timeline.starts()
    first_watch = next((starts[i] for i, part in enumerate(brake.timeline.parts) if part.watched), 0.0)
    if time_limit - brake.margin < first_watch:
        return (
            "the brake could not act in time: SageMaker first watches alarms after about "
            f"{first_watch:.0f} s, but a rollback ({brake.rollback.seconds:.0f} s worst case) and the "
            "alarm's evaluation "
            f"({brake.evaluation.seconds:.0f} s) need the brake tripped by {time_limit - brake.margin:.0f} s "
            f"of the {time_limit:.0f} s time limit"
        )
    return None


def next_watch_in(timeline: Timeline, part: int, elapsed: float) -> float:
    """Seconds until SageMaker next watches alarms, ``elapsed`` seconds into part ``part``.

    0 during a bake (not the termination wait: :attr:`~sagemaker_rollout.spec.timeline.Part.watched`);
    otherwise the expected rest of the current part and of every part until the
    next bake (expected, not worst: a launch that overruns its expected time fails SageMaker's own
    health check at its worst case and is rolled back by SageMaker itself). ``math.inf`` when no
    bake follows (then the brake cannot act any more).
    """
    parts = timeline.parts
    if 0 <= part < len(parts) and parts[part].watched:
        return 0.0
    total = 0.0
    for index in range(max(part, 0), len(parts)):
        if parts[index].watched:
            return total
        rest = parts[index].expected.seconds - (elapsed if index == part else 0.0)
        total += max(rest, 0.0)
    return math.inf


def watch_in_at(
    timeline: Timeline, *, started: float, now: float, stage: str = "", stage_since: float | None = None
) -> float:
    """:func:`next_watch_in` from an observation of the endpoint: the pending deployment's first
    ``VariantStatus`` and its ``StartTime`` (DescribeEndpoint API reference: ``Creating``,
    ``Baking``, ...), placed on ``timeline`` (the rollout started at ``started``). Without a stage
    (or one the timeline does not show) the expected timeline places it by time alone."""
    if stage and stage_since is not None:
        part = timeline.locate(stage, stage_since - started)
        if part is not None:
            return next_watch_in(timeline, part, max(now - stage_since, 0.0))
    offset, starts = now - started, timeline.starts()
    part = max((i for i, start in enumerate(starts) if start <= offset), default=0)
    return next_watch_in(timeline, part, max(offset - starts[part], 0.0) if starts else 0.0)


def abort_point(deadline: float, brake: Brake, watch_in: float) -> float:
    """The latest moment to trip the brake: ``deadline - (watch_in + evaluation + rollback worst)``.

    ``watch_in``: seconds from now to SageMaker's next alarm watch (:func:`next_watch_in`). The
    caller trips when its clock reaches this point and the rollout has not finished.
    """
    return deadline - (watch_in + brake.margin)
