"""Save, deregister and restore Application Auto Scaling around a rollout.

SageMaker refuses an update that changes a variant's instance type (or removes the variant) while
the variant is registered as a scalable target. The provider saves the targets and their policies
(a JSON snapshot carried in the continuation, so it survives the invocation that removed them),
deregisters them, rolls out, and registers them again exactly as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sagemaker_rollout.clock import Clock
from sagemaker_rollout.planner import SCALABLE_DIMENSION, scalable_resource_id
from sagemaker_rollout.provider.aws import call, error_code, is_not_found

__all__ = [
    "AutoscalingRestoreError",
    "deregister",
    "registered_variants",
    "repoint_alarms",
    "restore",
    "snapshot",
]

_NAMESPACE = "sagemaker"
_OLD_ARN = "PolicyARN"  # kept in the snapshot (not an argument of PutScalingPolicy)
_MANAGED_ALARM_PREFIXES = ("TargetTracking-", "PredictiveScaling-")  # owned by Application Auto Scaling
_ALARM_FIELDS = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)
_POLICY_CONFIGS = (
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)


class AutoscalingRestoreError(RuntimeError):
    """One or more scalable targets could not be registered again; the snapshot is in the logs."""


def registered_variants(
    client: Any, clock: Clock, endpoint_name: str, variant_names: Iterable[str]
) -> frozenset[str]:
    """Which of ``variant_names`` are registered as scalable targets."""
    ids = {scalable_resource_id(endpoint_name, name): name for name in variant_names}
    if not ids:
        return frozenset()
    response = call(
        clock,
        client.describe_scalable_targets,
        ServiceNamespace=_NAMESPACE,
        ResourceIds=sorted(ids),
        ScalableDimension=SCALABLE_DIMENSION,
    )
    return frozenset(
        ids[t["ResourceId"]] for t in response.get("ScalableTargets", []) if t["ResourceId"] in ids
    )


def snapshot(
    client: Any, clock: Clock, endpoint_name: str, variant_names: Sequence[str]
) -> list[dict[str, Any]]:
    """Targets (min, max, suspended state) and every policy of ``variant_names``, JSON-ready."""
    ids = [scalable_resource_id(endpoint_name, name) for name in variant_names]
    if not ids:
        return []
    targets = call(
        clock,
        client.describe_scalable_targets,
        ServiceNamespace=_NAMESPACE,
        ResourceIds=ids,
        ScalableDimension=SCALABLE_DIMENSION,
    ).get("ScalableTargets", [])
    saved = []
    for target in sorted(targets, key=lambda t: str(t["ResourceId"])):
        policies = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "ServiceNamespace": _NAMESPACE,
                "ResourceId": target["ResourceId"],
                "ScalableDimension": SCALABLE_DIMENSION,
            }
            if token:
                kwargs["NextToken"] = token
            page = call(clock, client.describe_scaling_policies, **kwargs)
            for policy in page.get("ScalingPolicies", []):
                entry = {"PolicyName": policy["PolicyName"], "PolicyType": policy["PolicyType"]}
                if policy.get("PolicyARN"):
                    entry[_OLD_ARN] = policy["PolicyARN"]
                for key in _POLICY_CONFIGS:
                    if key in policy:
                        entry[key] = _json_ready(policy[key])
                policies.append(entry)
            token = page.get("NextToken")
            if not token:
                break
        item: dict[str, Any] = {
            "ResourceId": target["ResourceId"],
            "MinCapacity": target["MinCapacity"],
            "MaxCapacity": target["MaxCapacity"],
            "Policies": sorted(policies, key=lambda p: str(p["PolicyName"])),
        }
        if target.get("SuspendedState"):
            item["SuspendedState"] = dict(target["SuspendedState"])
        saved.append(item)
    return saved


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def deregister(client: Any, clock: Clock, saved: Sequence[Mapping[str, Any]]) -> None:
    """Deregister the saved targets (their policies go with them); already gone is fine."""
    for target in saved:
        try:
            call(
                clock,
                client.deregister_scalable_target,
                ServiceNamespace=_NAMESPACE,
                ResourceId=target["ResourceId"],
                ScalableDimension=SCALABLE_DIMENSION,
            )
        except Exception as error:
            if not is_not_found(error):
                raise


def restore(
    client: Any,
    clock: Clock,
    saved: Sequence[Mapping[str, Any]],
    existing_variants: Iterable[str],
    endpoint_name: str,
    cloudwatch: Any = None,
) -> list[str]:
    """Register the saved targets and policies again, for variants that still exist.

    A re-created scaling policy gets a new ARN. CloudWatch alarms of the user's that acted on the
    old ARN (a step-scaling policy's alarm, e.g. scale-from-zero's ``HasBacklogWithoutCapacity``)
    are pointed at the new one, so the restored autoscaling works as before. Alarms Application
    Auto Scaling manages itself (target tracking) are recreated by it and left alone.

    Returns
    -------
    list of str
        ResourceIds not restored because their variant no longer exists.

    Raises
    ------
    AutoscalingRestoreError
        When a registration fails for another reason.
    """
    present = {scalable_resource_id(endpoint_name, name) for name in existing_variants}
    skipped, failed = [], []
    for target in saved:
        resource_id = str(target["ResourceId"])
        if resource_id not in present:
            skipped.append(resource_id)
            continue
        try:
            register: dict[str, Any] = {
                "ServiceNamespace": _NAMESPACE,
                "ResourceId": resource_id,
                "ScalableDimension": SCALABLE_DIMENSION,
                "MinCapacity": int(target["MinCapacity"]),
                "MaxCapacity": int(target["MaxCapacity"]),
            }
            if target.get("SuspendedState"):
                register["SuspendedState"] = dict(target["SuspendedState"])
            call(clock, client.register_scalable_target, **register)
            for policy in target.get("Policies", []):
                put = {
                    "ServiceNamespace": _NAMESPACE,
                    "ResourceId": resource_id,
                    "ScalableDimension": SCALABLE_DIMENSION,
                    **{k: v for k, v in policy.items() if k != _OLD_ARN},
                }
                new_arn = call(clock, client.put_scaling_policy, **put).get("PolicyARN")
                old_arn = policy.get(_OLD_ARN)
                if cloudwatch is not None and old_arn and new_arn and old_arn != new_arn:
                    repoint_alarms(cloudwatch, clock, str(old_arn), str(new_arn))
        except Exception as error:
            failed.append(f"{resource_id} ({error_code(error) or type(error).__name__})")
    if failed:
        raise AutoscalingRestoreError(f"autoscaling not restored for {', '.join(failed)}")
    return skipped


def repoint_alarms(cloudwatch: Any, clock: Clock, old_arn: str, new_arn: str) -> list[str]:
    """Replace ``old_arn`` by ``new_arn`` in the actions of the alarms that name it.

    Returns
    -------
    list of str
        Names of the alarms updated.
    """
    updated = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ActionPrefix": old_arn, "AlarmTypes": ["MetricAlarm"]}
        if token:
            kwargs["NextToken"] = token
        page = call(clock, cloudwatch.describe_alarms, **kwargs)
        for alarm in page.get("MetricAlarms", []):
            name = str(alarm["AlarmName"])
            if name.startswith(_MANAGED_ALARM_PREFIXES):
                continue
            definition = {key: alarm[key] for key in _ALARM_FIELDS if key in alarm}
            for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
                if key in definition:
                    definition[key] = [new_arn if action == old_arn else action for action in definition[key]]
            call(clock, cloudwatch.put_metric_alarm, **definition)
            updated.append(name)
        token = page.get("NextToken")
        if not token:
            return updated
