"""The autoscaling snapshot: everything DeregisterScalableTarget removes, restored exactly.

Real boto3 clients against moto and the SageMaker simulator (which patches moto to behave as the
Application Auto Scaling API reference documents). Unless a test's docstring says otherwise, it
fails on 9389afc, the branch's starting commit: the snapshot then saved neither scheduled actions
nor the ``DesiredProvisionedConcurrency`` dimension, and a second restore left the user's alarm on
a policy ARN that no longer existed.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.config import Config

from sagemaker_rollout.aws import autoscaling
from sagemaker_rollout.aws.autoscaling import (
    INSTANCE_COUNT,
    PROVISIONED_CONCURRENCY,
    AutoscalingRestoreError,
    same_autoscaling,
)
from sagemaker_rollout.clock import SimulatedClock
from sagemaker_rollout_testing.simulator import SageMakerSimulator, Timings

T = Timings()
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
ACCOUNT = "123456789012"
SUSPENDED = {
    "DynamicScalingInSuspended": True,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": True,
}


STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app/8a1b2c3d-0000-4000-8000-000000000000"
"""The stack whose alarms a restore may re-point (its ``aws:cloudformation:stack-id`` tag)."""


class World:
    """An instance-based endpoint ``ep`` (variants ``AllTraffic`` and ``b``) and a serverless one
    ``sls``, both autoscaled with every kind of thing deregistration removes."""

    def __init__(self, sim: SageMakerSimulator, session: Any, clock: SimulatedClock) -> None:
        self.sim, self.clock = sim, clock
        self.sm = session.client("sagemaker", config=NO_RETRY)
        self.aas = session.client("application-autoscaling", config=NO_RETRY)
        self.cw = session.client("cloudwatch", config=NO_RETRY)
        self.sm.create_model(
            ModelName="model",
            ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
            PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/inference:1"},
        )
        self.sm.create_endpoint_config(
            EndpointConfigName="ep-1",
            ProductionVariants=[
                {
                    "VariantName": v,
                    "ModelName": "model",
                    "InstanceType": "ml.g5.xlarge",
                    "InitialInstanceCount": 2,
                }
                for v in ("AllTraffic", "b")
            ],
        )
        self.sm.create_endpoint_config(
            EndpointConfigName="sls-1",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "model",
                    "ServerlessConfig": {
                        "MemorySizeInMB": 2048,
                        "MaxConcurrency": 20,
                        "ProvisionedConcurrency": 2,
                    },
                }
            ],
        )
        self.sm.create_endpoint(EndpointName="ep", EndpointConfigName="ep-1")
        self.sm.create_endpoint(EndpointName="sls", EndpointConfigName="sls-1")
        clock.sleep(T.create)
        # ep/AllTraffic: suspended in part, target tracking + step policy (with the user's alarm),
        # and a scheduled action with start/end times and a time zone.
        self.register("ep", "AllTraffic", INSTANCE_COUNT, 2, 6, SUSPENDED)
        self.target_tracking("ep", "AllTraffic", INSTANCE_COUNT, "SageMakerVariantInvocationsPerInstance")
        self.step_arn = self.step("ep", "AllTraffic")
        self.cw.put_metric_alarm(
            AlarmName="HasBacklogWithoutCapacity",
            Namespace="AWS/SageMaker",
            MetricName="HasBacklogWithoutCapacity",
            Dimensions=[{"Name": "EndpointName", "Value": "ep"}],
            Statistic="Average",
            Period=60,
            EvaluationPeriods=2,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[self.step_arn],
            Tags=[{"Key": "aws:cloudformation:stack-id", "Value": STACK}],  # as CloudFormation tags it
        )
        self.schedule("ep", "AllTraffic", INSTANCE_COUNT, "nightly", 1, 2)
        # ep/b: autoscaled too, but not asked for.
        self.register("ep", "b", INSTANCE_COUNT, 1, 3)
        self.target_tracking("ep", "b", INSTANCE_COUNT, "SageMakerVariantInvocationsPerInstance")
        # sls/AllTraffic: provisioned concurrency of a serverless variant.
        self.register("sls", "AllTraffic", PROVISIONED_CONCURRENCY, 1, 4)
        self.target_tracking(
            "sls", "AllTraffic", PROVISIONED_CONCURRENCY, "SageMakerVariantProvisionedConcurrencyUtilization"
        )
        self.schedule("sls", "AllTraffic", PROVISIONED_CONCURRENCY, "business-hours", 2, 4)

    @staticmethod
    def rid(endpoint: str, variant: str) -> str:
        return f"endpoint/{endpoint}/variant/{variant}"

    def register(
        self,
        endpoint: str,
        variant: str,
        dimension: str,
        low: int,
        high: int,
        suspended: dict[str, bool] | None = None,
    ) -> None:
        extra = {"SuspendedState": suspended} if suspended else {}
        self.aas.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=self.rid(endpoint, variant),
            ScalableDimension=dimension,
            MinCapacity=low,
            MaxCapacity=high,
            **extra,
        )

    def target_tracking(self, endpoint: str, variant: str, dimension: str, metric: str) -> None:
        self.aas.put_scaling_policy(
            PolicyName="tracking",
            ServiceNamespace="sagemaker",
            ResourceId=self.rid(endpoint, variant),
            ScalableDimension=dimension,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": metric},
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        )

    def step(self, endpoint: str, variant: str) -> str:
        return str(
            self.aas.put_scaling_policy(
                PolicyName="backlog",
                ServiceNamespace="sagemaker",
                ResourceId=self.rid(endpoint, variant),
                ScalableDimension=INSTANCE_COUNT,
                PolicyType="StepScaling",
                StepScalingPolicyConfiguration={
                    "AdjustmentType": "ChangeInCapacity",
                    "MetricAggregationType": "Average",
                    "Cooldown": 300,
                    "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
                },
            )["PolicyARN"]
        )

    def schedule(self, endpoint: str, variant: str, dimension: str, name: str, low: int, high: int) -> None:
        self.aas.put_scheduled_action(
            ServiceNamespace="sagemaker",
            ResourceId=self.rid(endpoint, variant),
            ScalableDimension=dimension,
            ScheduledActionName=name,
            Schedule="cron(0 22 * * ? *)",
            Timezone="Europe/Paris",
            StartTime=datetime(2026, 1, 1, tzinfo=UTC),
            EndTime=datetime(2027, 1, 1, tzinfo=UTC),
            ScalableTargetAction={"MinCapacity": low, "MaxCapacity": high},
        )

    def snapshot(
        self, endpoint: str = "ep", variants: tuple[str, ...] = ("AllTraffic",)
    ) -> list[dict[str, Any]]:
        return autoscaling.snapshot(self.aas, self.clock, endpoint, list(variants))

    def restore(
        self,
        saved: list[dict[str, Any]],
        endpoint: str = "ep",
        variants: tuple[str, ...] = ("AllTraffic", "b"),
    ) -> list[str]:
        return autoscaling.restore(self.aas, self.clock, saved, variants, endpoint, self.cw, stack_id=STACK)

    def alarm_actions(self) -> list[str]:
        alarm = self.cw.describe_alarms(AlarmNames=["HasBacklogWithoutCapacity"])["MetricAlarms"][0]
        return list(alarm["AlarmActions"])

    def live_step_arn(self) -> str:
        policies = self.aas.describe_scaling_policies(
            ServiceNamespace="sagemaker",
            ResourceId=self.rid("ep", "AllTraffic"),
            ScalableDimension=INSTANCE_COUNT,
        )["ScalingPolicies"]
        return str(next(p["PolicyARN"] for p in policies if p["PolicyName"] == "backlog"))

    def nothing_registered(self, endpoint: str, variant: str) -> bool:
        rid = self.rid(endpoint, variant)
        targets = self.aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])
        policies = self.aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)
        actions = self.aas.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=rid)
        return not (targets["ScalableTargets"] or policies["ScalingPolicies"] or actions["ScheduledActions"])


@pytest.fixture
def world(sim: SageMakerSimulator, session: Any, clock: SimulatedClock) -> World:
    return World(sim, session, clock)


# ---------------------------------------------------------------------------------------- snapshot


def test_snapshot_holds_target_policies_and_scheduled_actions_of_the_asked_variants(world: World) -> None:
    # GIVEN an autoscaled variant with everything deregistration removes
    # WHEN only AllTraffic is snapshot
    saved = world.snapshot()
    # THEN the snapshot is JSON, has the target, both policies and the scheduled action, not variant b
    assert json.loads(json.dumps(saved)) == saved
    [target] = saved
    assert (target["ResourceId"], target["ScalableDimension"]) == (
        "endpoint/ep/variant/AllTraffic",
        INSTANCE_COUNT,
    )
    assert (target["MinCapacity"], target["MaxCapacity"], target["SuspendedState"]) == (2, 6, SUSPENDED)
    assert [(p["PolicyName"], p["PolicyType"]) for p in target["Policies"]] == [
        ("backlog", "StepScaling"),
        ("tracking", "TargetTrackingScaling"),
    ]
    [action] = target["ScheduledActions"]
    assert action["ScheduledActionName"] == "nightly"
    assert (action["Schedule"], action["Timezone"]) == ("cron(0 22 * * ? *)", "Europe/Paris")
    assert action["ScalableTargetAction"] == {"MinCapacity": 1, "MaxCapacity": 2}
    assert datetime.fromisoformat(action["StartTime"]) == datetime(2026, 1, 1, tzinfo=UTC)


def test_snapshot_of_a_serverless_variant_holds_its_provisioned_concurrency_target(world: World) -> None:
    # GIVEN a serverless variant scaled on provisioned concurrency
    # WHEN it is snapshot
    [target] = world.snapshot("sls")
    # THEN the dimension, its policy and its scheduled action are saved
    assert target["ScalableDimension"] == PROVISIONED_CONCURRENCY
    assert [p["PolicyName"] for p in target["Policies"]] == ["tracking"]
    assert [a["ScheduledActionName"] for a in target["ScheduledActions"]] == ["business-hours"]
    assert autoscaling.registered_variants(world.aas, world.clock, "sls", ["AllTraffic"]) == {"AllTraffic"}


# -------------------------------------------------------------------------------------- roundtrip


@pytest.mark.parametrize("endpoint", ["ep", "sls"])
def test_deregister_removes_everything_and_restore_brings_it_back_exactly(
    world: World, endpoint: str
) -> None:
    # GIVEN a snapshot
    saved = world.snapshot(endpoint)
    # WHEN the targets are deregistered
    autoscaling.deregister(world.aas, world.clock, saved)
    # THEN target, policies and scheduled actions are gone (the other variant keeps its own)
    assert world.nothing_registered(endpoint, "AllTraffic")
    if endpoint == "ep":
        assert not world.nothing_registered("ep", "b")
    # WHEN they are restored
    assert world.restore(saved, endpoint) == []
    # THEN the state is the snapshot's, in the contract's sense
    assert same_autoscaling(saved, world.snapshot(endpoint)) == []
    if endpoint == "ep":
        # AND the user's alarm acts on the live step policy
        assert world.alarm_actions() == [world.live_step_arn()]


def test_restore_twice_ends_in_the_same_state_with_the_alarm_on_the_live_policy(world: World) -> None:
    """Fails on 9389afc: the second restore minted a new step-policy ARN and left the alarm on the
    first one's (and the scheduled action was never restored)."""
    # GIVEN a deregistered variant
    saved = world.snapshot()
    autoscaling.deregister(world.aas, world.clock, saved)
    # WHEN restore runs twice (a crash after the first, the request redelivered)
    world.restore(saved)
    first_arn = world.live_step_arn()
    world.restore(saved)
    # THEN nothing changed the second time, and the alarm acts on the live policy
    assert world.live_step_arn() == first_arn
    assert same_autoscaling(saved, world.snapshot()) == []
    assert world.alarm_actions() == [first_arn]


