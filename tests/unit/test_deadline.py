"""The deadline rule (issue 24): expected-duration refusals for braked rollouts, worst-case refusals for
the others, the rollback's worst case and the abort point (``spec/deadline.py``)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
from sagemaker_rollout.spec.deadline import (
    ALARM_EVALUATION_SECONDS,
    MAX_ROLLBACK_ALARMS,
    abort_point,
    brake_blocker,
    brake_for,
    deadline_refusal,
    next_watch_in,
    rollback_worst,
)
from sagemaker_rollout.spec.estimate import (
    DOWNLOAD_ALLOWANCE_SECONDS,
    HEALTH_CHECK_DEFAULT_SECONDS,
    PROVISION_ALLOWANCE_SECONDS,
    ROLLBACK_ALLOWANCE_SECONDS,
)
from sagemaker_rollout.spec.limits import REGISTRY_TIME_LIMIT as REGISTRY_LIMIT
from sagemaker_rollout.spec.timeline import EXPECTED_PROVISION_SECONDS, Basis, Figure

PROVISION_WORST = PROVISION_ALLOWANCE_SECONDS + DOWNLOAD_ALLOWANCE_SECONDS + HEALTH_CHECK_DEFAULT_SECONDS


def _variants(count: int = 5, instance_type: str = "ml.m5.large") -> list[dict[str, Any]]:
    return [{"VariantName": "main", "InitialInstanceCount": count, "InstanceType": instance_type}]


def _rolling(percent: int = 50, wait: int = 300, **extra: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": percent},
        "WaitIntervalInSeconds": wait,
    }
    return {"RollingUpdatePolicy": {**policy, **extra}}


def _canary(wait: int = 600, alarms: int = 1) -> dict[str, Any]:
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                "WaitIntervalInSeconds": wait,
            }
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": f"a{i}"} for i in range(alarms)]},
    }


@pytest.mark.parametrize(
    ("case", "config", "variants", "blocked_by"),
    [
        ("no DeploymentConfig", None, _variants(), "no DeploymentConfig"),
        ("Inf1 falls back to all at once", _rolling(), _variants(instance_type="ml.inf1.xlarge"), "Inf1"),
        ("ten user alarms", _canary(alarms=MAX_ROLLBACK_ALARMS), _variants(), "10 alarms"),
        ("no baking period", _rolling(wait=0), _variants(), "no baking period"),
        ("rolling with bakes", _rolling(), _variants(), ""),
        ("canary with nine alarms", _canary(alarms=9), _variants(), ""),
    ],
)
def test_brake_blocker_names_why_no_brake_can_stop_a_rollout(
    case: str, config: dict[str, Any] | None, variants: list[dict[str, Any]], blocked_by: str
) -> None:
    # GIVEN an update's DeploymentConfig and variants WHEN asked whether a brake can stop it
    blocker = brake_blocker(config, variants)
    # THEN it says why not, or nothing when the provider's alarm can act in a bake
    if blocked_by:
        assert blocked_by in blocker, (case, blocker)
    else:
        assert blocker == "", (case, blocker)


@pytest.mark.parametrize(
    ("case", "config", "count", "seconds", "basis"),
    [
        (
            "rolling, RollbackMaximumBatchSize absent: whole old fleet at once",
            _rolling(),
            5,
            PROVISION_WORST,
            Basis.DOCUMENTED,
        ),
        (
            "rolling, rollback in batches of 2 of 5",
            _rolling(RollbackMaximumBatchSize={"Type": "INSTANCE_COUNT", "Value": 2}),
            5,
            3 * PROVISION_WORST,
            Basis.DOCUMENTED,
        ),
        (
            "rolling, rollback in 20 % batches of 10",
            _rolling(RollbackMaximumBatchSize={"Type": "CAPACITY_PERCENT", "Value": 20}),
            10,
            5 * PROVISION_WORST,
            Basis.DOCUMENTED,
        ),
        (
            "blue/green: traffic shifts back to the blue fleet",
            _canary(),
            5,
            ROLLBACK_ALLOWANCE_SECONDS,
            Basis.ASSUMPTION,
        ),
    ],
)
def test_rollback_worst_case_follows_the_policy(
    case: str, config: dict[str, Any], count: int, seconds: float, basis: Basis
) -> None:
    # GIVEN a guarded update WHEN its rollback's worst case is computed
    figure = rollback_worst(config, _variants(count))
    # THEN rolling re-provisions the old fleet per RollbackMaximumBatchSize, blue/green shifts back
    assert figure.seconds == seconds, case
    assert figure.basis is basis


@pytest.mark.parametrize(
    ("case", "config", "limit", "refused", "words"),
    [
        # 3 batches of 2 (50 % of 5): expected 3 x (300 + 600) = 2700 s; worst 3 x (1380 + 600) + 300
        ("rolling 50 % of 5, worst case over the hour: runs", _rolling(wait=600), 3600, False, ""),
        (
            "rolling 50 % of 5, expected over the limit",
            _rolling(wait=600),
            2400,
            True,
            "expected rollout 2700 s",
        ),
        (
            "unbraked worst case over the limit",
            None,
            1200,
            True,
            "no brake can stop it (no DeploymentConfig",
        ),
        ("unbraked worst case within the limit", None, 3600, False, ""),
        (
            "ten user alarms keep the worst-case refusal",
            _canary(wait=1000, alarms=10),
            3600,
            True,
            "worst-case rollout",
        ),
        (
            "the brake cannot act before the deadline",
            _rolling(wait=60),
            1500,
            True,
            "the brake could not act in time",
        ),
    ],
)
def test_deadline_refusal(
    case: str, config: dict[str, Any] | None, limit: int, refused: bool, words: str
) -> None:
    # GIVEN an update of a 5-instance variant and a time limit
    brake = brake_for(config, _variants())
    # WHEN the deadline rule judges it
    refusal = deadline_refusal(brake, limit)
    # THEN a braked rollout is refused only on its expected duration, an unbraked one on its worst case
    if refused:
        assert refusal is not None and words in refusal, (case, refusal)
    else:
        assert refusal is None, (case, refusal)


def test_braked_rollout_whose_worst_case_overruns_parses() -> None:
    # GIVEN the common update: rolling, 50 % batches of 5 instances, default timeouts
    props = {
        "ProductionVariants": [
            {
                "VariantName": "main",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": "5",
            }
        ],
        "DeploymentConfig": {
            "RollingUpdatePolicy": {
                "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": "50"},
                "WaitIntervalInSeconds": "300",
            }
        },
    }
    # WHEN parsed with the custom resource's hour
    spec = parse_endpoint_properties(props)
    # THEN it is accepted although its worst case is over the hour
    assert spec.estimate.worst_case_seconds > 3600
    # AND the same without a DeploymentConfig but a 3600 s download keeps the worst-case refusal
    del props["DeploymentConfig"]
    props["ProductionVariants"][0]["ModelDataDownloadTimeoutInSeconds"] = "3600"
    with pytest.raises(PropertyError, match="no brake can stop it"):
        parse_endpoint_properties(props)


def test_history_replaces_the_launch_assumption_in_the_expected_duration() -> None:
    # GIVEN the endpoint's past launches took 20 minutes
    slow = Figure(1200.0, Basis.HISTORY, "median of the endpoint's last 3 launch(es)")
    # WHEN the rolling update is judged with them
    brake = brake_for(_rolling(wait=300), _variants(), provision=slow)
    # THEN the expected duration counts them (3 x (1200 + 300)) and the basis says so
    assert brake.expected_seconds == 4500
    assert brake.timeline.parts[0].expected.basis is Basis.HISTORY
    refusal = deadline_refusal(brake, 3600)
    assert refusal is not None and "expected rollout 4500 s" in refusal


@pytest.mark.parametrize(
    ("case", "part", "elapsed", "watch_in"),
    [
        ("first launch just started", 0, 0.0, EXPECTED_PROVISION_SECONDS),
        ("first launch half done", 0, 100.0, EXPECTED_PROVISION_SECONDS - 100.0),
        ("first launch overran its expected time", 0, 900.0, 0.0),
        ("in the first bake", 1, 10.0, 0.0),
        ("last bake", 5, 0.0, 0.0),
        ("after the last bake: settling", 6, 0.0, math.inf),
    ],
)
def test_next_watch_in(case: str, part: int, elapsed: float, watch_in: float) -> None:
    # GIVEN the timeline of a rolling update (3 x launch, bake) and a position on it
    timeline = brake_for(_rolling(wait=300), _variants()).timeline
    # WHEN the time to SageMaker's next alarm watch is asked
    # THEN it is 0 in a bake, the expected rest of a launch before one, infinite when none follows
    assert next_watch_in(timeline, part, elapsed) == watch_in, case


@pytest.mark.parametrize(
    ("case", "watch_in", "point"),
    [
        ("in a bake", 0.0, 3540.0 - ALARM_EVALUATION_SECONDS - PROVISION_WORST),
        ("200 s before the next bake", 200.0, 3540.0 - 200.0 - ALARM_EVALUATION_SECONDS - PROVISION_WORST),
    ],
)
def test_abort_point_keeps_watch_evaluation_and_rollback_before_the_deadline(
    case: str, watch_in: float, point: float
) -> None:
    # GIVEN a braked rolling update with a deadline at 3540 s
    brake = brake_for(_rolling(), _variants())
    # WHEN its abort point is computed
    # THEN it leaves the time to the next watch, the alarm's evaluation and the rollback's worst case
    assert abort_point(3540.0, brake, watch_in) == point, case
    assert brake.margin == ALARM_EVALUATION_SECONDS + PROVISION_WORST


# ---- the planner: history, the running config, ten alarms ------------------------------------


def _props(alarms: int = 1, count: str = "5") -> dict[str, Any]:
    return {
        "EndpointName": "ep",
        "ProductionVariants": [
            {
                "VariantName": "main",
                "ModelName": "m2",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": count,
            }
        ],
        "DeploymentConfig": {
            "RollingUpdatePolicy": {
                "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": "50"},
                "WaitIntervalInSeconds": "300",
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": f"a{i}"} for i in range(alarms)]},
        },
    }


def _running(instance_type: str = "ml.m5.large") -> Any:
    from sagemaker_rollout.planner import CurrentEndpoint

    variant = {
        "VariantName": "main",
        "ModelName": "m1",
        "InstanceType": instance_type,
        "InitialInstanceCount": 5,
    }
    return CurrentEndpoint(name="ep", status="InService", config_name="ep-old", variants=(variant,))


@pytest.mark.parametrize(
    ("case", "provisioned", "running_type", "alarms", "refused", "braked"),
    [
        ("no history: the 300 s assumption, fits", (), "ml.m5.large", 1, None, True),
        ("past launches of 5 minutes fit", (280.0, 300.0, 320.0), "ml.m5.large", 1, None, True),
        (
            "past launches of 20 minutes do not",
            (1100.0, 1200.0, 1300.0),
            "ml.m5.large",
            1,
            "expected rollout 4500 s",
            True,
        ),
        (
            "running Inf1: no brake, the worst case must fit",
            (),
            "ml.inf1.xlarge",
            1,
            "no brake can stop it",
            False,
        ),
        (
            "ten user alarms: no brake, the worst case must fit",
            (),
            "ml.m5.large",
            10,
            "no brake can stop it",
            False,
        ),
    ],
)
def test_plan_update_applies_the_deadline_rule(
    case: str,
    provisioned: tuple[float, ...],
    running_type: str,
    alarms: int,
    refused: str | None,
    braked: bool,
) -> None:
    from sagemaker_rollout.planner import plan_update

    # GIVEN the rolling update of a running 5-instance endpoint (its worst case over the hour)
    spec = parse_endpoint_properties(_props(alarms), time_limit=REGISTRY_LIMIT) if not braked else None
    spec = spec or parse_endpoint_properties(_props(alarms))
    spec = dataclasses.replace(spec, service_timeout=3600)
    # WHEN planned with the endpoint's past launches from the journal
    plan = plan_update(_running(running_type), spec, "ep-new", provisioned=provisioned)
    # THEN the refusal follows the expected duration when a brake can stop it, else the worst case
    assert plan.brake is not None and plan.brake.braked is braked, case
    if refused is None:
        assert plan.refusal is None, (case, plan.refusal)
        assert plan.abort_after == 3600 - plan.brake.margin
        assert "aborted if unfinished by" in plan.summary()
    else:
        assert plan.refusal is not None and refused in plan.refusal, (case, plan.refusal)
    if alarms == MAX_ROLLBACK_ALARMS:
        assert any("no room for the provider's brake" in w for w in plan.warnings), plan.warnings


@pytest.mark.parametrize(
    ("case", "stage", "stage_since", "now", "watch_in"),
    [
        ("batch 1 launching for 100 s", "Creating", 0.0, 100.0, EXPECTED_PROVISION_SECONDS - 100.0),
        ("batch 2 launching for 50 s", "Creating", 600.0, 650.0, EXPECTED_PROVISION_SECONDS - 50.0),
        ("a launch past its expected time", "Creating", 600.0, 1500.0, 0.0),
        ("baking", "Baking", 300.0, 400.0, 0.0),
        ("no stage shown: by time, in batch 1's launch", "", None, 200.0, 100.0),
        ("no stage shown: by time, in a bake", "", None, 450.0, 0.0),
    ],
)
def test_watch_in_at_places_an_observation_on_the_timeline(
    case: str, stage: str, stage_since: float | None, now: float, watch_in: float
) -> None:
    from sagemaker_rollout.spec.deadline import watch_in_at

    # GIVEN a rolling update (3 x 300 s launch + 300 s bake) that started at 0
    timeline = brake_for(_rolling(wait=300), _variants()).timeline
    # WHEN SageMaker shows ``stage`` since ``stage_since`` at ``now``
    # THEN the next alarm watch is that far away
    assert watch_in_at(timeline, started=0.0, now=now, stage=stage, stage_since=stage_since) == watch_in, case


def test_the_termination_wait_is_not_a_watch() -> None:
    # GIVEN a canary with a termination wait (SageMaker shows it as Baking too)
    config = _canary(wait=600)
    config["BlueGreenUpdatePolicy"]["TerminationWaitInSeconds"] = 900
    timeline = brake_for(config, _variants()).timeline
    names = [part.name for part in timeline.parts]
    keep = names.index("keep the old fleet")
    # WHEN the rollout is in it, or in the final bake before it
    # THEN the final bake is a watch, the termination wait is not (no watch follows it)
    assert next_watch_in(timeline, names.index("final bake"), 10.0) == 0.0
    assert next_watch_in(timeline, keep, 10.0) == math.inf
    assert timeline.parts[keep].stage == "Baking" and not timeline.parts[keep].watched
    # AND a rollout whose only "bake" is a termination wait has no brake
    no_bake = _canary(wait=0)
    no_bake["BlueGreenUpdatePolicy"]["TerminationWaitInSeconds"] = 900
    assert "no baking period" in brake_blocker(no_bake, _variants())
