"""The live endpoint as the registry type's properties (read handler: drift detection).

CloudFormation's drift detection compares a resource's template properties with what its read
handler returns (CloudFormation user guide, "Detect unmanaged configuration changes to stacks and
resources with drift detection"; CloudFormation CLI user guide, "Resource type handler contract":
a read handler MUST return the current state of the resource). So the model is built from what
SageMaker reports *now*, not from what was asked:

* the config the endpoint runs (``DescribeEndpointConfig`` of ``DescribeEndpoint``'s
  ``EndpointConfigName``): instance types, models, data capture, ...;
* each production variant's live weight (``CurrentWeight``) and instance count
  (``CurrentInstanceCount``) from ``DescribeEndpoint``. A count that lies within the variant's
  registered Application Auto Scaling range is autoscaling's doing, not drift: the count the
  template asked is reported then (what the retain rule kept live is journaled with the template's
  value for the config it wrote, :func:`sagemaker_rollout.planner.retained_values`; otherwise the
  config's count). A count outside that range, or on a variant without autoscaling, is reported as
  it is (drift);
* the user's tags (the provider's own ``sagemaker-rollout:`` tags left out).

Only the type's own endpoints are read: those its ownership rule gives it
(:meth:`sagemaker_rollout.rollout.request.RolloutRequest.owns`); a custom resource's endpoint is
NotFound to it. The list handler pages ``ListEndpoints`` and asks the journal which of a page's
endpoints the type created (one ``BatchGetItem`` a page, no call per endpoint).

Write-only properties (the deployment configuration and the provider's switches) are not returned:
SageMaker does not report them for the running endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, is_not_found, tags_of
from sagemaker_rollout.aws.reading import describe_endpoint
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.planner import scalable_resource_id
from sagemaker_rollout.sagemaker import INSTANCE_COUNT_DIMENSION
from sagemaker_rollout.spec.endpoint import OWNER_TAG_PREFIX, allowed_keys

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = ["WRITE_ONLY", "live_model", "managed_endpoints"]

WRITE_ONLY = (
    "DeploymentConfig",
    "RetainAllVariantProperties",
    "ExcludeRetainedVariantProperties",
    "RetainDeploymentConfig",
    "AdoptExistingEndpoint",
    "AllowIrreversibleChanges",
    "AllowUnguardedRollout",
    "SmokeTest",
)
"""Properties SageMaker does not report back (the schema's ``writeOnlyProperties``)."""

_CONFIG_NOISE = ("EndpointConfigName", "EndpointConfigArn", "CreationTime", "ResponseMetadata")


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
    sm: SageMakerClient,
    aas: ApplicationAutoScalingClient,
    clock: Clock,
    name: str,
    owns: Callable[[Mapping[str, str]], bool],
    requested: Callable[[str], Mapping[str, Mapping[str, Any]]] = lambda config: {},
) -> dict[str, Any] | None:
    """The registry model of endpoint ``name`` as it runs now; None if absent or not the type's.

    Parameters
    ----------
    sm, aas:
        boto3 clients of ``sagemaker`` and ``application-autoscaling``.
    clock:
        For retries of throttled calls.
    name:
        The endpoint (the type's primary identifier).
    owns:
        Whether an endpoint with these tags is the type's (its ownership rule).
    requested:
        For a config name, what the template asked of the fields the retain rule filled
        (``{variant: {field: value}}``, the journal's record; empty when there is none).
    """
    described = describe_endpoint(sm, clock, name)
    if described is None or described.get("EndpointStatus") == "Deleting":
        return None
    tags = tags_of(call(clock, sm.list_tags, ResourceArn=described["EndpointArn"]))
    if not owns(tags):
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
    asked = requested(config_name) if ranges else {}
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
            elif "InitialInstanceCount" in asked.get(str(variant["VariantName"]), {}):
                variant["InitialInstanceCount"] = int(
                    asked[str(variant["VariantName"])]["InitialInstanceCount"]
                )
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
    sm: SageMakerClient,
    clock: Clock,
    next_token: str | None,
    recorded: Callable[[Sequence[str]], set[str]],
) -> tuple[list[str], str | None]:
    """One page of the type's endpoints, and the token of the next page (list handler).

    ``ListEndpoints`` (at most 100 a page: SageMaker API reference, ListEndpoints ``MaxResults``)
    has no tag filter, so the page's names go to ``recorded`` (the journal's creation records,
    :meth:`~sagemaker_rollout.journal.Journal.created_among`): two calls a page, none per endpoint.
    Endpoints being deleted are left out. A page may hold none of the type's endpoints and still
    have a next page.
    """
    kwargs: dict[str, Any] = {"MaxResults": 100, "SortBy": "CreationTime", "SortOrder": "Ascending"}
    if next_token:
        kwargs["NextToken"] = next_token
    page = call(clock, sm.list_endpoints, **kwargs)
    names = [
        str(summary["EndpointName"])
        for summary in page.get("Endpoints", [])
        if summary.get("EndpointStatus") != "Deleting"
    ]
    mine = recorded(names) if names else set()
    token = page.get("NextToken")
    return [name for name in names if name in mine], str(token) if token else None