def test_restore_repoints_only_alarms_of_the_requests_own_stack(world: World) -> None:
    """Issue 21, point 6: PutMetricAlarm replaces a whole alarm, so an alarm another stack (or nobody
    through CloudFormation) defined is never rewritten, even when it acts on the same policy."""
    # GIVEN two more alarms on the step policy: another stack's, and one without a stack tag
    other_stack = STACK.replace("stack/app/", "stack/other-team/")
    for name, tags in (
        ("other-stack-alarm", [{"Key": "aws:cloudformation:stack-id", "Value": other_stack}]),
        ("hand-made-alarm", []),
    ):
        world.cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName="HasBacklogWithoutCapacity",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[world.step_arn],
            Tags=tags,
        )
    saved = world.snapshot()
    autoscaling.deregister(world.aas, world.clock, saved)
    # WHEN the request of STACK restores the variant (the step policy gets a new ARN)
    world.restore(saved)
    # THEN only STACK's alarm follows it; the others still name the old ARN, untouched
    assert world.alarm_actions() == [world.live_step_arn()] != [world.step_arn]
    others = world.cw.describe_alarms(AlarmNames=["other-stack-alarm", "hand-made-alarm"])["MetricAlarms"]
    assert {a["AlarmName"]: a["AlarmActions"] for a in others} == {
        "other-stack-alarm": [world.step_arn],
        "hand-made-alarm": [world.step_arn],
    }


