"""The SageMaker endpoint simulator, driven through real boto3 clients against moto."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sagemaker_rollout.clock import SimulatedClock
from sagemaker_rollout_testing.simulator import (
    SageMakerSimulator,
    SimulatorError,
    Timings,
    UpdatePlan,
    plan_update,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
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
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}, {"AlarmName": "latency"}]},
}


@pytest.fixture
def sm(sim: SageMakerSimulator, session: Any) -> Any:
    client = session.client("sagemaker", config=NO_RETRY)
    client.create_model(
        ModelName="model",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/inference:1"},
    )
    return client


@pytest.fixture
def cw(sim: SageMakerSimulator, session: Any) -> Any:
    client = session.client("cloudwatch")
    for name in ("errors", "latency"):
        client.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName="Invocation5XXErrors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
        )
    return client


@pytest.fixture
def aas(sim: SageMakerSimulator, session: Any) -> Any:
    return session.client("application-autoscaling")


def make_config(
    sm: Any,
    name: str,
    *,
    count: int = 4,
    instance_type: str = "ml.m5.large",
    variants: tuple[str, ...] = ("AllTraffic",),
    weight: float = 1.0,
) -> None:
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": v,
                "ModelName": "model",
                "InstanceType": instance_type,
                "InitialInstanceCount": count,
                "InitialVariantWeight": weight,
            }
            for v in variants
        ],
    )


def in_service(sm: Any, clock: SimulatedClock, name: str = "ep", config: str = "c1", **kw: Any) -> None:
    make_config(sm, config, **kw)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    clock.sleep(T.create)
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"


def status(sm: Any, name: str = "ep") -> str:
    return str(sm.describe_endpoint(EndpointName=name)["EndpointStatus"])


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def register_target(aas: Any, variant: str = "AllTraffic", policy: bool = True) -> str:
    resource_id = f"endpoint/ep/variant/{variant}"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource_id,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=2,
        MaxCapacity=6,
    )
    if policy:
        aas.put_scaling_policy(
            PolicyName="invocations",
            ServiceNamespace="sagemaker",
            ResourceId=resource_id,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
            },
        )
    return resource_id


# ---------------------------------------------------------------------------------------- create


def test_create_endpoint_before_create_time_is_creating_then_in_service(
    sm: Any, clock: SimulatedClock
) -> None:
    # GIVEN an endpoint config
    make_config(sm, "c1", count=2)
    # WHEN the endpoint is created
    arn = sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")["EndpointArn"]
    # THEN it is Creating until the create time has passed, then InService with its variants
    assert arn == f"{ARN}:endpoint/ep"
    assert status(sm) == "Creating"
    clock.sleep(T.create - 1)
    assert status(sm) == "Creating"
    clock.sleep(1)
    described = sm.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "InService"
    assert described["EndpointConfigName"] == "c1"
    assert "FailureReason" not in described
    variant = described["ProductionVariants"][0]
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (2, 2)
    assert (variant["CurrentWeight"], variant["DesiredWeight"]) == (1.0, 1.0)


def test_create_endpoint_serverless_uses_serverless_timing_and_shows_serverless_config(
    sm: Any, clock: SimulatedClock
) -> None:
    # GIVEN a serverless endpoint config
    serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    sm.create_endpoint_config(
        EndpointConfigName="c1",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "model", "ServerlessConfig": serverless}
        ],
    )
    # WHEN it is created and the serverless create time passes
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.sleep(T.serverless_create)
    # THEN it is InService with current and desired serverless configs
    variant = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]
    assert status(sm) == "InService"
    assert variant["CurrentServerlessConfig"] == serverless
    assert variant["DesiredServerlessConfig"] == serverless


def test_create_endpoint_existing_name_raises_validation(sm: Any, clock: SimulatedClock) -> None:
    # GIVEN an existing endpoint
    in_service(sm, clock)
    # WHEN another endpoint of the same name is created
    code, message = error_of(sm.create_endpoint, EndpointName="ep", EndpointConfigName="c1")
    # THEN SageMaker's ValidationException names the endpoint ARN
    assert code == "ValidationException"
    assert message == f'Cannot create already existing endpoint "{ARN}:endpoint/ep".'


def test_create_endpoint_config_existing_name_raises_validation(sm: Any) -> None:
    # GIVEN an endpoint config
    make_config(sm, "c1")
    # WHEN a config of the same name is created
    with pytest.raises(ClientError) as info:
        make_config(sm, "c1", count=1)
    # THEN it is refused and the original is kept
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert info.value.response["Error"]["Message"] == (
        f'Cannot create already existing endpoint configuration "{ARN}:endpoint-config/c1".'
    )
    described = sm.describe_endpoint_config(EndpointConfigName="c1")
    assert described["ProductionVariants"][0]["InitialInstanceCount"] == 4


def test_create_endpoint_missing_config_raises_validation(sm: Any) -> None:
    # GIVEN no endpoint config  WHEN an endpoint is created on it
    code, message = error_of(sm.create_endpoint, EndpointName="ep", EndpointConfigName="nope")
    # THEN it is refused
    assert code == "ValidationException"
    assert message == f'Could not find endpoint configuration "{ARN}:endpoint-config/nope".'


def test_create_endpoint_injected_failure_ends_failed_with_reason(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN a creation failure injected for the endpoint
    make_config(sm, "c1")
    sim.fail_next_create("ep", "container crashed")
    # WHEN it is created and the create time passes
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.sleep(T.create)
    # THEN it is Failed with the reason, and only delete is allowed
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["FailureReason"]) == ("Failed", "container crashed")
    make_config(sm, "c2")
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="c2")
    assert code == "ValidationException"
    assert message.startswith(f'Cannot update failed endpoint "{ARN}:endpoint/ep".')
    sm.delete_endpoint(EndpointName="ep")
    assert status(sm) == "Deleting"


# ---------------------------------------------------------------------------------------- update


def test_update_endpoint_canary_success_ends_in_service_on_new_config(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    # GIVEN an InService endpoint and a new config
    in_service(sm, clock)
    make_config(sm, "c2")
    # WHEN it is updated with a canary deployment
    # (provision 300 + canary bake 600 + final bake 600 + termination 300)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    # THEN it is Updating with a pending deployment through every phase
    pending = sm.describe_endpoint(EndpointName="ep")["PendingDeploymentSummary"]
    assert pending["EndpointConfigName"] == "c2"
    assert pending["ProductionVariants"][0]["VariantStatus"][0]["Status"] == "Creating"
    clock.sleep(T.provision + 10)
    described = sm.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "Updating"
    canary = described["PendingDeploymentSummary"]["ProductionVariants"][0]
    assert canary["VariantStatus"][0]["Status"] == "Baking"
    assert canary["CurrentWeight"] == pytest.approx(0.25)
    clock.sleep(600)
    final = sm.describe_endpoint(EndpointName="ep")["PendingDeploymentSummary"]["ProductionVariants"][0]
    assert (final["VariantStatus"][0]["Status"], final["CurrentWeight"]) == ("Baking", 1.0)
    clock.sleep(T.provision + 600 + 600 + 300 - (T.provision + 10 + 600) - 1)
    assert status(sm) == "Updating"
    clock.sleep(1)
    # AND ends InService on the new config without FailureReason, remembering the deployment config
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c2")
    assert "FailureReason" not in described
    assert "PendingDeploymentSummary" not in described
    assert described["LastDeploymentConfig"]["BlueGreenUpdatePolicy"] == CANARY["BlueGreenUpdatePolicy"]
    assert [(s, c) for _, s, c in sim.history("ep")][-2:] == [("Updating", "c2"), ("InService", "c2")]


@pytest.mark.parametrize(
    ("deployment", "duration"),
    [
        (None, T.provision),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
                    "TerminationWaitInSeconds": 120,
                }
            },
            T.provision + 120,
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "LINEAR",
                        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                        "WaitIntervalInSeconds": 100,
                    }
                }
            },
            T.provision + 4 * 100,
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                    "WaitIntervalInSeconds": 60,
                }
            },
            2 * (T.rolling_batch + 60),
        ),
    ],
    ids=["no-config", "all-at-once-baking", "linear", "rolling"],
)
def test_update_endpoint_strategy_takes_planned_time(
    sm: Any, clock: SimulatedClock, deployment: dict[str, Any] | None, duration: float
) -> None:
    # GIVEN an InService endpoint of 4 instances
    in_service(sm, clock)
    make_config(sm, "c2")
    # WHEN it is updated with the strategy
    kwargs = {"DeploymentConfig": deployment} if deployment else {}
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", **kwargs)
    # THEN it is Updating until the planned duration, then InService on the new config
    clock.sleep(duration - 1)
    assert status(sm) == "Updating"
    clock.sleep(1)
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c2")


@pytest.mark.parametrize(
    ("deployment", "fragment"),
    [
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 3},
                        "WaitIntervalInSeconds": 60,
                    }
                }
            },
            "CanarySize: 3 instance(s) is more than 50%",
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "LINEAR", "WaitIntervalInSeconds": 60}
                }
            },
            "LinearStepSize: required",
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 80},
                    "WaitIntervalInSeconds": 60,
                }
            },
            "MaximumBatchSize: 80% is outside 5-50%",
        ),
    ],
    ids=["canary-too-big", "linear-without-step", "rolling-batch-too-big"],
)
def test_update_endpoint_refused_deployment_config_raises_validation(
    sm: Any, clock: SimulatedClock, deployment: dict[str, Any], fragment: str
) -> None:
    # GIVEN an InService endpoint of 4 instances
    in_service(sm, clock)
    make_config(sm, "c2")
    # WHEN it is updated with a deployment config SageMaker refuses
    code, message = error_of(
        sm.update_endpoint, EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment
    )
    # THEN the update is refused and the endpoint stays InService on its config
    assert code == "ValidationException"
    assert fragment in message
    assert status(sm) == "InService"


def test_update_endpoint_rolling_with_two_variants_raises_validation(sm: Any, clock: SimulatedClock) -> None:
    # GIVEN an endpoint and a two-variant config
    in_service(sm, clock)
    make_config(sm, "c2", variants=("a", "b"))
    # WHEN a rolling update is requested
    code, message = error_of(
        sm.update_endpoint,
        EndpointName="ep",
        EndpointConfigName="c2",
        DeploymentConfig={
            "RollingUpdatePolicy": {
                "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                "WaitIntervalInSeconds": 60,
            }
        },
    )
    # THEN it is refused
    assert code == "ValidationException"
    assert "exactly one production variant" in message


def test_update_endpoint_alarm_during_baking_rolls_back_to_old_config(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    # GIVEN a canary update in progress
    in_service(sm, clock, count=2)
    make_config(sm, "c2", count=4, instance_type="ml.c5.xlarge")
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="c2",
        DeploymentConfig=CANARY,
    )
    # WHEN an alarm goes into ALARM during the canary baking window (read lazily, later)
    clock.sleep(T.provision + 100)
    cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="5xx")
    clock.sleep(50)
    cw.set_alarm_state(AlarmName="errors", StateValue="OK", StateReason="recovered")
    # THEN the endpoint rolls back for the rollback duration, then is InService on the old config
    assert status(sm) == "RollingBack"
    clock.sleep(T.rollback)
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c1")
    assert "errors" in described["FailureReason"] and "latency" not in described["FailureReason"]
    variant = described["ProductionVariants"][0]
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (2, 2)
    rolled_back_at = [t for t, s, _ in sim.history("ep") if s == "RollingBack"]
    assert rolled_back_at == [clock.now() - T.rollback - 50]


def test_update_endpoint_alarm_only_after_baking_succeeds(sm: Any, clock: SimulatedClock, cw: Any) -> None:
    # GIVEN a canary update
    in_service(sm, clock)
    make_config(sm, "c2")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    # WHEN the alarm fires only after the final bake and termination wait (nobody described in between)
    clock.sleep(T.provision + 600 + 600 + 300 + 5)
    cw.set_alarm_state(AlarmName="latency", StateValue="ALARM", StateReason="late")
    # THEN the update succeeded
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c2")
    assert "FailureReason" not in described


def test_update_endpoint_alarm_already_in_alarm_trips_at_first_baking_window(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    # GIVEN an alarm already in ALARM when the update starts
    in_service(sm, clock)
    make_config(sm, "c2")
    cw.set_alarm_state(AlarmName="latency", StateValue="ALARM", StateReason="already bad")
    start = clock.now()
    # WHEN the update runs
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    clock.sleep(3600)
    # THEN the rollback started when the canary baking began, naming the alarm
    described = sm.describe_endpoint(EndpointName="ep")
    assert described["EndpointConfigName"] == "c1"
    assert "latency" in described["FailureReason"]
    assert [t for t, s, _ in sim.history("ep") if s == "RollingBack"] == [start + T.provision]


def test_update_endpoint_exceeding_max_execution_timeout_rolls_back(sm: Any, clock: SimulatedClock) -> None:
    # GIVEN a deployment longer than its MaximumExecutionTimeoutInSeconds
    in_service(sm, clock)
    make_config(sm, "c2")
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
            "TerminationWaitInSeconds": 1800,
            "MaximumExecutionTimeoutInSeconds": 1200,
        }
    }
    # WHEN the update runs to its end
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment)
    clock.sleep(1200 + T.rollback)
    # THEN it was rolled back at the timeout
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c1")
    assert "MaximumExecutionTimeoutInSeconds" in described["FailureReason"]


@pytest.mark.parametrize(
    ("retain", "exclude", "expected"),
    [
        (True, [], (5, 3.0)),
        (True, ["DesiredInstanceCount"], (4, 3.0)),
        (True, ["DesiredWeight"], (5, 1.0)),
        (False, [], (4, 1.0)),
    ],
    ids=["retain-all", "exclude-count", "exclude-weight", "no-retain"],
)
def test_update_endpoint_retain_flags_choose_counts_and_weights(
    sm: Any, clock: SimulatedClock, retain: bool, exclude: list[str], expected: tuple[int, float]
) -> None:
    # GIVEN an endpoint whose variant was rescaled to 5 instances and weight 3 after creation
    in_service(sm, clock, count=2)
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "AllTraffic", "DesiredInstanceCount": 5, "DesiredWeight": 3.0}
        ],
    )
    assert status(sm) == "Updating"
    clock.sleep(T.scale)
    make_config(sm, "c2", count=4, weight=1.0)
    # WHEN it is updated with the retain flags
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="c2",
        RetainAllVariantProperties=retain,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": e} for e in exclude],
    )
    clock.sleep(T.provision)
    # THEN the variant has the retained (or new) count and weight
    variant = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]
    assert (variant["DesiredInstanceCount"], variant["DesiredWeight"]) == expected


def test_update_endpoint_retain_deployment_config_reuses_last_one(sm: Any, clock: SimulatedClock) -> None:
    # GIVEN an endpoint updated once with a canary deployment
    in_service(sm, clock)
    make_config(sm, "c2")
    make_config(sm, "c3")
    deployment = {k: v for k, v in CANARY.items() if k != "AutoRollbackConfiguration"}
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment)
    clock.sleep(T.provision + 1500)
    # WHEN it is updated again with RetainDeploymentConfig and no DeploymentConfig
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c3", RetainDeploymentConfig=True)
    # THEN the canary timeline applies again
    clock.sleep(T.provision + 1499)
    assert status(sm) == "Updating"
    clock.sleep(1)
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c3"


@pytest.mark.parametrize("state", ["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"])
def test_update_endpoint_busy_endpoint_refused(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any, state: str
) -> None:
    # GIVEN an endpoint in a busy state
    make_config(sm, "c1")
    make_config(sm, "c2")
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    if state != "Creating":
        clock.sleep(T.create)
    if state == "Updating":
        sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2")
    elif state == "SystemUpdating":
        sim.set_system_updating("ep", 600)
    elif state == "RollingBack":
        cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="bad")
        sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
        clock.sleep(T.provision + 1)
    elif state == "Deleting":
        sm.delete_endpoint(EndpointName="ep")
    assert status(sm) == state
    # WHEN an update is requested
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="c2")
    # THEN it is refused as in-progress
    assert code == "ValidationException"
    assert message == f'Cannot update in-progress endpoint "{ARN}:endpoint/ep".'


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("nope", "c2", f'Could not find endpoint "{ARN}:endpoint/nope".'),
        ("ep", "nope", f'Could not find endpoint configuration "{ARN}:endpoint-config/nope".'),
    ],
    ids=["endpoint", "config"],
)
def test_update_endpoint_missing_resource_raises_validation(
    sm: Any, clock: SimulatedClock, name: str, config: str, message: str
) -> None:
    # GIVEN an endpoint and a config
    in_service(sm, clock)
    make_config(sm, "c2")
    # WHEN an update names a missing endpoint or config
    # THEN it is refused with SageMaker's message
    assert error_of(sm.update_endpoint, EndpointName=name, EndpointConfigName=config) == (
        "ValidationException",
        message,
    )


def test_update_endpoint_autoscaled_instance_type_change_refused(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    # GIVEN an endpoint whose variant is a scalable target
    in_service(sm, clock)
    register_target(aas)
    make_config(sm, "c2", instance_type="ml.c5.xlarge")
    # WHEN the instance type changes
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="c2")
    # THEN SageMaker refuses and asks to deregister the scalable target
    assert code == "ValidationException"
    assert "AllTraffic" in message and "DeregisterScalableTarget" in message and "instance type" in message
    assert status(sm) == "InService"


def test_update_endpoint_autoscaled_variant_removed_refused(sm: Any, clock: SimulatedClock, aas: Any) -> None:
    # GIVEN an endpoint with an autoscaled variant
    in_service(sm, clock)
    register_target(aas)
    make_config(sm, "c2", variants=("other",))
    # WHEN the new config drops the variant
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="c2")
    # THEN it is refused
    assert code == "ValidationException"
    assert "cannot be removed" in message


def test_update_endpoint_autoscaled_same_instance_type_allowed(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    # GIVEN an autoscaled variant
    in_service(sm, clock)
    register_target(aas)
    make_config(sm, "c2", count=3)
    # WHEN the update keeps the instance type (e.g. a new model)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2")
    # THEN it is accepted
    assert status(sm) == "Updating"


def test_update_endpoint_deregistered_target_allows_instance_type_change(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    # GIVEN an autoscaled variant that is then deregistered
    in_service(sm, clock)
    resource_id = register_target(aas)
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource_id,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )
    make_config(sm, "c2", instance_type="ml.c5.xlarge")
    # WHEN the instance type changes
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2")
    clock.sleep(T.provision)
    # THEN the update succeeds
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c2"


def test_deregister_scalable_target_removes_its_scaling_policies(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    # GIVEN a scalable target with a policy, and another target with a policy
    in_service(sm, clock, variants=("AllTraffic", "b"))
    resource_id = register_target(aas)
    register_target(aas, variant="b")
    # WHEN the first target is deregistered
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource_id,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )
    # THEN its policies are gone and the other target's remain
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert [p["ResourceId"] for p in policies] == ["endpoint/ep/variant/b"]


def test_update_endpoint_injected_failure_returns_in_service_on_old_config(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an update whose new fleet fails its health checks
    in_service(sm, clock)
    make_config(sm, "c2")
    sim.fail_next_update("ep", "health check failed")
    # WHEN the update runs past provisioning
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    clock.sleep(T.provision - 1)
    assert status(sm) == "Updating"
    clock.sleep(1)
    # THEN the endpoint is InService on the old config with the reason
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c1")
    assert described["FailureReason"] == "health check failed"


def test_update_endpoint_rollback_failure_ends_update_rollback_failed(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    # GIVEN an update that will be rolled back by an alarm, with a rollback failure injected
    in_service(sm, clock)
    make_config(sm, "c2")
    sim.fail_next_rollback("ep", "rollback broke")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    clock.sleep(T.provision + 10)
    cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="bad")
    # WHEN the rollback runs out
    clock.sleep(T.rollback + 1)
    # THEN the endpoint is UpdateRollbackFailed with the reason
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["FailureReason"]) == (
        "UpdateRollbackFailed",
        "rollback broke",
    )


# ---------------------------------------------------------------------------------------- delete


def test_delete_endpoint_is_deleting_then_gone(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an InService endpoint
    in_service(sm, clock)
    # WHEN it is deleted
    sm.delete_endpoint(EndpointName="ep")
    # THEN it is Deleting for the delete time, then Describe says it cannot be found
    assert status(sm) == "Deleting"
    assert sm.list_endpoints()["Endpoints"][0]["EndpointStatus"] == "Deleting"
    code, _ = error_of(sm.create_endpoint, EndpointName="ep", EndpointConfigName="c1")
    assert code == "ValidationException"
    clock.sleep(T.delete)
    assert error_of(sm.describe_endpoint, EndpointName="ep") == (
        "ValidationException",
        f'Could not find endpoint "{ARN}:endpoint/ep".',
    )
    assert sm.list_endpoints()["Endpoints"] == []
    assert sim.endpoint_status("ep") is None
    assert sim.history("ep")[-1][1] == "Deleted"


def test_delete_endpoint_in_progress_refused(sm: Any, clock: SimulatedClock) -> None:
    # GIVEN an endpoint still Creating
    make_config(sm, "c1")
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    # WHEN it is deleted
    code, message = error_of(sm.delete_endpoint, EndpointName="ep")
    # THEN it is refused as in-progress
    assert (code, message) == (
        "ValidationException",
        f'Cannot update in-progress endpoint "{ARN}:endpoint/ep".',
    )


def test_delete_endpoint_deregisters_its_scalable_targets(sm: Any, clock: SimulatedClock, aas: Any) -> None:
    # GIVEN an autoscaled endpoint
    in_service(sm, clock)
    register_target(aas)
    # WHEN it is deleted
    sm.delete_endpoint(EndpointName="ep")
    # THEN Application Auto Scaling no longer has its target or policies
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []


def test_delete_endpoint_config_missing_raises_validation(sm: Any) -> None:
    # GIVEN no config  WHEN it is deleted  THEN SageMaker's message comes back
    assert error_of(sm.delete_endpoint_config, EndpointConfigName="nope") == (
        "ValidationException",
        f'Could not find endpoint configuration "{ARN}:endpoint-config/nope".',
    )


def test_delete_endpoint_config_in_use_is_allowed_and_recorded(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an endpoint using config c1 and an unused config c2
    in_service(sm, clock)
    make_config(sm, "c2")
    # WHEN both configs are deleted
    sm.delete_endpoint_config(EndpointConfigName="c2")
    sm.delete_endpoint_config(EndpointConfigName="c1")
    # THEN both are gone, the endpoint keeps running, and only the in-use deletion is recorded
    assert [(d.config_name, d.endpoints) for d in sim.deleted_configs_in_use] == [("c1", ("ep",))]
    assert status(sm) == "InService"
    assert error_of(sm.describe_endpoint_config, EndpointConfigName="c1")[0] == "ValidationException"


# ---------------------------------------------------------------------------------------- tags


def test_tags_on_endpoint_and_config_round_trip(sm: Any, clock: SimulatedClock) -> None:
    # GIVEN an endpoint created with a tag, and its config
    make_config(sm, "c1")
    arn = sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1", Tags=[{"Key": "a", "Value": "1"}])[
        "EndpointArn"
    ]
    config_arn = f"{ARN}:endpoint-config/c1"
    # WHEN tags are added and deleted
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    sm.add_tags(ResourceArn=config_arn, Tags=[{"Key": "c", "Value": "3"}])
    sm.delete_tags(ResourceArn=arn, TagKeys=["a"])
    # THEN ListTags shows the result for both
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    assert sm.list_tags(ResourceArn=config_arn)["Tags"] == [{"Key": "c", "Value": "3"}]


# ---------------------------------------------------------------------------------------- faults


def test_throttle_raises_throttling_exception_for_next_calls_only(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an endpoint and two throttled DescribeEndpoint calls
    in_service(sm, clock)
    sim.throttle("DescribeEndpoint", times=2)
    # WHEN DescribeEndpoint is called three times
    # THEN the first two are throttled and the third answers
    for _ in range(2):
        assert error_of(sm.describe_endpoint, EndpointName="ep") == ("ThrottlingException", "Rate exceeded")
    assert status(sm) == "InService"


def test_delete_out_of_band_endpoint_vanishes(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an InService endpoint
    in_service(sm, clock)
    # WHEN someone deletes it outside the provider
    sim.delete_out_of_band("ep")
    # THEN it is gone at once and may be created again
    assert error_of(sm.describe_endpoint, EndpointName="ep")[0] == "ValidationException"
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    assert status(sm) == "Creating"


def test_set_system_updating_lasts_the_given_time(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an InService endpoint
    in_service(sm, clock)
    # WHEN SageMaker starts maintenance for 120 s
    sim.set_system_updating("ep", 120)
    # THEN it is SystemUpdating for 120 s, then InService
    assert status(sm) == "SystemUpdating"
    clock.sleep(119)
    assert status(sm) == "SystemUpdating"
    clock.sleep(1)
    assert status(sm) == "InService"


def test_hang_advances_clock_during_next_call_only(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN a Creating endpoint and a 300 s hang on DescribeEndpoint
    make_config(sm, "c1")
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    sim.hang("DescribeEndpoint", T.create)
    before = clock.now()
    # WHEN DescribeEndpoint is called twice
    first = status(sm)
    status(sm)
    # THEN the first call took the create time (and saw its effect), the second none
    assert first == "InService"
    assert clock.now() - before == T.create


def test_calls_counter_counts_sagemaker_operations(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN an endpoint
    in_service(sm, clock)
    described = sim.calls["DescribeEndpoint"]
    # WHEN DescribeEndpoint is called three more times
    for _ in range(3):
        status(sm)
    # THEN the counter saw them
    assert sim.calls["DescribeEndpoint"] == described + 3
    assert sim.calls["CreateEndpoint"] == 1


def test_set_timings_changes_later_operations(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock
) -> None:
    # GIVEN a faster create time
    sim.set_timings(create=30)
    make_config(sm, "c1")
    # WHEN an endpoint is created
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.sleep(30)
    # THEN it is InService after the new time
    assert status(sm) == "InService"


# ---------------------------------------------------------------------------------------- activation


def test_deactivate_restores_moto_behaviour(clock: SimulatedClock, aws: None, session: Any) -> None:
    # GIVEN a simulator activated then deactivated
    sm = session.client("sagemaker", config=NO_RETRY)
    aas = session.client("application-autoscaling")
    with SageMakerSimulator(clock=clock):
        pass
    sm.create_model(
        ModelName="model", ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", PrimaryContainer={"Image": "i"}
    )
    make_config(sm, "c1")
    # WHEN moto is used directly
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    resource_id = register_target(aas)
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource_id,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )
    # THEN moto's own behaviour is back: InService at once, no UpdateEndpoint, policies left behind
    assert status(sm) == "InService"
    with pytest.raises(NotImplementedError):
        sm.update_endpoint(EndpointName="ep", EndpointConfigName="c1")
    assert len(aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]) == 1


def test_activate_twice_raises_simulator_error(sim: SageMakerSimulator) -> None:
    # GIVEN an active simulator  WHEN it is activated again  THEN it refuses
    with pytest.raises(SimulatorError, match="already active"):
        sim.activate()


def test_fault_api_on_unknown_endpoint_raises_simulator_error(sim: SageMakerSimulator) -> None:
    # GIVEN no endpoint  WHEN a fault needs one  THEN it refuses
    with pytest.raises(SimulatorError, match="no endpoint named ghost"):
        sim.delete_out_of_band("ghost")


def test_import_simulator_does_not_import_moto() -> None:
    # GIVEN a fresh interpreter  WHEN the simulator package is imported
    code = "import sys, sagemaker_rollout_testing.simulator; print('moto' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[2] / "layers")},
    )
    # THEN moto was not imported
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------- plans


def test_plan_update_linear_instance_steps_are_monitored_windows() -> None:
    # GIVEN a linear deployment of 1 instance per step on a fleet of 3
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                "WaitIntervalInSeconds": 60,
            },
            "TerminationWaitInSeconds": 30,
        }
    }
    # WHEN it is planned
    plan: UpdatePlan = plan_update(deployment, fleet=3, variant_count=1, serverless=False, timings=T)
    # THEN three step windows (the last is the final bake) and the termination wait are monitored
    assert plan.monitored_windows() == [(300.0, 360.0), (360.0, 420.0), (420.0, 480.0), (480.0, 510.0)]
    assert [round(p.new_traffic, 2) for p in plan.phases] == [0.0, 0.33, 0.67, 1.0, 1.0]
    assert plan.duration == 510.0


def test_plan_update_rolling_rollback_time_scales_with_converted_batches() -> None:
    # GIVEN a rolling update of 4 instances in batches of 1, rolled back 1 at a time
    deployment = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 60,
        }
    }
    plan = plan_update(deployment, fleet=4, variant_count=1, serverless=False, timings=T)
    # WHEN a rollback starts during batch 1 or batch 3 baking
    # THEN rolling back takes one or three batch rollbacks
    assert plan.rollback_seconds(T.rolling_batch + 1, T) == T.rolling_rollback_batch
    assert plan.rollback_seconds(3 * T.rolling_batch + 2 * 60 + 1, T) == 3 * T.rolling_rollback_batch


# ------------------------------------------------------- documented behaviours (issue 9, point 8)
# Each test below fails on 9389afc (the branch's starting commit) unless its docstring says otherwise.

ALL_AT_ONCE_BAKE: dict[str, Any] = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600},
        "TerminationWaitInSeconds": 0,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
}


@pytest.fixture
def aas_no_retry(sim: SageMakerSimulator, session: Any) -> Any:
    return session.client("application-autoscaling", config=NO_RETRY)


def test_all_at_once_bakes_wait_interval_and_an_alarm_during_it_rolls_back(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    """All at once: "Once the green fleet starts receiving traffic, the baking period begins ... If
    any alarms trip during the baking period, then an auto-rollback initiates" (developer guide,
    "Use all at once traffic shifting"). Fails on 9389afc: all at once did not bake."""
    # GIVEN an all-at-once update with a 600 s bake
    in_service(sm, clock)
    make_config(sm, "c2")
    start = clock.now()
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=ALL_AT_ONCE_BAKE)
    # WHEN the alarm trips during the bake, after the full traffic shift
    clock.sleep(T.provision + 300)
    pending = sm.describe_endpoint(EndpointName="ep")["PendingDeploymentSummary"]["ProductionVariants"][0]
    assert (pending["VariantStatus"][0]["Status"], pending["CurrentWeight"]) == ("Baking", 1.0)
    cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="5xx")
    clock.sleep(T.rollback + 1)
    # THEN the endpoint rolled back to the old config
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c1")
    assert [t for t, s, _ in sim.history("ep") if s == "RollingBack"] == [start + T.provision + 300]


def test_canary_final_bake_after_full_shift_rolls_back_on_alarm(
    sm: Any, clock: SimulatedClock, cw: Any
) -> None:
    """Canary: "all of the traffic shifts to the green fleet and there is a final baking period"
    (developer guide, "Use canary traffic shifting"). Fails on 9389afc: no final bake (with no
    termination wait the update ended right after the canary bake)."""
    # GIVEN a canary update without termination wait
    in_service(sm, clock)
    make_config(sm, "c2")
    deployment = copy.deepcopy(CANARY)
    deployment["BlueGreenUpdatePolicy"]["TerminationWaitInSeconds"] = 0
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment)
    # WHEN the alarm trips after the canary bake, while the whole green fleet bakes
    clock.sleep(T.provision + 600 + 100)
    assert status(sm) == "Updating"
    cw.set_alarm_state(AlarmName="latency", StateValue="ALARM", StateReason="slow")
    clock.sleep(T.rollback + 1)
    # THEN the update was rolled back
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c1"


def test_canary_size_is_checked_per_variant_not_over_the_fleet(sm: Any, clock: SimulatedClock) -> None:
    """CanarySize "must be less than or equal to 50% of the variant's total instance count"
    (TrafficRoutingConfig API reference). Fails on 9389afc: checked over the whole fleet (2 <= 4/2)."""
    # GIVEN a two-variant endpoint of 2 instances per variant
    in_service(sm, clock, count=2, variants=("a", "b"))
    make_config(sm, "c2", count=2, variants=("a", "b"))
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 2},
                "WaitIntervalInSeconds": 60,
            }
        }
    }
    # WHEN a canary of 2 instances is requested
    code, message = error_of(
        sm.update_endpoint, EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment
    )
    # THEN it is refused: 2 is more than half of a variant's 2 instances
    assert code == "ValidationException"
    assert "more than 50% of the variant's total instance count 2" in message


def test_linear_steps_are_counted_per_variant(sm: Any, clock: SimulatedClock) -> None:
    """LinearStepSize is per variant (TrafficRoutingConfig API reference); variants shift side by
    side, so the longest variant sets the number of steps. Fails on 9389afc: 12/2 = 6 steps over
    the whole fleet instead of max(4/2, 8/2) = 4."""
    # GIVEN variants of 4 and 8 instances, linear steps of 2 instances baking 100 s
    make_config(sm, "c1", variants=("a",))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.sleep(T.create)
    sm.create_endpoint_config(
        EndpointConfigName="c2",
        ProductionVariants=[
            {"VariantName": v, "ModelName": "model", "InstanceType": "ml.m5.large", "InitialInstanceCount": n}
            for v, n in (("a", 4), ("b", 8))
        ],
    )
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                "WaitIntervalInSeconds": 100,
            }
        }
    }
    # WHEN the update runs
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment)
    # THEN it takes provisioning plus four baked steps
    clock.sleep(T.provision + 4 * 100 - 1)
    assert status(sm) == "Updating"
    clock.sleep(1)
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c2"


def test_plan_update_linear_share_counts_each_variant() -> None:
    """Traffic share per step sums each variant's active part. Fails on 9389afc (no per-variant plan)."""
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
                "WaitIntervalInSeconds": 10,
            }
        }
    }
    plan = plan_update(deployment, variant_counts={"a": 2, "b": 6}, serverless=False, timings=T)
    assert [p.new_traffic for p in plan.phases] == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("how", ["failed-update", "alarm-rollback"])
