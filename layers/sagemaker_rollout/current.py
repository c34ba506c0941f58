"""What runs now: one endpoint as SageMaker and Application Auto Scaling describe it (domain).

A plain record, no AWS: :func:`sagemaker_rollout.aws.reading.read_endpoint` fills it from
``DescribeEndpoint``, ``DescribeEndpointConfig``, ``ListTags`` and ``DescribeScalableTargets``; the
planner (:mod:`sagemaker_rollout.planner`) decides from it. Endpoint statuses: SageMaker API
reference, DescribeEndpoint ``EndpointStatus`` (``OutOfService | Creating | Updating |
SystemUpdating | RollingBack | InService | Deleting | Failed | UpdateRollbackFailed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BUSY_STATUSES", "CurrentEndpoint"]

BUSY_STATUSES = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
"""Statuses in which SageMaker refuses an UpdateEndpoint or DeleteEndpoint: the endpoint is waited for."""


@dataclass(frozen=True)
class CurrentEndpoint:
    """What runs now, as read from SageMaker and Application Auto Scaling.

    Attributes
    ----------
    name:
        Endpoint name.
    status:
        ``EndpointStatus``.
    config_name:
        Endpoint config in use.
    variants:
        ProductionVariants of that config (``DescribeEndpointConfig``); empty if the config is gone.
    live_variants:
        ``DescribeEndpoint`` variants (current counts and weights).
    tags:
        Tags on the endpoint.
    autoscaled:
        Names of variants registered as scalable targets.
    failure_reason:
        ``FailureReason`` if SageMaker reports one.
    arn, config_arn:
        ARNs of the endpoint and of its config ("" if the config is gone).
    async_inference:
        Whether the running config has an ``AsyncInferenceConfig`` (an update cannot remove it).
    """

    name: str
    status: str
    config_name: str
    variants: tuple[Mapping[str, Any], ...] = ()
    live_variants: tuple[Mapping[str, Any], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    autoscaled: frozenset[str] = frozenset()
    failure_reason: str | None = None
    arn: str = ""
    config_arn: str = ""
    async_inference: bool = False
    config: Mapping[str, Any] = field(default_factory=dict)
    """The running config as ``DescribeEndpointConfig`` returns it (empty if it is gone)."""

    @property
    def busy(self) -> bool:
        """Whether SageMaker refuses an update now (it must be waited for)."""
        return self.status in BUSY_STATUSES