@pytest.mark.parametrize("crash_at", ["PutScalingPolicy", "PutScheduledAction", "RegisterScalableTarget"])
def test_restore_after_a_crash_half_way_completes_the_snapshot(
    world: World, sim: SageMakerSimulator, crash_at: str
) -> None:
    # GIVEN a deregistered variant and a restore that fails half-way
    saved = world.snapshot()
    autoscaling.deregister(world.aas, world.clock, saved)
    sim.fail_next(crash_at, "ValidationException", "simulated crash")
    with pytest.raises(AutoscalingRestoreError):
        world.restore(saved)
    # WHEN restore runs again
    world.restore(saved)
    # THEN the end state is the snapshot's and the alarm acts on the live policy
    assert same_autoscaling(saved, world.snapshot()) == []
    assert world.alarm_actions() == [world.live_step_arn()]


def test_deregister_twice_is_fine(world: World) -> None:
    """Passes on 9389afc too (already tolerant): a guard for repeatability."""
    saved = world.snapshot()
    autoscaling.deregister(world.aas, world.clock, saved)
    autoscaling.deregister(world.aas, world.clock, saved)
    assert world.nothing_registered("ep", "AllTraffic")


def test_restore_before_any_deregistration_changes_nothing(world: World) -> None:
    """A crash between snapshot and deregistration, then restore: same state, same ARNs.
    Fails on 9389afc: the step policy got a new ARN and the alarm acted on a dead one."""
    saved = world.snapshot()
    world.restore(saved)
    assert same_autoscaling(saved, world.snapshot()) == []
    assert world.live_step_arn() == world.step_arn == world.alarm_actions()[0]


