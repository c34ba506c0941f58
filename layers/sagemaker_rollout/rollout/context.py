"""What every step gets: the request, its journal record, AWS clients and a few shared reads."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, is_not_found, tags_of
from sagemaker_rollout.aws.reading import describe_endpoint, scan_config_users
from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.journal import Journal, RequestRecord
from sagemaker_rollout.naming import owner_tags
from sagemaker_rollout.rollout.request import Ownership, RequestKind, RolloutRequest
from sagemaker_rollout.spec import PASSABLE_ROLES_ENV, EndpointSpec, PropertyError, parse_endpoint_properties
from sagemaker_rollout.spec.smoke import SMOKE_FUNCTIONS_ENV

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sagemaker import SageMakerClient

    from sagemaker_rollout.clock import Clock

__all__ = ["USERS_SCAN_MARGIN", "StepContext", "UnknownUsersError"]

USERS_SCAN_MARGIN = 60.0
"""Seconds subtracted from the oldest candidate config's creation time in the scan for its users."""


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
    _config_created: dict[str, float] = field(default_factory=dict, init=False)

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
                smoke_functions=self.smoke_functions,
            )
        return self._spec

    @property
    def smoke_functions(self) -> str:
        """The Lambda function name pattern a ``SmokeTest`` may invoke: the request's own (the
        registry type's type configuration) or the provider stack's parameter ('' when unset: none)."""
        if self.request.smoke_functions is not None:
            return self.request.smoke_functions
        return os.environ.get(SMOKE_FUNCTIONS_ENV, "")

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
        """This request's under its ownership rule (and, if given, created for this endpoint):
        :meth:`~sagemaker_rollout.rollout.request.RolloutRequest.owns`."""
        return self.request.owns(tags, endpoint)

    def owner_tags(self, endpoint: str) -> list[dict[str, str]]:
        """The ownership tags this request puts on what it creates or adopts."""
        return owner_tags(self.stack_id, self.logical_id, endpoint, self.request.ownership.managed_by)

    def resource_tags(self, endpoint: str) -> list[dict[str, str]]:
        return [dict(t) for t in self.spec.tags] + self.owner_tags(endpoint)

    def takes_existing(self, endpoint: str) -> bool:
        """Whether an existing endpoint this request owns may be converged as its own.

        Always under the stack-resource rule (a retried Create of the custom resource adopts the
        endpoint its stack resource owns). Under the primary-identifier rule a Create takes it only
        when the journal says this request created or adopted it: any other Create of an existing
        identifier fails AlreadyExists ("Resource type handler contract").
        """
        if self.kind is not RequestKind.CREATE or self.request.ownership is Ownership.STACK_RESOURCE:
            return True
        item = self.journal.endpoint(endpoint)
        adopted = item.adoption is not None and item.adoption.request == self.record.key
        return item.created_by == self.record.key or adopted

    def record_requested(
        self, endpoint: str, target: str, previous: str, retained: Mapping[str, Any]
    ) -> None:
        """Journal what the template asked for the fields the retain rule filled in ``target``
        (kept for ``target`` and ``previous``: a rolled-back update runs the previous config
        again), if this request's rule keeps such records (the registry type's read reports them)."""
        if not (retained and self.request.ownership.records_creations):
            return
        wanted = {str(v.get("VariantName")): v for v in self.spec.variants}
        asked = {
            name: {field: wanted[name].get(field) for field in values if field in wanted.get(name, {})}
            for name, values in retained.items()
        }
        kept = {
            config: fields
            for config, fields in self.journal.endpoint(endpoint).requested.items()
            if config == previous
        }
        self.journal.mark_requested(endpoint, {**kept, target: asked})

    def record_creation(self, endpoint: str, *, unless_another: bool = False) -> bool:
        """Journal that this request creates (or adopts) ``endpoint``, if its rule records that
        (before the call that creates it: the list handler reads these records, a Create's retry
        trusts them). ``unless_another``: not over another request's record; returns False then."""
        if not self.request.ownership.records_creations:
            return True
        return self.journal.mark_created(endpoint, self.record.key, unless_another=unless_another)

    def owned_configs(self, endpoint: str) -> list[str]:
        """Configs this request's ownership rule gives it for ``endpoint`` (name and ownership tags)."""
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
                    name = str(summary["EndpointConfigName"])
                    names.append(name)
                    created = summary.get("CreationTime")
                    if isinstance(created, datetime):
                        self._config_created[name] = created.timestamp()
            token = page.get("NextToken")
            if not token:
                return sorted(names)

    def other_users(self, endpoint: str, candidates: Iterable[str] = ()) -> dict[str, str]:
        """{config: endpoint} for the other endpoints that run or move to one of ``candidates``.

        SageMaker lets any endpoint use any config, so before deleting one of its own the provider
        looks at the other endpoints that can use it: those modified since the oldest candidate was
        created, page by page, resuming in a later invocation where the scan stopped
        (:func:`~sagemaker_rollout.aws.reading.scan_config_users`; the cursor is the state's
        ``users_scan``, journaled with it). Once per request. An endpoint that ``ListEndpoints``
        summarises as at its last DescribeEndpoint is not described again (the runtime's
        :class:`~sagemaker_rollout.aws.reading.ReadCache`).

        Raises
        ------
        UnknownUsersError
            An endpoint cannot be described (AccessDenied outside ``ResourceNamePrefix``): its
            use of configs is unknown, so nothing may be deleted on that basis.
        """
        if self._users is None:
            configs = sorted(set(candidates))
            scan = self.record.state.users_scan
            if scan.get("configs") != configs:
                created = [self._config_created[c] for c in configs if c in self._config_created]
                scan.clear()
                scan["configs"] = configs
                # Both times are SageMaker's; a minute of margin for their resolution.
                scan["after"] = (
                    min(created) - USERS_SCAN_MARGIN if len(created) == len(configs) and created else None
                )
            scan_config_users(self.sm, self.clock, endpoint, scan)
            hidden = list(scan.get("hidden") or [])
            if hidden:
                raise UnknownUsersError(
                    f"cannot read endpoint(s) {', '.join(sorted(hidden)[:3])}"
                    f"{' and more' if len(hidden) > 3 else ''} (AccessDenied)"
                )
            self._users = dict(scan.get("users") or {})
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
