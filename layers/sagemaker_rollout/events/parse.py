"""SageMaker's endpoint events and the provider's wake-up messages, read into typed values.

SageMaker developer guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge": the
"SageMaker Endpoint State Change" and "SageMaker Endpoint Deployment State Change" events carry
``detail.EndpointName``, ``EndpointConfigName``, ``EndpointStatus`` (upper snake case in the guide's
examples: ``IN_SERVICE``, ``UPDATING``), ``LastModifiedTime`` (epoch milliseconds) and, for a
deployment, ``PendingDeploymentSummary`` (its ``EndpointConfigName`` and each variant's
``VariantStatus``); the envelope's ``time`` is ISO 8601 in one example and epoch milliseconds in the
other: both are read. Whatever an event says is a hint (:class:`~sagemaker_rollout.planner.wakeup.Hint`),
never trusted: the provider reads the endpoint before it acts on anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sagemaker_rollout.planner.wakeup import Hint
from sagemaker_rollout.sagemaker import is_valid_name

__all__ = ["DETAIL_TYPES", "SOURCE", "endpoint_hint", "is_sagemaker_event"]

SOURCE = "aws.sagemaker"
DETAIL_TYPES = frozenset({"SageMaker Endpoint State Change", "SageMaker Endpoint Deployment State Change"})
_STATUSES = {
    "OUT_OF_SERVICE": "OutOfService",
    "CREATING": "Creating",
    "UPDATING": "Updating",
    "SYSTEM_UPDATING": "SystemUpdating",
    "ROLLING_BACK": "RollingBack",
    "IN_SERVICE": "InService",
    "DELETING": "Deleting",
    "FAILED": "Failed",
    "UPDATE_ROLLBACK_FAILED": "UpdateRollbackFailed",
}
"""The events' status names -> DescribeEndpoint's ``EndpointStatus`` (DescribeEndpoint API reference)."""


def is_sagemaker_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is shaped like one of SageMaker's two endpoint events (not whether it is one)."""
    return event.get("source") == SOURCE and event.get("detail-type") in DETAIL_TYPES


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    if isinstance(value, str) and value:
        text = value.strip()
        if text.replace(".", "", 1).isdigit():
            return _seconds(float(text))
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def endpoint_hint(
    event: Mapping[str, Any], *, received: float, account: str | None = None, region: str | None = None
) -> tuple[str, Hint] | None:
    """(endpoint name, what the event claims) of a SageMaker endpoint event, or None.

    None for anything else: another source or detail type, another account or region than the
    function's (when given), a missing or invalid endpoint name, an unknown status. The hint's time
    is the event's own (``time``, else ``LastModifiedTime``), never later than ``received``.
    """
    if not is_sagemaker_event(event):
        return None
    if (account and event.get("account") != account) or (region and event.get("region") != region):
        return None
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        return None
    name = detail.get("EndpointName")
    if not isinstance(name, str) or not is_valid_name(name):
        return None
    raw = str(detail.get("EndpointStatus", ""))
    status = _STATUSES.get(raw, raw if raw in _STATUSES.values() else "")
    if not status:
        return None
    at = _seconds(event.get("time"))
    if at is None:
        at = _seconds(detail.get("LastModifiedTime"))
    pending = detail.get("PendingDeploymentSummary")
    pending_config, stage = "", ""
    if isinstance(pending, Mapping):
        pending_config = str(pending.get("EndpointConfigName") or "")
        for variant in pending.get("ProductionVariants") or []:
            statuses = variant.get("VariantStatus") if isinstance(variant, Mapping) else None
            if isinstance(statuses, list) and statuses and isinstance(statuses[0], Mapping):
                stage = str(statuses[0].get("Status") or "")
                break
    config = detail.get("EndpointConfigName")
    return name, Hint(
        min(at if at is not None else received, received),
        status,
        config if isinstance(config, str) else "",
        pending_config,
        stage,
    )
