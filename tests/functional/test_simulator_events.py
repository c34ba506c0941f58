"""The simulator's EventBridge events (shapes of the SageMaker developer guide) and Describe rate limit."""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sagemaker_rollout.clock import SimulatedClock
from sagemaker_rollout_testing.simulator import SageMakerSimulator, Timings
from sagemaker_rollout_testing.simulator.eventbridge import (
    DEPLOYMENT_STATE_CHANGE,
    ENDPOINT_STATE_CHANGE,
    Delivery,
    event_status,
)

ACCOUNT = "123456789012"
T = Timings()
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
CANARY: dict[str, Any] = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 600,
        },
        "TerminationWaitInSeconds": 300,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
}
#: Top-level keys of both examples in the guide ("Events that Amazon SageMaker AI sends to Amazon
#: EventBridge").
ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
DETAIL = {
    "EndpointName",
    "EndpointArn",
    "EndpointConfigName",
    "ProductionVariants",
    "EndpointStatus",
    "CreationTime",
    "LastModifiedTime",
    "Tags",
}


@pytest.fixture
def sm(sim: SageMakerSimulator, session: Any) -> Any:
    client = session.client("sagemaker", config=NO_RETRY)
    client.create_model(
        ModelName="model",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/inference:1"},
    )
    for name in ("c1", "c2"):
        client.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "main",
                    "ModelName": "model",
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 4,
                }
            ],
        )
    return client


@pytest.fixture
def received(sim: SageMakerSimulator) -> list[tuple[float, dict[str, Any]]]:
    """Events delivered to a rule's target, with their delivery times (no delay, no copies)."""
    got: list[tuple[float, dict[str, Any]]] = []
    bus = sim.emit_events(Delivery(base_delay=0.0, mean_delay=0.0, duplicate=0.0))
    bus.subscribe(lambda at, event: got.append((at, event)))
    return got


def _kinds(got: list[tuple[float, dict[str, Any]]]) -> list[tuple[float, str, str, str]]:
    rows = []
    for at, event in got:
        detail = event["detail"]
        stage = ""
        if event["detail-type"] == DEPLOYMENT_STATE_CHANGE:
            stage = detail["PendingDeploymentSummary"]["ProductionVariants"][0]["VariantStatus"][0]["Status"]
        rows.append((at, event["detail-type"], detail["EndpointStatus"], stage))
    return rows


def test_a_status_change_is_an_endpoint_state_change_shaped_as_the_guide_shows_it(
    sm: Any, clock: SimulatedClock, received: list[tuple[float, dict[str, Any]]]
) -> None:
    """GIVEN events on WHEN an endpoint is created and nobody calls SageMaker THEN the state changes
    arrive on time, in the guide's shape: upper-snake status, epoch-millisecond times."""
    start = clock.now()
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1", Tags=[{"Key": "team", "Value": "ml"}])
    clock.advance(T.create + 5)
    assert [(at - start, kind, status) for at, kind, status, _ in _kinds(received)] == [
        (0.0, ENDPOINT_STATE_CHANGE, "CREATING"),
        (T.create, ENDPOINT_STATE_CHANGE, "IN_SERVICE"),
    ]
    _at, event = received[-1]
    assert set(event) == ENVELOPE
    assert (event["source"], event["account"], event["region"]) == ("aws.sagemaker", ACCOUNT, "us-east-1")
    assert event["resources"] == [event["detail"]["EndpointArn"]]
    assert set(event["detail"]) >= DETAIL
    assert event["time"] == str(int((start + T.create) * 1000))
    assert event["detail"]["Tags"] == {"team": "ml"}
    assert event["detail"]["ProductionVariants"][0]["DesiredInstanceCount"] == 4


def test_a_guarded_update_sends_a_deployment_state_change_at_every_stage(
    sm: Any, clock: SimulatedClock, received: list[tuple[float, dict[str, Any]]], cw: Any
) -> None:
    """GIVEN an InService endpoint WHEN a canary update runs THEN UPDATING, each stage's deployment
    event (provisioning, canary bake, final bake, termination wait) and IN_SERVICE arrive when they
    happen, the deployment events carrying the pending config and the stage's own start time."""
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.advance(T.create)
    received.clear()
    start = clock.now()
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    clock.advance(T.provision + 600 + 600 + 300 + 1)
    rows = [(at - start, kind, status, stage) for at, kind, status, stage in _kinds(received)]
    assert rows == [
        (0.0, ENDPOINT_STATE_CHANGE, "UPDATING", ""),
        (0.0, DEPLOYMENT_STATE_CHANGE, "UPDATING", "Creating"),
        (T.provision, DEPLOYMENT_STATE_CHANGE, "UPDATING", "Baking"),
        (T.provision + 600, DEPLOYMENT_STATE_CHANGE, "UPDATING", "Baking"),
        (T.provision + 1200, DEPLOYMENT_STATE_CHANGE, "UPDATING", "Baking"),
        (T.provision + 1500, ENDPOINT_STATE_CHANGE, "IN_SERVICE", ""),
    ]
    _at, canary = received[2]
    summary = canary["detail"]["PendingDeploymentSummary"]
    assert summary["EndpointConfigName"] == "c2"
    assert summary["ProductionVariants"][0]["VariantStatus"][0]["StartTime"] == (start + T.provision) * 1000
    assert canary["time"].endswith("Z") and "T" in canary["time"]  # ISO 8601, as the guide's example