def test_failure_reason_can_be_left_empty_after_returning_to_the_old_config(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any, how: str
) -> None:
    """AWS may leave FailureReason empty after a rollback (hashicorp/terraform-provider-aws#48997).
    Fails on 9389afc: FailureReason was always set."""
    # GIVEN an update that returns to the old config, with an empty reason injected
    in_service(sm, clock)
    make_config(sm, "c2")
    if how == "failed-update":
        sim.fail_next_update("ep", leave_failure_reason_empty=True)
    else:
        sim.leave_next_failure_reason_empty("ep")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=CANARY)
    if how == "alarm-rollback":
        clock.sleep(T.provision + 10)
        cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="bad")
    # WHEN it is over
    clock.sleep(T.provision + T.rollback + 20)
    # THEN it is InService on the old config with no FailureReason
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "c1")
    assert "FailureReason" not in described


@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.g5.xlarge",
        "ml.g6.xlarge",
        "ml.g6e.xlarge",
        "ml.inf2.xlarge",
        "ml.p5.48xlarge",
        "ml.trn1.2xlarge",
        "ml.m6i.large",
        "ml.m7i.large",
        "ml.c6i.large",
        "ml.c7i.large",
        "ml.r6i.large",
        "ml.r7i.large",
    ],
)
def test_current_instance_families_are_accepted(sm: Any, instance_type: str) -> None:
    """Every type of botocore's ProductionVariantInstanceType is accepted. Fails on 9389afc: moto's
    list stops at older families."""
    make_config(sm, "c1", instance_type=instance_type)
    variant = sm.describe_endpoint_config(EndpointConfigName="c1")["ProductionVariants"][0]
    assert variant["InstanceType"] == instance_type


