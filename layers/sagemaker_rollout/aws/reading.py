"""Read what runs now: one endpoint as SageMaker and Application Auto Scaling describe it.

Shared by the provider's executor and ``sagemaker-rollout plan`` so that both plan from the same
:class:`~sagemaker_rollout.current.CurrentEndpoint`.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
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

__all__ = [
    "DENIED",
    "READ_REUSE_SECONDS",
    "ReadCache",
    "attach_read_cache",
    "describe_endpoint",
    "read_cache",
    "read_endpoint",
    "scan_config_users",
]

DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
"""Error codes of a call the caller's role may not make."""

READ_REUSE_SECONDS = 3.0
"""A DescribeEndpoint answer is reused this long ("reads within a few seconds of the last one are
skipped", issue 23), unless a call that changes the endpoint came in between."""
_CHANGES_ENDPOINT = frozenset(
    {"CreateEndpoint", "UpdateEndpoint", "DeleteEndpoint", "UpdateEndpointWeightsAndCapacities"}
)
"""SageMaker calls after which an endpoint's DescribeEndpoint answer is out of date."""


@dataclass
class ReadCache:
    """The DescribeEndpoint answers of one provider instance (a Lambda container), by endpoint.

    Within :meth:`reusing` (the steps of one engine invocation), an answer younger than ``reuse``
    seconds is given again instead of a new call, unless a call that changes the endpoint
    (:data:`_CHANGES_ENDPOINT`) was made through the same client since.
    ``reads`` counts the calls really made (a waiting request's Describe budget); ``last`` keeps
    the newest answer of each endpoint with its time (what a suspended request last saw).
    ``listed`` keeps, for other endpoints, the answer of their last DescribeEndpoint and the
    ``ListEndpoints`` summary it was read under (see :meth:`unchanged`).
    """

    reuse: float = READ_REUSE_SECONDS
    reads: Counter[str] = field(default_factory=Counter)
    last: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    fresh: dict[str, bool] = field(default_factory=dict)
    listed: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = field(default_factory=dict)
    active: bool = False

    def lookup(self, name: str, now: float) -> dict[str, Any] | None:
        seen = self.last.get(name)
        if not self.active or seen is None or not self.fresh.get(name) or now - seen[0] >= self.reuse:
            return None
        return dict(seen[1])

    def store(self, name: str, now: float, answer: Mapping[str, Any]) -> None:
        self.reads[name] += 1
        self.last[name] = (now, dict(answer))
        self.fresh[name] = True

    def forget(self, name: str) -> None:
        self.fresh[name] = False

    def expire(self) -> None:
        """Reuse nothing read before now (someone else may have changed the endpoint since)."""
        self.fresh.clear()

    @contextmanager
    def reusing(self) -> Iterator[None]:
        """Within the block (one engine invocation's steps), answers are reused; outside nothing is
        (a registry read, ``plan``), and nothing read before the block is."""
        self.expire()
        self.active = True
        try:
            yield
        finally:
            self.active = False
            self.expire()

    def unchanged(self, summary: Mapping[str, Any]) -> dict[str, Any] | None:
        """The last DescribeEndpoint answer of an endpoint ``ListEndpoints`` summarises as before.

        ``CreationTime``, ``LastModifiedTime`` and ``EndpointStatus`` unchanged: an endpoint that is
        updated (its config or pending config changes) goes through ``Updating`` and is modified
        (DescribeEndpoint API reference: ``LastModifiedTime``, "A timestamp that shows when the
        endpoint was last modified"), so its configs are those of the answer kept.
        """
        kept = self.listed.get(str(summary.get("EndpointName")))
        return dict(kept[1]) if kept is not None and kept[0] == _signature(summary) else None

    def remember(self, summary: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        self.listed[str(summary.get("EndpointName"))] = (_signature(summary), dict(answer))


def _signature(summary: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(summary.get(k)) for k in ("CreationTime", "LastModifiedTime", "EndpointStatus"))


_CACHES: weakref.WeakKeyDictionary[Any, ReadCache] = weakref.WeakKeyDictionary()


def attach_read_cache(sm: Any, cache: ReadCache) -> None:
    """Answer ``sm``'s DescribeEndpoint calls from ``cache`` (see :class:`ReadCache`); every call of
    ``sm`` that changes an endpoint makes its kept answer stale."""

    def on_call(params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if getattr(model, "name", "") in _CHANGES_ENDPOINT and "EndpointName" in params:
            cache.forget(str(params["EndpointName"]))

    sm.meta.events.register("before-parameter-build.sagemaker", on_call)
    _CACHES[sm] = cache


def read_cache(sm: Any) -> ReadCache | None:
    """The cache attached to ``sm``, if any."""
    return _CACHES.get(sm)


def describe_endpoint(sm: SageMakerClient, clock: Clock, name: str) -> dict[str, Any] | None:
    """``DescribeEndpoint`` of ``name`` (retried on ``clock``), or None if it does not exist.

    With a :class:`ReadCache` attached to ``sm``, an answer of the last few seconds is reused.
    """
    cache = _CACHES.get(sm)
    if cache is not None:
        kept = cache.lookup(name, clock.now())
        if kept is not None:
            return kept
    try:
        answer = dict(call(clock, sm.describe_endpoint, EndpointName=name))
    except ClientError as error:
        if is_not_found(error):
            if cache is not None:
                cache.forget(name)
            return None
        raise
    if cache is not None:
        cache.store(name, clock.now(), answer)
    return answer


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
    ``cursor["hidden"]``: their use of the configs is unknown. With a :class:`ReadCache` attached to
    ``sm``, an endpoint that ``ListEndpoints`` summarises as at its last DescribeEndpoint is not
    described again (:meth:`ReadCache.unchanged`): a release of 200 endpoints describes each one's
    neighbours once per Lambda container, not once per rollout.
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
            cache = _CACHES.get(sm)
            described = cache.unchanged(summary) if cache is not None else None
            if described is None:
                try:
                    described = describe_endpoint(sm, clock, other)
                except ClientError as error:
                    if error_code(error) not in DENIED:
                        raise
                    hidden.append(other)
                if described is not None and cache is not None:
                    cache.remember(summary, described)
            pending = ((described or {}).get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
            for config in filter(None, ((described or {}).get("EndpointConfigName"), pending)):
                if str(config) in wanted:
                    users.setdefault(str(config), other)
            seen.append(other)
        token = page.get("NextToken")
        cursor["token"], cursor["seen"] = (str(token), []) if token else (None, [])
        cursor["done"] = not token