def test_restore_waits_out_the_consistency_window_after_registration(
    world: World, sim: SageMakerSimulator
) -> None:
    """PutScalingPolicy right after RegisterScalableTarget can answer ObjectNotFoundException;
    restore retries it on the clock. Fails on 9389afc: no retry, the restore failed."""
    saved = world.snapshot()
    autoscaling.deregister(world.aas, world.clock, saved)
    sim.delay_target_visibility(5)
    start = world.clock.now()
    world.restore(saved)
    assert same_autoscaling(saved, world.snapshot()) == []
    assert world.clock.now() - start >= 5


def test_restore_skips_variants_that_no_longer_exist(world: World) -> None:
    """Passes on 9389afc too: a removed variant's target is reported, not registered."""
    saved = world.snapshot(variants=("AllTraffic", "b"))
    autoscaling.deregister(world.aas, world.clock, saved)
    assert world.restore(saved, variants=("AllTraffic",)) == ["endpoint/ep/variant/b"]
    assert world.nothing_registered("ep", "b")


def test_old_format_snapshot_still_restores(world: World) -> None:
    """Snapshots written before ScalableDimension / ScheduledActions existed mean DesiredInstanceCount
    and no scheduled actions (upgrade compatibility). Passes on 9389afc (its own format); guards it."""
    # GIVEN a snapshot in the old format, and the variant deregistered
    old = [
        {
            "ResourceId": "endpoint/ep/variant/AllTraffic",
            "MinCapacity": 3,
            "MaxCapacity": 5,
            "Policies": [
                {
                    "PolicyName": "tracking",
                    "PolicyType": "TargetTrackingScaling",
                    "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:gone",
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 50.0,
                        "PredefinedMetricSpecification": {
                            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                        },
                    },
                }
            ],
        }
    ]
    autoscaling.deregister(world.aas, world.clock, old)
    assert world.nothing_registered("ep", "AllTraffic")
    # WHEN it is restored
    world.restore(old)
    # THEN the target is back on DesiredInstanceCount as saved, not suspended, without scheduled actions
    [target] = world.snapshot()
    assert (target["ScalableDimension"], target["MinCapacity"], target["MaxCapacity"]) == (
        INSTANCE_COUNT,
        3,
        5,
    )
    assert not any(target["SuspendedState"].values())
    assert target["ScheduledActions"] == []
    assert same_autoscaling(old, [target]) == []


