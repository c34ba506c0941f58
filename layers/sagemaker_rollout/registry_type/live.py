"""The live endpoint as the registry type's properties (read handler: drift detection).

CloudFormation's drift detection compares a resource's template properties with what its read
handler returns (CloudFormation user guide, "Detect unmanaged configuration changes to stacks and
resources with drift detection"; CloudFormation CLI user guide, "Resource type handler contract":
a read handler MUST return the current state of the resource). So the model is built from what
SageMaker reports *now*, not from what was asked:

* the config the endpoint runs (``DescribeEndpointConfig`` of ``DescribeEndpoint``'s
  ``EndpointConfigName``): instance types, models, data capture, ...;
* each production variant's live weight (``CurrentWeight``) and instance count
  (``CurrentInstanceCount``) from ``DescribeEndpoint``. A count that differs from the config but lies
  within the variant's registered Application Auto Scaling range is autoscaling's doing, not drift:
  the config's count is reported then. A count outside that range, or on a variant without
  autoscaling, is reported as it is (drift);
* the user's tags (the provider's own ``sagemaker-rollout:`` tags left out).

Write-only properties (the deployment configuration and the provider's switches) are not returned:
SageMaker does not report them for the running endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, is_not_found, tags_of
from sagemaker_rollout.aws.reading import describe_endpoint
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.naming import MANAGED_BY_TAG
from sagemaker_rollout.planner import scalable_resource_id
from sagemaker_rollout.sagemaker import INSTANCE_COUNT_DIMENSION
from sagemaker_rollout.spec.endpoint import OWNER_TAG_PREFIX, allowed_keys

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = ["WRITE_ONLY", "is_managed", "live_model", "managed_endpoints"]

WRITE_ONLY = (
    "DeploymentConfig",
    "RetainAllVariantProperties",
    "ExcludeRetainedVariantProperties",
    "RetainDeploymentConfig",
    "AdoptExistingEndpoint",
    "AllowIrreversibleChanges",
    "AllowUnguardedRollout",
)
"""Properties SageMaker does not report back (the schema's ``writeOnlyProperties``)."""

_CONFIG_NOISE = ("EndpointConfigName", "EndpointConfigArn", "CreationTime", "ResponseMetadata")


def is_managed(tags: Mapping[str, str]) -> bool:
    """Whether an endpoint carries the provider's ownership tags (created or adopted by it)."""
    return tags.get(MANAGED_BY_TAG) == "sagemaker-rollout"


def _ranges(
    aas: ApplicationAutoScalingClient, clock: Clock, endpoint: str, variants: list[str]
) -> dict[str, tuple[int, int]]:
    if not variants:
        return {}
    ids = {scalable_resource_id(endpoint, name): name for name in variants}
    page = call(
        clock,
        aas.describe_scalable_targets,
        ServiceNamespace="sagemaker",
        ResourceIds=sorted(ids),
        ScalableDimension=INSTANCE_COUNT_DIMENSION,
    )
    return {
        ids[str(t["ResourceId"])]: (int(t["MinCapacity"]), int(t["MaxCapacity"]))
        for t in page.get("ScalableTargets", [])
        if str(t.get("ResourceId")) in ids
    }


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return value
    return value


def live_model(
    sm: SageMakerClient, aas: ApplicationAutoScalingClient, clock: Clock, name: str
) -> dict[str, Any] | None:
    """The registry model of endpoint ``name`` as it runs now; None if absent or not the provider's.

    Parameters
    ----------
    sm, aas:
        boto3 clients of ``sagemaker`` and ``application-autoscaling``.
    clock:
        For retries of throttled calls.
    name:
        The endpoint (the type's primary identifier).
    """
    described = describe_endpoint(sm, clock, name)
    if described is None or described.get("EndpointStatus") == "Deleting":
        return None
    tags = tags_of(call(clock, sm.list_tags, ResourceArn=described["EndpointArn"]))
    if not is_managed(tags):
        return None
    config_name = str(described["EndpointConfigName"])
    try:
        config = call(clock, sm.describe_endpoint_config, EndpointConfigName=config_name)
    except ClientError as error:
        if not is_not_found(error):
            raise
        config = {"ProductionVariants": []}
    allowed = set(allowed_keys())
    model: dict[str, Any] = {
        key: _json_ready(value)
        for key, value in config.items()
        if key in allowed and key not in _CONFIG_NOISE and key not in WRITE_ONLY
    }
    live = {str(v["VariantName"]): v for v in described.get("ProductionVariants", [])}
    variants = [dict(v) for v in config.get("ProductionVariants", [])]
    ranges = _ranges(aas, clock, name, [str(v["VariantName"]) for v in variants])
    for variant in variants:
        now = live.get(str(variant["VariantName"]))
        if now is None:
            continue
        if "CurrentWeight" in now:
            variant["InitialVariantWeight"] = float(now["CurrentWeight"])
        count = now.get("CurrentInstanceCount")
        if count is not None and "InitialInstanceCount" in variant:
            low, high = ranges.get(str(variant["VariantName"]), (-1, -1))
            if not low <= int(count) <= high:  # autoscaling explains counts within its range only
                variant["InitialInstanceCount"] = int(count)
    if variants:
        model["ProductionVariants"] = _json_ready(variants)
    model["EndpointName"] = name
    model["EndpointArn"] = str(described["EndpointArn"])
    model["EndpointConfigName"] = config_name
    user_tags = [
        {"Key": k, "Value": v} for k, v in sorted(tags.items()) if not k.startswith(OWNER_TAG_PREFIX)
    ]
    if user_tags:
        model["Tags"] = user_tags
    return model


def managed_endpoints(
    sm: SageMakerClient, clock: Clock, next_token: str | None = None
) -> tuple[list[str], str | None]:
    """One page of endpoints the provider manages, and the token of the next page (list handler)."""
    kwargs: dict[str, Any] = {"MaxResults": 100}
    if next_token:
        kwargs["NextToken"] = next_token
    page = call(clock, sm.list_endpoints, **kwargs)
    names = []
    for summary in page.get("Endpoints", []):
        if summary.get("EndpointStatus") == "Deleting":
            continue
        tags = tags_of(call(clock, sm.list_tags, ResourceArn=summary["EndpointArn"]))
        if is_managed(tags):
            names.append(str(summary["EndpointName"]))
    token = page.get("NextToken")
    return names, str(token) if token else None
