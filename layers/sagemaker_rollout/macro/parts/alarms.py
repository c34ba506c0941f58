"""Alarms: ``Variants[i].Alarms`` -> CloudWatch alarms named for the endpoint's rollback."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.naming import MAX_ALARM_NAME_SUFFIX, VARIANT_METRICS, alarm_name, alarm_suffix
from sagemaker_rollout.macro.parts.common import Expansion, Variant, text
from sagemaker_rollout.macro.schema import ALARM, ALARM_STATISTICS
from sagemaker_rollout.macro.values import is_intrinsic

__all__ = ["alarms"]

_PERCENTILE_RE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")
_SHORT_PERIODS = (10, 20, 30)
"""CloudWatch PutMetricAlarm ``Period``: 10, 20, 30 (high resolution) or a multiple of 60."""


def alarms(
    expansion: Expansion, logical_id: str, variant: Variant, endpoint_name: Any, alarm_actions: Any
) -> None:
    """Add the variant's alarms and record them for ``AutoRollbackConfiguration``."""
    if not variant.alarms:
        return
    scope = expansion.scope
    for metric, spec in variant.alarms.items():
        path = f"{variant.path}.Alarms.{metric}"
        namespace, default_statistic = VARIANT_METRICS[metric]
        if isinstance(spec, Mapping) and not is_intrinsic(spec):
            config = ALARM.mapping(scope, spec, path)
        else:
            config = {"Threshold": spec}
        ALARM.props["Threshold"].check(
            scope, config["Threshold"], f"{path}.Threshold" if config is spec else path
        )
        suffix = alarm_suffix(logical_id, variant.name, metric) if isinstance(variant.name, str) else ""
        if len(suffix) > MAX_ALARM_NAME_SUFFIX:
            raise scope.error(
                path,
                f"alarm name {suffix!r} is longer than {MAX_ALARM_NAME_SUFFIX} characters "
                "(with the stack name it would exceed CloudWatch's 255); shorten the "
                "logical id or the variant name",
            )
        properties: dict[str, Any] = {
            "AlarmName": alarm_name(logical_id, variant.name, metric),
            "AlarmDescription": text(f"{metric} of variant ", variant.name, f" of {logical_id}"),
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [
                {"Name": "EndpointName", "Value": endpoint_name},
                {"Name": "VariantName", "Value": variant.name},
            ],
        }
        statistic = default_statistic
        if "Statistic" in config:
            statistic = scope.string(config["Statistic"], f"{path}.Statistic", literal=True) or statistic
        if statistic in ALARM_STATISTICS:
            properties["Statistic"] = statistic
        elif _PERCENTILE_RE.match(statistic):
            properties["ExtendedStatistic"] = statistic
        else:
            raise scope.error(
                f"{path}.Statistic",
                f"must be one of {', '.join(ALARM_STATISTICS)} or a percentile like p99, got {statistic!r}",
            )
        period: Any = config.get("Period", ALARM.props["Period"].default)
        seconds = ALARM.read(scope, config, "Period", path, value=period)
        if seconds is not None and seconds not in _SHORT_PERIODS and seconds % 60:
            raise scope.error(f"{path}.Period", f"must be 10, 20, 30 or a multiple of 60, got {seconds}")
        properties["Period"] = period
        evaluation = config.get("EvaluationPeriods", ALARM.props["EvaluationPeriods"].default)
        evaluations = ALARM.read(scope, config, "EvaluationPeriods", path, value=evaluation)
        properties["EvaluationPeriods"] = evaluation
        if "DatapointsToAlarm" in config:
            datapoints = ALARM.read(scope, config, "DatapointsToAlarm", path)
            if datapoints is not None and evaluations is not None and datapoints > evaluations:
                raise scope.error(
                    path, f"DatapointsToAlarm {datapoints} is greater than EvaluationPeriods {evaluations}"
                )
            properties["DatapointsToAlarm"] = config["DatapointsToAlarm"]
        properties["Threshold"] = config["Threshold"]
        for key in ("ComparisonOperator", "TreatMissingData"):
            properties[key] = (
                ALARM.read(scope, config, key, path) if key in config else ALARM.props[key].default
            )
        if alarm_actions is not None:
            properties["AlarmActions"] = alarm_actions
        alarm_id = f"{logical_id}{variant.key}{metric}Alarm"
        expansion.add(alarm_id, "AWS::CloudWatch::Alarm", properties, variant.alarms_condition)
        expansion.rollback_alarm_ids.append(alarm_id)
        expansion.rollback_alarm_names.append(properties["AlarmName"])
        expansion.rollback_alarm_conditions.append(variant.alarms_condition)
