"""Read Application Auto Scaling into the snapshot, and compare two snapshots.

Part of :mod:`sagemaker_rollout.aws.autoscaling` (its docstring describes the snapshot).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import call
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.sagemaker import (
    INSTANCE_COUNT_DIMENSION,
    PROVISIONED_CONCURRENCY_DIMENSION,
    SCALABLE_DIMENSIONS,
    scalable_resource_id,
)

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient

__all__ = [
    "INSTANCE_COUNT",
    "PROVISIONED_CONCURRENCY",
    "SCALABLE_DIMENSIONS",
    "registered_variants",
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
_POLICY_CONFIGS = (
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)
_ACTION_FIELDS = ("Schedule", "Timezone", "StartTime", "EndTime", "ScalableTargetAction")


# ------------------------------------------------------------------------------------------- read


def _targets(
    client: ApplicationAutoScalingClient, clock: Clock, resource_ids: Sequence[str]
) -> list[dict[str, Any]]:
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
    client: ApplicationAutoScalingClient, clock: Clock, endpoint_name: str, variant_names: Iterable[str]
) -> frozenset[str]:
    """Which of ``variant_names`` are registered as scalable targets (on either SageMaker dimension)."""
    ids = {scalable_resource_id(endpoint_name, name): name for name in variant_names}
    if not ids:
        return frozenset()
    return frozenset(ids[str(t["ResourceId"])] for t in _targets(client, clock, sorted(ids)))


def snapshot(
    client: ApplicationAutoScalingClient, clock: Clock, endpoint_name: str, variant_names: Sequence[str]
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


def _dimension(target: Mapping[str, Any]) -> str:
    """The entry's dimension; snapshots older than the key saved only DesiredInstanceCount."""
    return str(target.get("ScalableDimension") or INSTANCE_COUNT)


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