def test_an_alarm_rollback_sends_rolling_back_then_in_service(
    sm: Any, clock: SimulatedClock, received: list[tuple[float, dict[str, Any]]], cw: Any
) -> None:
    """GIVEN a canary update WHEN its alarm fires during the canary bake THEN ROLLING_BACK (with a
    deployment event whose stage is Deleting) arrives at once, IN_SERVICE when the rollback ends."""
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.advance(T.create)
    received.clear()
    start = clock.now()
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    clock.call_later(
        T.provision + 100, lambda: cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="t")
    )
    clock.advance(T.provision + 100 + T.rollback + 1)
    rows = [(round(at - start, 1), status, stage) for at, _kind, status, stage in _kinds(received)][3:]
    assert rows == [
        (T.provision + 100, "ROLLING_BACK", ""),
        (T.provision + 100, "ROLLING_BACK", "Deleting"),
        (T.provision + 100 + T.rollback, "IN_SERVICE", ""),
    ]
    assert received[-1][1]["detail"]["EndpointConfigName"] == "c1"


@pytest.fixture
def cw(sim: SageMakerSimulator, session: Any) -> Any:
    client = session.client("cloudwatch")
    client.put_metric_alarm(
        AlarmName="errors",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
    )
    return client


def test_delivery_delays_duplicates_losses_and_reorders_as_configured() -> None:
    """GIVEN a delivery model WHEN many events are drawn THEN copies, losses and delays follow it."""
    rng = random.Random(7)
    model = Delivery(base_delay=0.3, mean_delay=0.7, duplicate=0.5, loss=0.2, max_copies=2)
    draws = [model.delays(rng) for _ in range(20000)]
    copies = sum(len(d) for d in draws) / len(draws)
    assert copies == pytest.approx(1.5 * 0.8, abs=0.03)
    flat = sorted(x for d in draws for x in d)
    assert min(flat) >= 0.3 and max(flat) <= 10.0
    assert sum(flat) / len(flat) == pytest.approx(model.mean(), abs=0.03)
    assert flat[int(0.95 * len(flat))] == pytest.approx(model.quantile(0.95), abs=0.1)
    reordering = Delivery(base_delay=0.0, mean_delay=0.0, duplicate=0.0, reorder_window=5.0)
    first, second = reordering.delays(rng)[0], 1.0 + reordering.delays(rng)[0]
    assert 0.0 <= first <= 5.0 and 1.0 <= second <= 6.0
    assert any(reordering.delays(rng)[0] > 1.0 + reordering.delays(rng)[0] for _ in range(100)), (
        "a later event never overtook an earlier one"
    )


def test_status_names_follow_the_guide() -> None:
    assert [event_status(s) for s in ("InService", "Updating", "RollingBack", "UpdateRollbackFailed")] == [
        "IN_SERVICE",
        "UPDATING",
        "ROLLING_BACK",
        "UPDATE_ROLLBACK_FAILED",
    ]


def test_describe_beyond_the_account_rate_limit_is_throttled_until_the_bucket_refills(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    """GIVEN a token bucket of 5 calls refilled at 2 per second WHEN 6 calls come at once THEN the
    sixth is ThrottlingException ("Rate exceeded"), and half a second later one more call passes."""
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    sim.limit_rate("DescribeEndpoint", per_second=2.0, burst=5)
    for _ in range(5):
        sm.describe_endpoint(EndpointName="ep")
    with pytest.raises(ClientError) as caught:
        sm.describe_endpoint(EndpointName="ep")
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert sim.throttled["DescribeEndpoint"] == 1
    clock.advance(0.5)
    sm.describe_endpoint(EndpointName="ep")
    with pytest.raises(ClientError):
        sm.describe_endpoint(EndpointName="ep")
    sm.list_endpoints()  # other operations are not limited