def test_unknown_instance_type_is_refused_with_the_enum_message(sm: Any) -> None:
    """An instance type outside the API's enum is a ValidationException (AWS's enum-constraint text)."""
    code, message = error_of(
        sm.create_endpoint_config,
        EndpointConfigName="c1",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "model",
                "InstanceType": "ml.bogus.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    assert code == "ValidationException"
    assert "Value 'ml.bogus.large' at 'instanceType' failed to satisfy constraint" in message
    assert "ml.g6.xlarge" in message


# ------------------------------------------------------------ consistency windows (issue 9, point 4)


@pytest.mark.parametrize("operation", ["create", "update"])
def test_new_config_is_invisible_during_the_consistency_window(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, operation: str
) -> None:
    """Right after CreateEndpointConfig, CreateEndpoint / UpdateEndpoint may not see the config
    (CreateEndpoint API reference recommends retrying). Fails on 9389afc: no such fault."""
    # GIVEN configs that become visible 30 s after they are created
    if operation == "update":
        in_service(sm, clock)
    sim.delay_config_visibility(30)
    make_config(sm, "c2")

    def attempt() -> Any:
        if operation == "create":
            return sm.create_endpoint(EndpointName="ep", EndpointConfigName="c2")
        return sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2")

    # WHEN the endpoint call comes at once, then after the window
    code, message = error_of(attempt)
    clock.sleep(30)
    attempt()
    # THEN the first answered SageMaker's not-found text, the second went through
    assert (code, message) == (
        "ValidationException",
        f'Could not find endpoint configuration "{ARN}:endpoint-config/c2".',
    )
    assert status(sm) in ("Creating", "Updating")


def test_put_scaling_policy_right_after_registration_is_object_not_found(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, aas_no_retry: Any
) -> None:
    """PutScalingPolicy / PutScheduledAction right after RegisterScalableTarget can answer
    ObjectNotFoundException. Fails on 9389afc: no such fault."""
    # GIVEN targets that become visible 10 s after registration
    in_service(sm, clock)
    sim.delay_target_visibility(10)
    register_target(aas_no_retry, policy=False)
    policy = {
        "PolicyName": "p",
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    }
    # WHEN a policy and a scheduled action are put at once, then after the window
    code, message = error_of(aas_no_retry.put_scaling_policy, **policy)
    action_code, _ = error_of(
        aas_no_retry.put_scheduled_action,
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ep/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        ScheduledActionName="nightly",
        Schedule="cron(0 22 * * ? *)",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 2},
    )
    clock.sleep(10)
    # THEN the first answers were ObjectNotFoundException with the service's text; later ones work
    assert code == action_code == "ObjectNotFoundException"
    assert message.startswith("No scalable target registered for service namespace: sagemaker, resource ID:")
    assert aas_no_retry.put_scaling_policy(**policy)["PolicyARN"]


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("PutScalingPolicy", "InternalServiceException"),
        ("RegisterScalableTarget", "ConcurrentUpdateException"),
        ("DescribeScalableTargets", "ThrottlingException"),
    ],
)
def test_autoscaling_faults_are_injectable(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, aas_no_retry: Any, operation: str, code: str
) -> None:
    """Application Auto Scaling errors can be injected for the next call only. Fails on 9389afc."""
    # GIVEN a registered target and one injected error
    in_service(sm, clock)
    register_target(aas_no_retry, policy=False)
    sim.fail_next(operation, code)
    calls = {
        "PutScalingPolicy": lambda: aas_no_retry.put_scaling_policy(
            PolicyName="p",
            ServiceNamespace="sagemaker",
            ResourceId="endpoint/ep/variant/AllTraffic",
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            PolicyType="StepScaling",
            StepScalingPolicyConfiguration={
                "AdjustmentType": "ChangeInCapacity",
                "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
            },
        ),
        "RegisterScalableTarget": lambda: register_target(aas_no_retry, policy=False),
        "DescribeScalableTargets": lambda: aas_no_retry.describe_scalable_targets(
            ServiceNamespace="sagemaker"
        ),
    }
    # WHEN the operation is called twice
    first = error_of(calls[operation])
    calls[operation]()
    # THEN the first call failed with the code, the second worked
    assert first[0] == code
    assert sim.calls[operation] >= 2


