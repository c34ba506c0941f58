"""SageMaker's own rules, written once: names, scalable resource ids and dimensions, variant metrics,
deployment-guardrail limits.

Every other module of the runtime, the tools and the macro reads these facts from here. The
simulator (:mod:`sagemaker_rollout_testing.simulator`) keeps its own, independent copy on purpose:
it is the oracle the provider is tested against, so a mistake here must not also be the oracle's.

Sources (SageMaker API reference unless said otherwise):

- Names: CreateEndpoint ``EndpointName``, CreateEndpointConfig ``EndpointConfigName``,
  ProductionVariant ``VariantName``: "Length Constraints: Maximum length of 63. Pattern:
  ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``".
- Scalable targets: Application Auto Scaling API reference, RegisterScalableTarget ``ResourceId``
  ("SageMaker endpoint variant - The resource type is variant and the unique identifier is the
  resource ID. Example: ``endpoint/my-end-point/variant/KMeansClustering``") and
  ``ScalableDimension`` (``sagemaker:variant:DesiredInstanceCount``,
  ``sagemaker:variant:DesiredProvisionedConcurrency``).
- Metrics: developer guide, "Monitor Amazon SageMaker AI with Amazon CloudWatch" (endpoint
  invocation metrics in ``AWS/SageMaker``, instance metrics in ``/aws/sagemaker/Endpoints``, both
  with the dimensions ``EndpointName`` and ``VariantName``); Application Auto Scaling API reference,
  PredefinedMetricSpecification (``SageMakerVariantInvocationsPerInstance``,
  ``SageMakerVariantProvisionedConcurrencyUtilization``).
- Guardrails: TrafficRoutingConfig (``CanarySize`` at most 50 % of the variant's instances,
  ``LinearStepSize`` 10-50 %, ``WaitIntervalInSeconds`` 0-3600), RollingUpdatePolicy
  (``MaximumBatchSize`` 5-50 %, ``WaitIntervalInSeconds`` 0-3600,
  ``MaximumExecutionTimeoutInSeconds`` 600-14400), BlueGreenUpdatePolicy
  (``TerminationWaitInSeconds`` 0-3600, ``MaximumExecutionTimeoutInSeconds`` 600-28800).
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = [
    "BLUE_GREEN_TIMEOUT_RANGE",
    "CANARY_PERCENT_RANGE",
    "INSTANCE_COUNT_DIMENSION",
    "INSTANCE_NAMESPACE",
    "INVOCATION_NAMESPACE",
    "LINEAR_PERCENT_RANGE",
    "MAX_NAME_LENGTH",
    "NAME_PATTERN",
    "NAME_RE",
    "PROVISIONED_CONCURRENCY_DIMENSION",
    "ROLLING_BATCH_PERCENT_RANGE",
    "ROLLING_TIMEOUT_RANGE",
    "SCALABLE_DIMENSIONS",
    "SERVICE_NAMESPACE",
    "TERMINATION_WAIT_RANGE",
    "VARIANT_METRICS",
    "WAIT_INTERVAL_RANGE",
    "is_intrinsic",
    "is_valid_name",
    "scalable_resource_id",
    "variant_of_resource_id",
]

NAME_PATTERN: Final = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
"""Endpoint, endpoint-config and variant names (API reference: CreateEndpoint, ProductionVariant)."""
NAME_RE: Final = re.compile(NAME_PATTERN)
MAX_NAME_LENGTH: Final = 63

SERVICE_NAMESPACE: Final = "sagemaker"
"""Application Auto Scaling's ``ServiceNamespace`` for SageMaker."""
INSTANCE_COUNT_DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"
PROVISIONED_CONCURRENCY_DIMENSION: Final = "sagemaker:variant:DesiredProvisionedConcurrency"
SCALABLE_DIMENSIONS: Final = (INSTANCE_COUNT_DIMENSION, PROVISIONED_CONCURRENCY_DIMENSION)
"""The scalable dimensions of a SageMaker variant (instance-based, serverless)."""

