"""A simulated account for provider scenarios: clients, models, a rollback alarm, helpers.

Shared by the provider, policy-coverage and plan tests (fixture ``world`` in this folder's
conftest).
"""

from __future__ import annotations

import json
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
TARGET = "endpoint/{}/variant/{}"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
ALARM = "classifier-model-a-latency"
MUTATING = {
    "CreateEndpoint",
    "CreateEndpointConfig",
    "UpdateEndpoint",
    "DeleteEndpoint",
    "DeleteEndpointConfig",
    "AddTags",
    "DeleteTags",
}


class World:
    """Clients, models and helpers around one simulated account."""

    def __init__(self, driver: Any, sim: Any, session: Any, clock: Any, faults: Any = None) -> None:
        self.driver, self.sim, self.clock, self.faults = driver, sim, clock, faults
        self.session = session
        self._alarm_timers: list[Any] = []
        self.sm = session.client("sagemaker")
        self.aas = session.client("application-autoscaling")
        self.cw = session.client("cloudwatch")
        self.events = session.client("events")
        for model in ("model-a-v1", "model-a-v2", "model-a-v3", "model-b-v1", "model-c-v1"):
            self.sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
        self.cw.put_metric_alarm(
            AlarmName=ALARM,
            Namespace="AWS/SageMaker",
            MetricName="ModelLatency",
            Dimensions=[
                {"Name": "EndpointName", "Value": "classifier"},
                {"Name": "VariantName", "Value": "model-a"},
            ],
            ExtendedStatistic="p99",
            Period=60,
            EvaluationPeriods=1,
            Threshold=500000,
            ComparisonOperator="GreaterThanThreshold",
        )

    # ---- properties ------------------------------------------------------------------------
    @staticmethod
    def props(
        model_a: str = "model-a-v1",
        instance_type: str = "ml.c5.xlarge",
        *,
        name: str | None = "classifier",
        wait: int = 300,
        alarms: bool = True,
        tags: dict[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        props: dict[str, Any] = {
            "ProductionVariants": [
                {
                    "VariantName": "model-a",
                    "ModelName": model_a,
                    "InstanceType": instance_type,
                    "InitialInstanceCount": 2,
                    "InitialVariantWeight": 2,
                },
                {
                    "VariantName": "model-b",
                    "ModelName": "model-b-v1",
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 2,
                    "InitialVariantWeight": 1,
                },
            ],
            "DeploymentConfig": {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": wait,
                        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    }
                }
            },
        }
        if alarms:
            props["DeploymentConfig"]["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": ALARM}]}
        if name is not None:
            props["EndpointName"] = name
        if tags is not None:
            props["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        props.update(extra)
        return props

    # ---- autoscaling ---------------------------------------------------------------------
    def autoscale(self, endpoint: str = "classifier", variant: str = "model-a") -> None:
        """Target tracking on two metrics, with scale-in suspended (the state must survive too)."""
        resource = TARGET.format(endpoint, variant)
        self.aas.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            MinCapacity=2,
            MaxCapacity=6,
            SuspendedState={
                "DynamicScalingInSuspended": True,
                "DynamicScalingOutSuspended": False,
                "ScheduledScalingSuspended": False,
            },
        )
        self.aas.put_scaling_policy(
            PolicyName=f"{variant}-invocations",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        )
        self.aas.put_scaling_policy(
            PolicyName=f"{variant}-cpu",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 60.0,
                "CustomizedMetricSpecification": {
                    "MetricName": "CPUUtilization",
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": endpoint},
                        {"Name": "VariantName", "Value": variant},
                    ],
                    "Statistic": "Average",
                },
            },
        )

    def autoscale_step(
        self, endpoint: str = "classifier", variant: str = "model-a", *, stack_id: str | None = None
    ) -> str:
        """A step-scaling policy and the stack's alarm that triggers it (as scale-from-zero does).

        The alarm carries CloudFormation's ``aws:cloudformation:stack-id`` tag of ``stack_id`` (default:
        the driver's stack, as when the same stack defines it; '' for no tag). Returns its name.
        """
        resource = TARGET.format(endpoint, variant)
        arn = self.aas.put_scaling_policy(
            PolicyName=f"{variant}-from-zero",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="StepScaling",
            StepScalingPolicyConfiguration={
                "AdjustmentType": "ChangeInCapacity",
                "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
                "Cooldown": 300,
            },
        )["PolicyARN"]
        name = f"{endpoint}-{variant}-backlog-without-capacity"
        self.cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName="HasBacklogWithoutCapacity",
            Dimensions=[{"Name": "EndpointName", "Value": endpoint}],
            Statistic="Average",
            Period=60,
            EvaluationPeriods=2,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[arn],
            **self.stack_tags(self.driver.stack_id if stack_id is None else stack_id),
        )
        return name

    @staticmethod
    def stack_tags(stack_id: str) -> dict[str, Any]:
        """``Tags`` of a resource CloudFormation created in ``stack_id`` (none for '')."""
        return {"Tags": [{"Key": "aws:cloudformation:stack-id", "Value": stack_id}]} if stack_id else {}

    def policy_arns(self, endpoint: str = "classifier", variant: str = "model-a") -> dict[str, str]:
        policies = self.aas.describe_scaling_policies(
            ServiceNamespace="sagemaker", ResourceId=TARGET.format(endpoint, variant)
        )["ScalingPolicies"]
        return {p["PolicyName"]: p["PolicyARN"] for p in policies}

    def scaling(self, endpoint: str = "classifier") -> list[dict[str, Any]]:
        """Targets and policies of the endpoint, without fields AWS regenerates (ARNs, times)."""
        targets = self.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
        result = []
        for target in sorted(targets, key=lambda t: t["ResourceId"]):
            if not target["ResourceId"].startswith(f"endpoint/{endpoint}/"):
                continue
            policies = self.aas.describe_scaling_policies(
                ServiceNamespace="sagemaker", ResourceId=target["ResourceId"]
            )
            result.append(
                {
                    "ResourceId": target["ResourceId"],
                    "Min": target["MinCapacity"],
                    "Max": target["MaxCapacity"],
                    "Suspended": target.get("SuspendedState"),
                    "Policies": sorted(
                        (
                            p["PolicyName"],
                            p["PolicyType"],
                            json.dumps(p.get("TargetTrackingScalingPolicyConfiguration"), sort_keys=True),
                            json.dumps(p.get("StepScalingPolicyConfiguration"), sort_keys=True),
                        )
                        for p in policies["ScalingPolicies"]
                    ),
                }
            )
        return result

    # ---- the journal -----------------------------------------------------------------------------
    def journal(self) -> Any:
        from sagemaker_rollout.journal import Journal

        return Journal(self.session.client("dynamodb"), self.driver.journal_table, self.clock)

    def history(self, endpoint: str = "classifier") -> list[dict[str, Any]]:
        return list(self.journal().history(endpoint))

    # ---- reading -------------------------------------------------------------------------------
    def configs(self) -> list[str]:
        return sorted(c["EndpointConfigName"] for c in self.sm.list_endpoint_configs()["EndpointConfigs"])

    def endpoint(self, name: str = "classifier") -> dict[str, Any]:
        return dict(self.sm.describe_endpoint(EndpointName=name))

    def tags(self, arn: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in self.sm.list_tags(ResourceArn=arn)["Tags"]}

    def alarm_at(self, delay: float, state: str = "ALARM") -> None:
        """Set the rollback alarm ``delay`` simulated seconds from now (during the rollout)."""

        def fire() -> None:
            self.cw.set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason=f"test set {state}")

        self._alarm_timers.append(self.clock.call_later(delay, fire))

    def cancel_alarms(self) -> None:
        """Cancel every alarm :meth:`alarm_at` set that has not fired yet (a fault is armed for one
        request: one left over must not fire during the next)."""
        for timer in self._alarm_timers:
            timer.cancel()
        self._alarm_timers.clear()

    def mutations(self) -> int:
        return sum(self.sim.calls[op] for op in MUTATING)

    def create(self, **kwargs: Any) -> Any:
        response = self.driver.create(self.props(**kwargs), logical_id="Classifier")
        assert response.status == "SUCCESS", response.reason
        return response


def check_response_limits(response: Any) -> None:
    assert response.body_size < 4096
    assert len(response.reason) <= 256
    assert "\n" not in response.reason