# ----------------------------------------------------------------- moto gaps the simulator patches


def _step_policy(aas: Any, resource_id: str = "endpoint/ep/variant/AllTraffic", adjustment: int = 1) -> str:
    return str(
        aas.put_scaling_policy(
            PolicyName="step",
            ServiceNamespace="sagemaker",
            ResourceId=resource_id,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            PolicyType="StepScaling",
            StepScalingPolicyConfiguration={
                "AdjustmentType": "ChangeInCapacity",
                "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": adjustment}],
            },
        )["PolicyARN"]
    )


def test_put_scaling_policy_on_an_existing_policy_keeps_its_arn(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    """PutScalingPolicy "creates or updates" a policy (API reference): an update is the same policy
    and keeps its ARN, on which alarms act. Fails on 9389afc: moto minted a new ARN."""
    in_service(sm, clock)
    register_target(aas, policy=False)
    first = _step_policy(aas, adjustment=1)
    second = _step_policy(aas, adjustment=2)
    assert first == second
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert [
        p["StepScalingPolicyConfiguration"]["StepAdjustments"][0]["ScalingAdjustment"] for p in policies
    ] == [2]


def test_deregister_scalable_target_removes_its_scheduled_actions(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    """DeregisterScalableTarget "deletes the scaling policies and the scheduled actions that are
    associated with it" (API reference). moto keeps them; already patched on 9389afc, kept as a guard."""
    in_service(sm, clock, variants=("AllTraffic", "b"))
    for variant in ("AllTraffic", "b"):
        resource_id = register_target(aas, variant=variant, policy=False)
        aas.put_scheduled_action(
            ServiceNamespace="sagemaker",
            ResourceId=resource_id,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            ScheduledActionName="nightly",
            Schedule="cron(0 22 * * ? *)",
            ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 2},
        )
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ep/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )
    actions = aas.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"]
    assert [a["ResourceId"] for a in actions] == ["endpoint/ep/variant/b"]


