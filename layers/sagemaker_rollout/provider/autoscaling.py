"""Save, deregister and restore Application Auto Scaling around a rollout.

SageMaker refuses an update that changes a variant's instance type (or removes the variant) while
the variant is registered as a scalable target (SageMaker developer guide, "Update endpoints that
use auto scaling"). The provider saves everything deregistration removes, deregisters the targets,
rolls out, and registers them again exactly as they were.

What deregistration removes (Application Auto Scaling API reference, DeregisterScalableTarget:
"Deregistering a scalable target deletes the scaling policies and the scheduled actions that are
associated with it"), hence what the snapshot holds, per scalable target:

- the target: ``MinCapacity``, ``MaxCapacity``, ``SuspendedState``;
- every scaling policy, whatever its type (SageMaker supports target tracking and step scaling;
  Application Auto Scaling user guide, "Amazon SageMaker AI and Application Auto Scaling");
- every scheduled action.

Both SageMaker variant dimensions are covered: ``sagemaker:variant:DesiredInstanceCount``
(instance-based variants) and ``sagemaker:variant:DesiredProvisionedConcurrency`` (provisioned
concurrency of serverless variants; RegisterScalableTarget API reference, ``ScalableDimension``).

The snapshot is a JSON-ready list (stored by the caller); one entry per scalable target::

    {"ResourceId": ..., "ScalableDimension": ..., "MinCapacity": ..., "MaxCapacity": ...,
     "SuspendedState": {...}, "Policies": [...], "ScheduledActions": [...]}

Entries written before ``ScalableDimension`` and ``ScheduledActions`` existed still restore: they
mean ``DesiredInstanceCount`` and no scheduled actions.

Every function is safe to repeat after a crash at any point: ``deregister`` accepts targets
already gone, ``restore`` puts targets, policies and actions by name (RegisterScalableTarget,
PutScalingPolicy and PutScheduledAction create *or update*; API reference of each), and re-points
alarms from the snapshot's policy ARN to the live one, which PutScalingPolicy keeps when it updates
an existing policy, so a second restore finds the alarms already pointing at it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sagemaker_rollout.clock import Clock
from sagemaker_rollout.planner import scalable_resource_id
from sagemaker_rollout.provider.aws import call, error_code, is_not_found
from sagemaker_rollout.sagemaker import (
    INSTANCE_COUNT_DIMENSION,
    PROVISIONED_CONCURRENCY_DIMENSION,
    SCALABLE_DIMENSIONS,
)

__all__ = [
    "INSTANCE_COUNT",
    "PROVISIONED_CONCURRENCY",
    "SCALABLE_DIMENSIONS",
    "AutoscalingRestoreError",
    "deregister",
    "registered_variants",
    "repoint_alarms",
    "restore",
    "same_autoscaling",
    "snapshot",
]

INSTANCE_COUNT = INSTANCE_COUNT_DIMENSION
PROVISIONED_CONCURRENCY = PROVISIONED_CONCURRENCY_DIMENSION

_NAMESPACE = "sagemaker"
_OLD_ARN = "PolicyARN"  # kept in the snapshot (not an argument of PutScalingPolicy)
_NOT_SUSPENDED = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": False,
}
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
_ACTION_FIELDS = ("Schedule", "Timezone", "StartTime", "EndTime", "ScalableTargetAction")
_CONSISTENCY_WINDOW = 60.0
"""Seconds to retry PutScalingPolicy / PutScheduledAction answering ObjectNotFoundException right
after RegisterScalableTarget (Application Auto Scaling is eventually consistent: the target can be
invisible to the next call for a short while)."""


class AutoscalingRestoreError(RuntimeError):
    """One or more scalable targets could not be registered again; the snapshot is in the logs."""


# ------------------------------------------------------------------------------------------- read


def _targets(client: Any, clock: Clock, resource_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The scalable targets of ``resource_ids`` on both SageMaker dimensions, exact matches only."""
    wanted = set(resource_ids)
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ServiceNamespace": _NAMESPACE, "ResourceIds": sorted(wanted)}
        if token:
            kwargs["NextToken"] = token
        page = call(clock, client.describe_scalable_targets, **kwargs)
        found.extend(
            t
            for t in page.get("ScalableTargets", [])
            if t.get("ResourceId") in wanted and t.get("ScalableDimension") in SCALABLE_DIMENSIONS
        )
        token = page.get("NextToken")
        if not token:
            return found


