"""The provider's brake: one CloudWatch alarm in a guarded rollout's ``AutoRollbackConfiguration``.

SageMaker has no call that cancels an UpdateEndpoint; its only brake is an alarm: "If any alarms
are tripped during a deployment, SageMaker rolls back the deployment" (SageMaker API reference,
AutoRollbackConfig; developer guide, "Auto-Rollback Configuration and Monitoring"). The provider
adds one alarm of its own beside the user's (at most 10 in all: API reference, AutoRollbackConfig
``Alarms``), created before the UpdateEndpoint and deleted when the request ends.

The alarm watches a metric nobody writes (:data:`NAMESPACE`, :data:`METRIC`): with
``TreatMissingData`` ``notBreaching`` it stays ``OK``; tripping re-puts the same alarm with
``breaching``, and with no datapoint ever arriving it goes to ``ALARM`` and **stays** there (it
latches) until the provider re-puts or deletes it. PutMetricAlarm on an existing name replaces the
whole alarm ("the update completely overwrites the previous configuration of the alarm": CloudWatch
API reference, PutMetricAlarm), so arming and tripping are each safe to repeat. Not
``SetAlarmState``: CloudWatch returns the alarm to its actual state at its next evaluation
(CloudWatch API reference, SetAlarmState: "the alarm state ... returns to its actual state (often
within seconds)").

CloudWatch evaluates a metric alarm every period (CloudWatch user guide, "Using Amazon CloudWatch
alarms"; ``TreatMissingData``: "Configuring how CloudWatch alarms treat missing data"), so a trip
shows as ``ALARM`` within about :data:`PERIOD` seconds (the deadline rule's evaluation delay,
:data:`sagemaker_rollout.spec.deadline.ALARM_EVALUATION_SECONDS`, counts it).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, is_not_found
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

__all__ = ["METRIC", "NAMESPACE", "PERIOD", "arm", "remove", "trip", "with_brake"]

NAMESPACE = "SageMakerRollout/Brake"
"""The brake's metric namespace: the provider never writes to it (so its data is always missing)."""
METRIC = "Tripped"
PERIOD = 60
"""Seconds of the alarm's one evaluation period (CloudWatch API reference, PutMetricAlarm ``Period``:
10, 30, or any multiple of 60)."""


def _put(
    cw: CloudWatchClient, clock: Clock, name: str, endpoint: str, missing: str, tags: Sequence[Any]
) -> None:
    if not name.startswith(BRAKE_ALARM_PREFIX):  # never replace an alarm the provider did not name
        raise ValueError(f"{name} is not a brake alarm name")
    arguments: dict[str, Any] = {
        "AlarmName": name,
        "AlarmDescription": (
            f"sagemaker-rollout's brake for the rollout of endpoint {endpoint}: ALARM makes SageMaker roll "
            "the deployment back. Created and deleted by the provider."
        ),
        "ActionsEnabled": False,
        "Namespace": NAMESPACE,
        "MetricName": METRIC,
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}],
        "Statistic": "Maximum",
        "Period": PERIOD,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": missing,
    }
    if tags:
        # Tags apply when the alarm is created, and need cloudwatch:TagResource then (CloudWatch API
        # reference, PutMetricAlarm ``Tags``); on an existing alarm they are ignored.
        arguments["Tags"] = [dict(t) for t in tags]
    call(clock, cw.put_metric_alarm, **cast("Any", arguments))


def arm(
    cw: CloudWatchClient, clock: Clock, name: str, endpoint: str, tags: Sequence[Mapping[str, str]]
) -> None:
    """Create (or re-put) the brake released: ``OK`` while its metric has no data. Only before the
    rollout's UpdateEndpoint: on a tripped brake this would release it."""
    _put(cw, clock, name, endpoint, "notBreaching", tags)


def trip(
    cw: CloudWatchClient, clock: Clock, name: str, endpoint: str, tags: Sequence[Mapping[str, str]]
) -> None:
    """Trip the brake: the same alarm with missing data treated as breaching (latches in ``ALARM``)."""
    _put(cw, clock, name, endpoint, "breaching", tags)


def remove(cw: CloudWatchClient, clock: Clock, name: str) -> bool:
    """Delete the brake; False when it did not exist (already deleted: a retry, or never created).

    DeleteAlarms answers ``ResourceNotFound`` for a name that does not exist (CloudWatch API reference,
    DeleteAlarms, Errors).
    """
    if not name.startswith(BRAKE_ALARM_PREFIX):  # never delete what the provider did not create
        raise ValueError(f"{name} is not a brake alarm name")
    try:
        call(clock, cw.delete_alarms, AlarmNames=[name])
    except ClientError as error:
        if is_not_found(error):
            return False
        raise
    return True


def with_brake(deployment_config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``deployment_config`` with the brake beside the user's alarms in ``AutoRollbackConfiguration``
    (added once; the user's config is not changed)."""
    config = copy.deepcopy(dict(deployment_config))
    auto = dict(config.get("AutoRollbackConfiguration") or {})
    alarms = [dict(a) for a in auto.get("Alarms") or [] if isinstance(a, Mapping)]
    if all(a.get("AlarmName") != name for a in alarms):
        alarms.append({"AlarmName": name})
    auto["Alarms"] = alarms
    config["AutoRollbackConfiguration"] = auto
    return config
