"""Read what runs now: one endpoint as SageMaker and Application Auto Scaling describe it.

Shared by the provider's executor and ``sagemaker-rollout plan`` so that both plan from the same
:class:`~sagemaker_rollout.current.CurrentEndpoint`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws import autoscaling
from sagemaker_rollout.aws.calls import call, error_code, is_not_found, tags_of
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.current import CurrentEndpoint

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = ["DENIED", "describe_endpoint", "read_endpoint", "scan_config_users"]

DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
"""Error codes of a call the caller's role may not make."""


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


def scan_config_users(
    sm: SageMakerClient, clock: Clock, endpoint: str, cursor: MutableMapping[str, Any]
) -> None:
    """Find which other endpoints run or move to ``cursor["configs"]``, resuming where ``cursor`` got to.

    SageMaker lets any endpoint use any config, and ListEndpoints does not say which (SageMaker API
    reference, ListEndpoints: ``EndpointSummary`` has no config), so every candidate endpoint is
    described. Two things keep that within a handler invocation's budget:

    * only endpoints modified after the oldest config was created can use it: CreateEndpoint and
      UpdateEndpoint set an endpoint's ``LastModifiedTime`` (DescribeEndpoint API reference), so one
      that runs or moves to a config was modified after the config existed. ``cursor["after"]``
      (epoch seconds) goes to ListEndpoints' ``LastModifiedTimeAfter``;
    * the cursor (JSON-ready, kept in the request's journaled state) records each endpoint looked
      at, page by page (``token``, ``seen``), and what it found (``users``, ``hidden``), updated
      before the next call: a call refused for time (or any error) leaves it where it got to, and
      the next invocation carries on. ``cursor["done"]`` is set at the end.

    Endpoints the role may not describe (AccessDenied outside ``ResourceNamePrefix``) are listed in
    ``cursor["hidden"]``: their use of the configs is unknown.
    """
    wanted = set(cursor.get("configs") or [])
    users: dict[str, str] = cursor.setdefault("users", {})
    hidden: list[str] = cursor.setdefault("hidden", [])
    while not cursor.get("done"):
        kwargs: dict[str, Any] = {"MaxResults": 100, "SortBy": "CreationTime", "SortOrder": "Ascending"}
        if cursor.get("after") is not None:
            kwargs["LastModifiedTimeAfter"] = datetime.fromtimestamp(float(cursor["after"]), tz=UTC)
        if cursor.get("token"):
            kwargs["NextToken"] = cursor["token"]
        page = call(clock, sm.list_endpoints, **kwargs)
        seen: list[str] = cursor.setdefault("seen", [])
        for summary in page.get("Endpoints", []):
            other = str(summary["EndpointName"])
            if other == endpoint or other in seen:
                continue
            try:
                described = describe_endpoint(sm, clock, other)
            except ClientError as error:
                if error_code(error) not in DENIED:
                    raise
                hidden.append(other)
                described = None
            pending = ((described or {}).get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
            for config in filter(None, ((described or {}).get("EndpointConfigName"), pending)):
                if str(config) in wanted:
                    users.setdefault(str(config), other)
            seen.append(other)
        token = page.get("NextToken")
        cursor["token"], cursor["seen"] = (str(token), []) if token else (None, [])
        cursor["done"] = not token
