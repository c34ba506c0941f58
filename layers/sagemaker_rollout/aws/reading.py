"""Read what runs now: one endpoint as SageMaker and Application Auto Scaling describe it.

Shared by the provider's executor and ``sagemaker-rollout plan`` so that both plan from the same
:class:`~sagemaker_rollout.current.CurrentEndpoint`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws import autoscaling
from sagemaker_rollout.aws.calls import call, is_not_found, tags_of
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.current import CurrentEndpoint

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = ["describe_endpoint", "read_endpoint"]


def describe_endpoint(sm: SageMakerClient, clock: Clock, name: str) -> dict[str, Any] | None:
    """``DescribeEndpoint`` of ``name`` (retried on ``clock``), or None if it does not exist."""
    try:
        return dict(call(clock, sm.describe_endpoint, EndpointName=name))
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def read_endpoint(
    sm: SageMakerClient,
    aas: ApplicationAutoScalingClient,
    clock: Clock,
    name: str,
    *,
    on_missing_config: Callable[[str], None] | None = None,
) -> CurrentEndpoint | None:
    """What runs now on endpoint ``name``, or None if it does not exist.

    Parameters
    ----------
    sm, aas:
        boto3 clients of ``sagemaker`` and ``application-autoscaling``.
    clock:
        For retries of throttled calls.
    name:
        Endpoint name.
    on_missing_config:
        Called with the config name when the endpoint's config no longer exists (its variants are
        then taken from ``DescribeEndpoint``).
    """
    described = describe_endpoint(sm, clock, name)
    if described is None:
        return None
    tags = tags_of(call(clock, sm.list_tags, ResourceArn=described["EndpointArn"]))
    variants: tuple[Mapping[str, Any], ...] = ()
    config_arn = ""
    config: dict[str, Any] = {}
    async_inference = "AsyncInferenceConfig" in described
    try:
        config = call(clock, sm.describe_endpoint_config, EndpointConfigName=described["EndpointConfigName"])
        variants = tuple(config.get("ProductionVariants", []))
        config_arn = str(config.get("EndpointConfigArn", ""))
        config = dict(config)
        async_inference = async_inference or "AsyncInferenceConfig" in config
    except ClientError as error:
        if not is_not_found(error):
            raise
        if on_missing_config is not None:
            on_missing_config(str(described["EndpointConfigName"]))
    live = tuple(described.get("ProductionVariants", []))
    names = [str(v["VariantName"]) for v in (variants or live)]
    autoscaled = autoscaling.registered_variants(aas, clock, name, names)
    return CurrentEndpoint(
        name=name,
        status=str(described["EndpointStatus"]),
        config_name=str(described["EndpointConfigName"]),
        variants=variants,
        live_variants=live,
        tags=tags,
        autoscaled=autoscaled,
        failure_reason=described.get("FailureReason"),
        arn=str(described["EndpointArn"]),
        config_arn=config_arn,
        config=config,
        async_inference=async_inference,
    )
