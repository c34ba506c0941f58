"""Deadline aborts through the custom resource (issue 24, "Done when"): the provider's brake, the abort
point, the rollback it causes, and what is left afterwards (nothing of the provider's brake).

The update of every test: a rolling update, 50 % batches of a 5-instance variant, default timeouts
(no ModelDataDownloadTimeoutInSeconds / ContainerStartupHealthCheckTimeoutInSeconds: a worst case
over the custom resource's hour), 300 s bakes, the world's rollback alarm, autoscaling suspended
(the instance type changes).
"""

from __future__ import annotations

from typing import Any

import pytest
from world import ALARM, World

from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX
from sagemaker_rollout.spec import parse_endpoint_properties

BAKE = 300
TEN_MINUTES = 600.0


def _props(world: World, model: str = "model-a-v1", instance_type: str = "ml.c5.xlarge") -> dict[str, Any]:
    props = world.props(model, instance_type)
    props["ProductionVariants"] = [
        {
            "VariantName": "model-a",
            "ModelName": model,
            "InstanceType": instance_type,
            "InitialInstanceCount": 5,
        }
    ]
    props["DeploymentConfig"] = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": BAKE,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": ALARM}]},
    }
    return props


def _brakes(world: World) -> list[str]:
    alarms = world.cw.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"]
    return [a["AlarmName"] for a in alarms]


def _brake_logs(world: World) -> list[list[str | None]]:
    """The states of every brake alarm the simulated CloudWatch saw, in order (None: deleted)."""
    return [
        [state for at, state in log if at != float("-inf")]
        for key, log in world.sim._alarm_log.items()
        if key[2].startswith(BRAKE_ALARM_PREFIX)
    ]