def _pages(
    clock: Clock, method: Callable[..., Any], key: str, resource_id: str, dimension: str
) -> list[dict[str, Any]]:
    """Every item of a paginated Describe* of one target, exact matches only."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "ServiceNamespace": _NAMESPACE,
            "ResourceId": resource_id,
            "ScalableDimension": dimension,
        }
        if token:
            kwargs["NextToken"] = token
        page = call(clock, method, **kwargs)
        items.extend(
            item
            for item in page.get(key, [])
            if item.get("ResourceId", resource_id) == resource_id
            and item.get("ScalableDimension", dimension) == dimension
        )
        token = page.get("NextToken")
        if not token:
            return items


def registered_variants(
    client: Any, clock: Clock, endpoint_name: str, variant_names: Iterable[str]
) -> frozenset[str]:
    """Which of ``variant_names`` are registered as scalable targets (on either SageMaker dimension)."""
    ids = {scalable_resource_id(endpoint_name, name): name for name in variant_names}
    if not ids:
        return frozenset()
    return frozenset(ids[str(t["ResourceId"])] for t in _targets(client, clock, sorted(ids)))


def snapshot(
    client: Any, clock: Clock, endpoint_name: str, variant_names: Sequence[str]
) -> list[dict[str, Any]]:
    """Everything deregistration of ``variant_names``' targets would remove, JSON-ready.

    Parameters
    ----------
    client:
        Application Auto Scaling client.
    clock:
        The provider's clock (retries wait on it).
    endpoint_name:
        The endpoint.
    variant_names:
        Variants to save (the planner's choice); targets of other variants are not read.

    Returns
    -------
    list of dict
        One entry per scalable target, sorted by ResourceId then dimension (see the module).
    """
    ids = [scalable_resource_id(endpoint_name, name) for name in variant_names]
    if not ids:
        return []
    saved = []
    targets = _targets(client, clock, ids)
    for target in sorted(targets, key=lambda t: (str(t["ResourceId"]), str(t["ScalableDimension"]))):
        resource_id, dimension = str(target["ResourceId"]), str(target["ScalableDimension"])
        policies = []
        for policy in _pages(
            clock, client.describe_scaling_policies, "ScalingPolicies", resource_id, dimension
        ):
            entry: dict[str, Any] = {"PolicyName": policy["PolicyName"], "PolicyType": policy["PolicyType"]}
            if policy.get("PolicyARN"):
                entry[_OLD_ARN] = policy["PolicyARN"]
            for key in _POLICY_CONFIGS:
                if policy.get(key) is not None:
                    entry[key] = _json_ready(policy[key])
            policies.append(entry)
        actions = []
        for action in _pages(
            clock, client.describe_scheduled_actions, "ScheduledActions", resource_id, dimension
        ):
            item = {"ScheduledActionName": action["ScheduledActionName"]}
            item.update({k: _json_ready(action[k]) for k in _ACTION_FIELDS if action.get(k) is not None})
            actions.append(item)
        saved.append(
            {
                "ResourceId": resource_id,
                "ScalableDimension": dimension,
                "MinCapacity": target["MinCapacity"],
                "MaxCapacity": target["MaxCapacity"],
                "SuspendedState": _suspended(target.get("SuspendedState")),
                "Policies": sorted(policies, key=lambda p: str(p["PolicyName"])),
                "ScheduledActions": sorted(actions, key=lambda a: str(a["ScheduledActionName"])),
            }
        )
    return saved


def _suspended(state: Mapping[str, Any] | None) -> dict[str, bool]:
    """A full ``SuspendedState``: a missing flag means not suspended (RegisterScalableTarget API ref)."""
    return {key: bool((state or {}).get(key, default)) for key, default in _NOT_SUSPENDED.items()}


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------------ write


def deregister(client: Any, clock: Clock, saved: Sequence[Mapping[str, Any]]) -> None:
    """Deregister the saved targets (their policies and scheduled actions go with them).

    A target already gone (ObjectNotFoundException) is fine: the call is safe to repeat.
    """
    for target in saved:
        try:
            call(
                clock,
                client.deregister_scalable_target,
                ServiceNamespace=_NAMESPACE,
                ResourceId=target["ResourceId"],
                ScalableDimension=_dimension(target),
            )
        except Exception as error:
            if not is_not_found(error):
                raise


def _dimension(target: Mapping[str, Any]) -> str:
    """The entry's dimension; snapshots older than the key saved only DesiredInstanceCount."""
    return str(target.get("ScalableDimension") or INSTANCE_COUNT)


def restore(
    client: Any,
    clock: Clock,
    saved: Sequence[Mapping[str, Any]],
    existing_variants: Iterable[str],
    endpoint_name: str,
    cloudwatch: Any = None,
    *,
    consistency_window: float = _CONSISTENCY_WINDOW,
) -> list[str]:
    """Register the saved targets, policies and scheduled actions again, for variants that still exist.

    A scaling policy re-created after deregistration gets a new ARN. CloudWatch alarms of the
    user's that acted on the old ARN (a step-scaling policy's alarm, e.g. scale-from-zero's
    ``HasBacklogWithoutCapacity``) are pointed at the live one, so the restored autoscaling works
    as before. Alarms Application Auto Scaling manages itself (target tracking) are recreated by it
    and left alone. Safe to repeat: every call creates or updates by name.

    Parameters
    ----------
    client, clock:
        Application Auto Scaling client and the provider's clock.
    saved:
        The snapshot.
    existing_variants:
        Variants of the endpoint now; targets of other variants are skipped.
    endpoint_name:
        The endpoint.
    cloudwatch:
        CloudWatch client for re-pointing alarms (``None``: do not re-point).
    consistency_window:
        Seconds during which ObjectNotFoundException after RegisterScalableTarget is retried.

    Returns
    -------
    list of str
        ResourceIds (one per snapshot entry) not restored because their variant no longer exists.

    Raises
    ------
    AutoscalingRestoreError
        When a target could not be restored for another reason (the others are still restored).
    """
    present = {scalable_resource_id(endpoint_name, name) for name in existing_variants}
    skipped, failed = [], []
    for target in saved:
        resource_id, dimension = str(target["ResourceId"]), _dimension(target)
        if resource_id not in present:
            skipped.append(resource_id)
            continue
        try:
            _restore_target(client, clock, target, resource_id, dimension, cloudwatch, consistency_window)
        except Exception as error:
            failed.append(f"{resource_id} ({error_code(error) or type(error).__name__})")
    if failed:
        raise AutoscalingRestoreError(f"autoscaling not restored for {', '.join(failed)}")
    return skipped


def _restore_target(
    client: Any,
    clock: Clock,
    target: Mapping[str, Any],
    resource_id: str,
    dimension: str,
    cloudwatch: Any,
    window: float,
) -> None:
    key = {"ServiceNamespace": _NAMESPACE, "ResourceId": resource_id, "ScalableDimension": dimension}
    # SuspendedState is always sent: on an existing target an omitted flag keeps its current value.
    call(
        clock,
        client.register_scalable_target,
        **key,
        MinCapacity=int(target["MinCapacity"]),
        MaxCapacity=int(target["MaxCapacity"]),
        SuspendedState=_suspended(target.get("SuspendedState")),
    )
    for policy in target.get("Policies", []):
        put = {**key, **{k: v for k, v in policy.items() if k != _OLD_ARN and v is not None}}
        new_arn = _after_register(clock, client.put_scaling_policy, put, window).get("PolicyARN")
        old_arn = policy.get(_OLD_ARN)
        if cloudwatch is not None and old_arn and new_arn and old_arn != new_arn:
            repoint_alarms(cloudwatch, clock, str(old_arn), str(new_arn))
    for action in target.get("ScheduledActions", []):
        put = {**key, **{k: v for k, v in action.items() if v is not None}}
        _after_register(clock, client.put_scheduled_action, put, window)


def _after_register(
    clock: Clock, method: Callable[..., Any], kwargs: Mapping[str, Any], window: float
) -> Any:
    """``call`` that also retries ObjectNotFoundException for ``window`` seconds after a registration.

    PutScalingPolicy answers ``ObjectNotFoundException: No scalable target registered for service
    namespace: ...`` when the target is not (yet) visible (PutScalingPolicy API reference, Errors);
    right after RegisterScalableTarget that is the eventual-consistency window, not a missing target.
    """
    start, delay = clock.now(), 1.0
    while True:
        try:
            return call(clock, method, **kwargs)
        except Exception as error:
            if error_code(error) != "ObjectNotFoundException" or clock.now() - start + delay > window:
                raise
            clock.sleep(delay)
            delay = min(delay * 2, 10.0)


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


# ---------------------------------------------------------------------------------------- compare


def same_autoscaling(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> list[str]:
    """Differences between two snapshots, in the contract's sense of "restored exactly".

    Compared: targets (ResourceId and dimension), min/max, suspended state, policy names, types and
    configurations, scheduled actions (name, schedule, time zone, start/end, min/max). Policy ARNs
    may differ. Old-format entries count as ``DesiredInstanceCount`` with no scheduled actions.

    Returns
    -------
    list of str
        One line per difference; empty when identical.
    """
    left, right = _by_target(before), _by_target(after)
    diffs = [f"{rid} {dim}: missing after" for rid, dim in sorted(left.keys() - right.keys())]
    diffs += [f"{rid} {dim}: not in before" for rid, dim in sorted(right.keys() - left.keys())]
    for key in sorted(left.keys() & right.keys()):
        a, b = left[key], right[key]
        where = f"{key[0]} {key[1]}"
        for field in ("MinCapacity", "MaxCapacity", "SuspendedState"):
            if a[field] != b[field]:
                diffs.append(f"{where}: {field} {a[field]!r} != {b[field]!r}")
        for kind in ("Policies", "ScheduledActions"):
            for name in sorted(a[kind].keys() | b[kind].keys()):
                x, y = a[kind].get(name), b[kind].get(name)
                if x != y:
                    diffs.append(f"{where}: {kind} {name!r} {x!r} != {y!r}")
    return diffs


def _by_target(saved: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for target in saved:
        policies = {
            str(p["PolicyName"]): _normal({k: v for k, v in p.items() if k not in (_OLD_ARN, "PolicyName")})
            for p in target.get("Policies", [])
        }
        actions = {
            str(a["ScheduledActionName"]): _normal(
                {
                    k: _instant(v) if k in ("StartTime", "EndTime") else v
                    for k, v in a.items()
                    if k != "ScheduledActionName"
                }
            )
            for a in target.get("ScheduledActions", [])
        }
        out[(str(target["ResourceId"]), _dimension(target))] = {
            "MinCapacity": int(target["MinCapacity"]),
            "MaxCapacity": int(target["MaxCapacity"]),
            "SuspendedState": _suspended(target.get("SuspendedState")),
            "Policies": policies,
            "ScheduledActions": actions,
        }
    return out


def _normal(value: Any) -> Any:
    """Drop ``None`` members, make numbers comparable (``70`` == ``70.0``), recursively."""
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def _instant(value: Any) -> Any:
    """A timestamp (datetime, ISO 8601 text or epoch seconds) as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return value
    return value