@pytest.mark.parametrize("operation", ["deregister", "put-policy"])
def test_missing_target_is_object_not_found(
    sm: Any, clock: SimulatedClock, aas_no_retry: Any, operation: str
) -> None:
    """DeregisterScalableTarget and PutScalingPolicy on a target that does not exist answer
    ObjectNotFoundException (API reference, Errors). Fails on 9389afc: moto answered
    ValidationException, or accepted the policy."""
    in_service(sm, clock)
    if operation == "deregister":
        code, _ = error_of(
            aas_no_retry.deregister_scalable_target,
            ServiceNamespace="sagemaker",
            ResourceId="endpoint/ep/variant/AllTraffic",
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        )
    else:
        code, _ = error_of(lambda: _step_policy(aas_no_retry))
    assert code == "ObjectNotFoundException"


def test_describe_scaling_policies_matches_resource_ids_exactly(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    """DescribeScalingPolicies filters by ResourceId. Fails on 9389afc: moto matched substrings, so
    variant "ab" saw the policies of variant "a"."""
    in_service(sm, clock, variants=("a", "ab"))
    register_target(aas, variant="a")
    register_target(aas, variant="ab", policy=False)
    policies = aas.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/ab"
    )["ScalingPolicies"]
    assert policies == []


def test_serverless_provisioned_concurrency_is_a_scalable_dimension(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    """sagemaker:variant:DesiredProvisionedConcurrency (RegisterScalableTarget API reference). Fails
    on 9389afc: moto refused the dimension."""
    sm.create_endpoint_config(
        EndpointConfigName="c1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "model",
                "ServerlessConfig": {
                    "MemorySizeInMB": 2048,
                    "MaxConcurrency": 10,
                    "ProvisionedConcurrency": 2,
                },
            }
        ],
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.sleep(T.serverless_create)
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ep/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredProvisionedConcurrency",
        MinCapacity=1,
        MaxCapacity=5,
    )
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [(t["ScalableDimension"], t["MaxCapacity"]) for t in targets] == [
        ("sagemaker:variant:DesiredProvisionedConcurrency", 5)
    ]


