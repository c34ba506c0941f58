"""Re-point CloudWatch alarms from a scaling policy's old ARN to the one it has after a restore.

Part of :mod:`sagemaker_rollout.aws.autoscaling`.

Only alarms of the request's own stack are touched: ``PutMetricAlarm`` replaces a whole alarm
(CloudWatch API reference, PutMetricAlarm: "When you update an existing alarm, its state is left
unchanged, but the update completely overwrites the previous configuration of the alarm"), so the
provider must never rewrite an alarm another stack or team defined. An alarm is the stack's when it
carries CloudFormation's stack-level tag ``aws:cloudformation:stack-id`` with the stack's id
(CloudFormation user guide, "Tag your CloudFormation resources": CloudFormation applies the
``aws:cloudformation:stack-name``, ``aws:cloudformation:logical-id`` and ``aws:cloudformation:stack-id``
tags to the resources it creates that support tags; ``AWS::CloudWatch::Alarm`` supports tags), read
with ``ListTagsForResource`` (CloudWatch API reference). Updating keeps the alarm's tags ("If you are
using this operation to update an existing alarm, any tags you specify in this parameter are
ignored"). Alarms Application Auto Scaling manages itself (``TargetTracking-*``) are never touched.

Re-pointing only bridges the time until CloudFormation catches up: CloudFormation still holds the
old ARN as the policy's physical id and would write it back at the alarm's next update. The macro
therefore names the policies its alarms act on after the endpoint's ``ScalingGeneration`` attribute,
so CloudFormation replaces them (and updates the alarms) in the same stack update (README, "Scaling
policies and their alarms").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import call, tags_of
from sagemaker_rollout.clock import Clock

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

__all__ = ["STACK_ID_TAG", "repoint_alarms"]

STACK_ID_TAG = "aws:cloudformation:stack-id"
"""CloudFormation's stack-level tag on the resources of a stack (see the module)."""

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


def repoint_alarms(
    cloudwatch: CloudWatchClient, clock: Clock, old_arn: str, new_arn: str, stack_id: str
) -> list[str]:
    """Replace ``old_arn`` by ``new_arn`` in the actions of the alarms of ``stack_id`` that name it.

    Returns
    -------
    list of str
        Names of the alarms updated (alarms of other stacks, or of none, are left as they are).
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
            if name.startswith(_MANAGED_ALARM_PREFIXES) or not stack_id:
                continue
            tags = tags_of(call(clock, cloudwatch.list_tags_for_resource, ResourceARN=str(alarm["AlarmArn"])))
            if tags.get(STACK_ID_TAG) != stack_id:
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