def _roll(world: World, batch_seconds: float) -> tuple[Any, dict[str, Any], list[Any]]:
    """Create the endpoint, autoscale it, then update it with ``batch_seconds`` per rolling batch."""
    before = _props(world)
    response = world.driver.create(before, logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    world.autoscale()
    scaling = world.scaling()
    old_config = world.endpoint()["EndpointConfigName"]
    world.sim.set_timings(rolling_batch=batch_seconds)
    after = _props(world, "model-a-v2", "ml.c5.2xlarge")
    # the worst case alone no longer refuses it (the spec's rule)
    assert parse_endpoint_properties(after).estimate.worst_case_seconds > 3600
    start = world.clock.now()
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    return (
        response,
        {"start": start, "old_config": old_config, "scaling": scaling},
        world.sim.history("classifier"),
    )


def test_rolling_update_ten_minutes_per_batch_succeeds_without_abort(world: World) -> None:
    # GIVEN the common rolling update, SageMaker taking 10 minutes to provision each batch
    # WHEN it is rolled out with the custom resource's default hour
    response, seen, _ = _roll(world, TEN_MINUTES)
    # THEN it succeeds, nothing aborted, and the brake is gone
    assert response.status == "SUCCESS", response.reason
    assert "aborted" not in response.reason
    print(f"succeeded {response.answered_at - seen['start']:.0f} s into the hour")
    assert world.endpoint()["EndpointConfigName"] != seen["old_config"]
    assert world.scaling() == seen["scaling"]
    assert _brakes(world) == []
    # AND the brake existed during the rollout (created released, never tripped, then deleted)
    assert [states for states in _brake_logs(world)] == [["OK", None]]


def test_slow_provisioning_is_aborted_before_the_deadline_on_the_old_config(world: World) -> None:
    # GIVEN the same update, SageMaker now taking 20 minutes per batch (expected: 5)
    # WHEN it is rolled out
    response, seen, _ = _roll(world, 1200.0)
    # THEN it is answered FAILED, aborted, at least 120 s before its deadline
    assert response.status == "FAILED"
    assert response.reason.startswith("aborted: would overrun ServiceTimeout (3600 s)"), response.reason
    margin = seen["start"] + 3600 - response.answered_at
    print(f"abort margin: {margin:.0f} s before the deadline")
    assert margin >= 120, margin
    # AND the endpoint runs its old config, autoscaling is restored, the brake is deleted
    endpoint = world.endpoint()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == seen["old_config"]
    assert world.scaling() == seen["scaling"]
    assert _brakes(world) == []
    # AND CloudFormation's rollback Update finds the old config running: no second long rollout
    rollback = world.driver.update(
        "classifier", _props(world), _props(world, "model-a-v2", "ml.c5.2xlarge"), logical_id="Classifier"
    )
    assert rollback.status == "SUCCESS", rollback.reason
    assert rollback.answered_at - rollback.started_at < 300


def test_trip_during_provisioning_takes_effect_at_the_first_bake(world: World) -> None:
    # GIVEN the slow update, its abort point falling while a batch is provisioned
    response, seen, history = _roll(world, 1200.0)
    assert response.status == "FAILED", response.reason
    # WHEN the brake is tripped (the provider's PutMetricAlarm with missing data as breaching)
    tripped = [
        at
        for name in world.sim._alarm_log  # the simulator's alarm log: (account, region, name)
        if name[2].startswith(BRAKE_ALARM_PREFIX)
        for at, _, new in world.sim.alarm_transitions(*name)
        if new == "ALARM"
    ]
    assert len(tripped) == 1
    # THEN SageMaker rolls back only at the next bake: the second batch's launch (1200 s) ends first
    rolled_back = [t.time for t in world.sim.history("classifier") if t.status == "RollingBack"]
    assert len(rolled_back) == 1
    second_bake = seen["start"] + 1200 + BAKE + 1200
    assert tripped[0] < second_bake
    assert abs(rolled_back[0] - second_bake) < 30, (
        rolled_back[0] - seen["start"],
        tripped[0] - seen["start"],
    )
    print(
        f"brake in ALARM {tripped[0] - seen['start']:.0f} s into the update, rolled back at "
        f"{rolled_back[0] - seen['start']:.0f} s (the second bake)"
    )
    assert history is not None


@pytest.mark.parametrize(
    ("case", "fault"),
    [
        ("killed right after arming the brake", lambda f: f.kill_after("cloudwatch", "PutMetricAlarm")),
        (
            "killed right after tripping the brake",
            lambda f: f.kill_after("cloudwatch", "PutMetricAlarm", skip=1),
        ),
        ("killed right after deleting the brake", lambda f: f.kill_after("cloudwatch", "DeleteAlarms")),
        (
            "the trip 503'd after it took effect",
            lambda f: f.error(
                "cloudwatch", "PutMetricAlarm", "ServiceUnavailable", status=503, after=True, skip=1
            ),
        ),
        (
            "DeleteAlarms 503'd twice",
            lambda f: f.error("cloudwatch", "DeleteAlarms", "ServiceUnavailable", status=503, times=2),
        ),
    ],
)
def test_abort_survives_kills_and_503s_around_the_brake(world: World, case: str, fault: Any) -> None:
    # GIVEN the slow update, and a fault around one of the brake's calls
    before = _props(world)
    assert world.driver.create(before, logical_id="Classifier").status == "SUCCESS"
    world.autoscale()
    scaling, old_config = world.scaling(), world.endpoint()["EndpointConfigName"]
    world.sim.set_timings(rolling_batch=1200.0)
    fault(world.faults)
    # WHEN it is rolled out
    start = world.clock.now()
    response = world.driver.update(
        "classifier", _props(world, "model-a-v2", "ml.c5.2xlarge"), before, logical_id="Classifier"
    )
    # THEN the outcome is the same as without the fault: aborted in time, old config, nothing left
    assert response.status == "FAILED" and response.reason.startswith("aborted:"), (case, response.reason)
    assert response.answers == 1
    if "deleting" not in case:
        # (a wake-up invocation killed during the clean-up is redelivered by the wake-up queue only
        # after its visibility timeout, 960 s here: answered after the deadline; an engine property
        # older than the brake, reported on issue 24)
        assert start + 3600 - response.answered_at >= 120, case
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert world.scaling() == scaling
    assert _brakes(world) == []
    assert world.faults.injected, case