INVOCATION_NAMESPACE: Final = "AWS/SageMaker"
INSTANCE_NAMESPACE: Final = "/aws/sagemaker/Endpoints"
VARIANT_METRICS: Final[dict[str, tuple[str, str]]] = {
    "Invocations": (INVOCATION_NAMESPACE, "Sum"),
    "Invocation4XXErrors": (INVOCATION_NAMESPACE, "Sum"),
    "Invocation5XXErrors": (INVOCATION_NAMESPACE, "Sum"),
    "InvocationModelErrors": (INVOCATION_NAMESPACE, "Sum"),
    "InvocationsPerInstance": (INVOCATION_NAMESPACE, "Sum"),
    "ModelLatency": (INVOCATION_NAMESPACE, "Average"),
    "OverheadLatency": (INVOCATION_NAMESPACE, "Average"),
    "CPUUtilization": (INSTANCE_NAMESPACE, "Average"),
    "MemoryUtilization": (INSTANCE_NAMESPACE, "Average"),
    "DiskUtilization": (INSTANCE_NAMESPACE, "Average"),
    "GPUUtilization": (INSTANCE_NAMESPACE, "Average"),
    "GPUMemoryUtilization": (INSTANCE_NAMESPACE, "Average"),
}
"""Variant metric -> (namespace, usual statistic); dimensions ``EndpointName`` and ``VariantName``."""

CANARY_PERCENT_RANGE: Final = (0, 50)
"""``CanarySize`` as a share of the variant's instances: above 0 %, at most 50 %."""
LINEAR_PERCENT_RANGE: Final = (10, 50)
"""``LinearStepSize`` as a share of the variant's instances: 10-50 %."""
ROLLING_BATCH_PERCENT_RANGE: Final = (5, 50)
"""Rolling ``MaximumBatchSize`` as a share of the variant's instances: 5-50 %."""
WAIT_INTERVAL_RANGE: Final = (0, 3600)
INVOKE_TIMEOUT_SECONDS: Final = 60
"""InvokeEndpoint: "A customer's model containers must respond to requests within 60 seconds" (SageMaker
API reference, InvokeEndpoint)."""
"""``WaitIntervalInSeconds`` of TrafficRoutingConfig and RollingUpdatePolicy."""
TERMINATION_WAIT_RANGE: Final = (0, 3600)
"""BlueGreenUpdatePolicy ``TerminationWaitInSeconds``."""
BLUE_GREEN_TIMEOUT_RANGE: Final = (600, 28800)
"""BlueGreenUpdatePolicy ``MaximumExecutionTimeoutInSeconds``."""
ROLLING_TIMEOUT_RANGE: Final = (600, 14400)
"""RollingUpdatePolicy ``MaximumExecutionTimeoutInSeconds``."""

_RESOURCE_ID_RE: Final = re.compile(r"^endpoint/(?P<endpoint>[^/]+)/variant/(?P<variant>[^/]+)$")


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid endpoint, endpoint-config or variant name."""
    return bool(NAME_RE.match(name))


def is_intrinsic(value: Any) -> bool:
    """Whether ``value`` is a CloudFormation intrinsic function (``{"Ref": ...}``, ``{"Fn::...": ...}``).

    CloudFormation user guide, "Intrinsic function reference": a one-key object whose key is ``Ref``
    or starts with ``Fn::`` (``Fn::If``, ``Fn::Sub``, ...), plus ``Condition`` inside conditions.
    """
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::") or key == "Condition")


def scalable_resource_id(endpoint_name: str, variant_name: str) -> str:
    """Application Auto Scaling's ``ResourceId`` of a variant: ``endpoint/<endpoint>/variant/<variant>``."""
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def variant_of_resource_id(resource_id: str) -> tuple[str, str] | None:
    """``endpoint/E/variant/V`` -> ``(E, V)``; None for any other resource id."""
    match = _RESOURCE_ID_RE.match(resource_id)
    return (match["endpoint"], match["variant"]) if match else None
