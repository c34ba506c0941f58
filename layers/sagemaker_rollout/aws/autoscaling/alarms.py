"""Re-point CloudWatch alarms from a scaling policy's old ARN to the one it has after a restore.

Part of :mod:`sagemaker_rollout.aws.autoscaling`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import call
from sagemaker_rollout.clock import Clock

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

__all__ = ["repoint_alarms"]

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


def repoint_alarms(cloudwatch: CloudWatchClient, clock: Clock, old_arn: str, new_arn: str) -> list[str]:
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