def test_scalable_target_always_shows_its_three_suspended_flags(
    sm: Any, clock: SimulatedClock, aas: Any
) -> None:
    """DescribeScalableTargets shows SuspendedState with its three flags even when registration
    sent none (API reference examples); a later registration changes only the flags it sends.
    Fails on 9389afc: moto answered no SuspendedState."""
    in_service(sm, clock)
    register_target(aas, policy=False)
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ep/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        SuspendedState={"ScheduledScalingSuspended": True},
    )
    [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert target["SuspendedState"] == {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": True,
    }
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)


@pytest.mark.parametrize(
    ("resource_id", "message"),
    [
        ("endpoint/nope/variant/AllTraffic", "no SageMaker endpoint named nope"),
        ("endpoint/ep/variant/Missing", "endpoint ep has no variant Missing"),
    ],
    ids=["no-endpoint", "no-variant"],
)
def test_register_scalable_target_for_a_missing_endpoint_or_variant_is_refused(
    resource_id: str, message: str, sm: Any, aas: Any, clock: SimulatedClock
) -> None:
    """GIVEN an endpoint ep with variant AllTraffic WHEN a scalable target is registered for an
    endpoint or variant that does not exist (a ResourceId built from a config's name) THEN
    ValidationException, as Application Auto Scaling validates the resource (issue 22, point 1);
    the existing variant registers."""
    in_service(sm, clock)
    code, text = error_of(
        aas.register_scalable_target,
        ServiceNamespace="sagemaker",
        ResourceId=resource_id,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=2,
    )
    assert code == "ValidationException" and message in text
    assert register_target(aas, policy=False) == "endpoint/ep/variant/AllTraffic"