# ----------------------------------------------------------------------------------------- compare


def _base() -> list[dict[str, Any]]:
    return [
        {
            "ResourceId": "endpoint/ep/variant/a",
            "ScalableDimension": INSTANCE_COUNT,
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "SuspendedState": {"DynamicScalingInSuspended": False},
            "Policies": [
                {
                    "PolicyName": "p",
                    "PolicyType": "TargetTrackingScaling",
                    "PolicyARN": "arn:1",
                    "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0},
                }
            ],
            "ScheduledActions": [
                {
                    "ScheduledActionName": "s",
                    "Schedule": "cron(0 1 * * ? *)",
                    "StartTime": "2026-01-01T00:00:00+00:00",
                    "ScalableTargetAction": {"MinCapacity": 1},
                }
            ],
        }
    ]


def _changed(path: str, value: Any) -> list[dict[str, Any]]:
    data = copy.deepcopy(_base())
    node: Any = data[0]
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("MinCapacity", 2, "MinCapacity"),
        ("SuspendedState", {"ScheduledScalingSuspended": True}, "SuspendedState"),
        ("Policies.0.TargetTrackingScalingPolicyConfiguration", {"TargetValue": 60.0}, "'p'"),
        ("Policies.0.PolicyType", "StepScaling", "'p'"),
        ("ScheduledActions.0.Schedule", "cron(0 2 * * ? *)", "'s'"),
        ("ScheduledActions.0.StartTime", "2026-01-02T00:00:00+00:00", "'s'"),
        ("ScheduledActions", [], "'s'"),
        ("ScalableDimension", PROVISIONED_CONCURRENCY, "missing after"),
    ],
)
def test_same_autoscaling_reports_each_difference(path: str, value: Any, fragment: str) -> None:
    diffs = same_autoscaling(_base(), _changed(path, value))
    assert diffs and any(fragment in d for d in diffs)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("Policies.0.PolicyARN", "arn:2"),  # ARNs may change
        ("Policies.0.TargetTrackingScalingPolicyConfiguration", {"TargetValue": 70}),  # 70 == 70.0
        ("ScheduledActions.0.StartTime", "2026-01-01T01:00:00+01:00"),  # same instant
        ("SuspendedState", None),  # missing flags mean not suspended
    ],
)
def test_same_autoscaling_ignores_what_may_differ(path: str, value: Any) -> None:
    assert same_autoscaling(_base(), _changed(path, value)) == []
