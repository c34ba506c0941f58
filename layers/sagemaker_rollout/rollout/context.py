"""What every step gets: the request, its journal record, AWS clients and a few shared reads."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, error_code, is_not_found, tags_of
from sagemaker_rollout.aws.reading import describe_endpoint
from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.journal import Journal, RequestRecord
from sagemaker_rollout.naming import ENDPOINT_TAG, LOGICAL_ID_TAG, STACK_ID_TAG, owner_tags
from sagemaker_rollout.rollout.request import RequestKind, RolloutRequest
from sagemaker_rollout.spec import PASSABLE_ROLES_ENV, EndpointSpec, PropertyError, parse_endpoint_properties

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sagemaker import SageMakerClient

    from sagemaker_rollout.clock import Clock

__all__ = ["StepContext", "UnknownUsersError"]

_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


class UnknownUsersError(RuntimeError):
    """Another endpoint's use of configs cannot be read (e.g. outside ``ResourceNamePrefix``)."""


@dataclass
class StepContext:
    """One request as the steps see it.

    Attributes
    ----------
    runtime:
        Clients, clock and settings.
    journal, record:
        The journal and this request's record (``record.state`` is the state steps change).
    log:
        A powertools-style logger.
    notify:
        Called with (kind, text) at each step (metrics, the demo's timeline).
    """

    runtime: ProviderRuntime
    journal: Journal
    record: RequestRecord
    log: Any
    notify: Callable[[str, str], None]
    continuation_token: str | None = None
    transient_streak: int = field(default=0, init=False)
    last_transient: str = field(default="", init=False)
    _spec: EndpointSpec | None = field(default=None, init=False)
    _users: dict[str, str] | None = field(default=None, init=False)

    # ---- the request -------------------------------------------------------------------------
    @property
    def request(self) -> RolloutRequest:
        return self.record.request

    @property
    def kind(self) -> RequestKind:
        return self.record.request.kind

    @property
    def stack_id(self) -> str:
        return self.record.request.stack_id

    @property
    def logical_id(self) -> str:
        return self.record.request.logical_id

    @property
    def old_physical_id(self) -> str:
        return self.record.request.physical_id

    @property
    def spec(self) -> EndpointSpec:
        """The validated properties (raises PropertyError)."""
        if self._spec is None:
            self._spec = parse_endpoint_properties(
                dict(self.request.properties),
                passable_roles=os.environ.get(PASSABLE_ROLES_ENV),
                time_limit=self.request.explicit_time_limit,
            )
        return self._spec

    def spec_error(self) -> str | None:
        try:
            _ = self.spec
        except PropertyError as error:
            return str(error)
        return None

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def sm(self) -> SageMakerClient:
        return self.runtime.client("sagemaker")

    @property
    def aas(self) -> ApplicationAutoScalingClient:
        return self.runtime.client("application-autoscaling")

    @property
    def cw(self) -> CloudWatchClient:
        return self.runtime.client("cloudwatch")

    @property
    def cfn(self) -> CloudFormationClient:
        """CloudFormation (DescribeStacks of the request's own stack, for adopted endpoints only)."""
        return self.runtime.client("cloudformation")

    def checkpoint(self) -> None:
        """Write the state now (an intent, before the AWS call it announces)."""
        self.journal.save(self.record, endpoint=self.record.state.endpoint)

    # ---- reads ---------------------------------------------------------------------------------
    def describe(self, name: str) -> dict[str, Any] | None:
        return describe_endpoint(self.sm, self.clock, name)

    def tags_of_arn(self, arn: str) -> dict[str, str]:
        return tags_of(call(self.clock, self.sm.list_tags, ResourceArn=arn))

    def owned(self, tags: Mapping[str, str], endpoint: str | None = None) -> bool:
        """Created by this provider for this stack resource (and, if given, for this endpoint)."""
        mine = tags.get(STACK_ID_TAG) == self.stack_id and tags.get(LOGICAL_ID_TAG) == self.logical_id
        return mine and (endpoint is None or tags.get(ENDPOINT_TAG) == endpoint)

    def resource_tags(self, endpoint: str) -> list[dict[str, str]]:
        return [dict(t) for t in self.spec.tags] + owner_tags(self.stack_id, self.logical_id, endpoint)

    def owned_configs(self, endpoint: str) -> list[str]:
        """Configs this stack resource created for ``endpoint`` (name and ownership tags)."""
        names: list[str] = []
        token = None
        while True:
            kwargs: dict[str, Any] = {"NameContains": endpoint[:50], "MaxResults": 100}
            if token:
                kwargs["NextToken"] = token
            page = call(self.clock, self.sm.list_endpoint_configs, **kwargs)
            for summary in page.get("EndpointConfigs", []):
                arn = str(summary.get("EndpointConfigArn", ""))
                if arn and self.owned(self.tags_of_arn(arn), endpoint):
                    names.append(str(summary["EndpointConfigName"]))
            token = page.get("NextToken")
            if not token:
                return sorted(names)

    def other_users(self, endpoint: str) -> dict[str, str]:
        """{config: endpoint} for every other endpoint of the account (current and pending configs).

        SageMaker lets any endpoint use any config, so before deleting one of its own the provider
        looks at all of them, once per request. An endpoint that ``ListEndpoints`` summarises as at
        its last DescribeEndpoint (same creation and modification time, same status) is not described
        again (:meth:`~sagemaker_rollout.aws.reading.ReadCache.unchanged`): a release of 200 endpoints
        describes each one's neighbours once per Lambda container, not once per rollout.

        Raises
        ------
        UnknownUsersError
            An endpoint cannot be described (AccessDenied outside ``ResourceNamePrefix``): its
            use of configs is unknown, so nothing may be deleted on that basis.
        """
        if self._users is None:
            users: dict[str, str] = {}
            hidden: list[str] = []
            token = None
            while True:
                kwargs: dict[str, Any] = {"MaxResults": 100}
                if token:
                    kwargs["NextToken"] = token
                page = call(self.clock, self.sm.list_endpoints, **kwargs)
                for summary in page.get("Endpoints", []):
                    other = str(summary["EndpointName"])
                    if other == endpoint:
                        continue
                    described = self.runtime.reads.unchanged(summary)
                    if described is None:
                        try:
                            described = self.describe(other)
                        except ClientError as error:
                            if error_code(error) in _DENIED:
                                hidden.append(other)
                                continue
                            raise
                        if described is None:
                            continue
                        self.runtime.reads.remember(summary, described)
                    pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
                    for config in filter(None, (described.get("EndpointConfigName"), pending)):
                        users.setdefault(str(config), other)
                token = page.get("NextToken")
                if not token:
                    break
            if hidden:
                raise UnknownUsersError(
                    f"cannot read endpoint(s) {', '.join(sorted(hidden)[:3])}"
                    f"{' and more' if len(hidden) > 3 else ''} (AccessDenied)"
                )
            self._users = users
        return self._users

    def delete_config(self, name: str) -> bool:
        """DeleteEndpointConfig; already gone is fine. Returns whether it was deleted now."""
        try:
            call(self.clock, self.sm.delete_endpoint_config, EndpointConfigName=name)
        except ClientError as error:
            if is_not_found(error):
                return False
            raise
        return True