def _missing_data_alarm(cw: Any, treat: str) -> None:
    cw.put_metric_alarm(
        AlarmName="brake",
        Namespace="Nobody/Writes",
        MetricName="Tripped",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData=treat,
    )


def _state(cw: Any) -> str:
    return str(cw.describe_alarms(AlarmNames=["brake"])["MetricAlarms"][0]["StateValue"])


def test_alarm_on_missing_data_latches_when_flipped_to_breaching(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    # GIVEN an alarm on a metric nobody writes, missing data not breaching (issue 24's brake)
    _missing_data_alarm(cw, "notBreaching")
    clock.sleep(61)
    assert _state(cw) == "OK"
    # WHEN the same alarm is put again with missing data as breaching
    _missing_data_alarm(cw, "breaching")
    # THEN it goes to ALARM after one period (not at once), and stays there (it latches)
    assert _state(cw) == "OK"
    clock.sleep(61)
    assert _state(cw) == "ALARM"
    clock.sleep(3600)
    assert _state(cw) == "ALARM"
    # AND putting it again keeps its state ("its state is left unchanged": PutMetricAlarm)
    _missing_data_alarm(cw, "breaching")
    assert _state(cw) == "ALARM"


def test_update_endpoint_brake_tripped_during_provisioning_acts_at_the_first_bake(
    sm: Any, sim: SageMakerSimulator, clock: SimulatedClock, cw: Any
) -> None:
    # GIVEN an update guarded by a missing-data alarm, flipped to breaching while the fleet launches
    in_service(sm, clock)
    make_config(sm, "c2")
    _missing_data_alarm(cw, "notBreaching")
    deployment = {**CANARY, "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "brake"}]}}
    start = clock.now()
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment)
    clock.sleep(10)
    _missing_data_alarm(cw, "breaching")
    # WHEN the update runs on
    clock.sleep(3600)
    # THEN SageMaker rolled back when it first watched the alarms (the canary bake), not before
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c1"
    assert [t for t, s, _ in sim.history("ep") if s == "RollingBack"] == [start + T.provision]
