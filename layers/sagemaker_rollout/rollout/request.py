"""The engine's input: one typed request, whatever front end received it.

Each front end builds a :class:`RolloutRequest` once, at its boundary: the custom resource from
CloudFormation's event (:mod:`sagemaker_rollout.custom_resource`), the registry type from the
handler request (:mod:`sagemaker_rollout.registry_type`). The engine and the steps read only its
typed fields; a continuation names its request by journal key and token
(:meth:`~sagemaker_rollout.rollout.engine.Engine.resume`) and the journal gives the request back.

The journal stores a request as :meth:`RolloutRequest.to_record` gives it: CloudFormation's
custom-resource field names (``RequestType``, ``StackId``, ``LogicalResourceId``, ``RequestId``,
``PhysicalResourceId``, ``ResourceType``, ``ResourceProperties``, ``OldResourceProperties``; CloudFormation
user guide, "Custom resource request objects"), the request as the front end received it (the
custom resource's answer needs its ``ResponseURL``), plus :data:`TIME_LIMIT_KEY` when the time limit
is not the custom resource's ``ServiceTimeout``. Records written by earlier versions of the provider
have exactly this shape, so a request in flight during an upgrade resumes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sagemaker_rollout.naming import (
    ENDPOINT_TAG,
    LOGICAL_ID_TAG,
    MANAGED_BY_CUSTOM_RESOURCE,
    MANAGED_BY_REGISTRY_TYPE,
    MANAGED_BY_TAG,
    STACK_ID_TAG,
)
from sagemaker_rollout.spec.limits import service_timeout

__all__ = [
    "OWNERSHIP_KEY",
    "PROVIDER_KEYS",
    "SMOKE_FUNCTIONS_KEY",
    "TIME_LIMIT_KEY",
    "Ownership",
    "RequestError",
    "RequestKind",
    "RolloutRequest",
    "request_key",
]

TIME_LIMIT_KEY = "SageMakerRolloutTimeLimit"
"""Field of a stored request that sets its time limit in seconds instead of ``ServiceTimeout`` (the
registry type's requests: their handler timeout). CloudFormation's custom-resource events never carry
it (only ``ResourceProperties`` come from the template), and the custom resource's front end drops it
(:meth:`RolloutRequest.from_event`)."""

OWNERSHIP_KEY = "SageMakerRolloutOwnership"
"""Field of a stored request naming its :class:`Ownership` when it is not the custom resource's
(records without it, every record of earlier versions included, follow the stack-resource rule)."""

SMOKE_FUNCTIONS_KEY = "SageMakerRolloutSmokeFunctions"
"""Field of a stored request naming the Lambda function name pattern its ``SmokeTest`` may invoke when
it is not the custom resource's stack parameter (the registry type's type configuration,
``SmokeTestFunctionNamePattern``), kept with the request so that every invocation of it decides alike."""

PROVIDER_KEYS = (TIME_LIMIT_KEY, OWNERSHIP_KEY, SMOKE_FUNCTIONS_KEY)
"""The fields only the provider's own front ends set: an event that arrives from outside (a
custom-resource request) never decides them, whatever it carries (:meth:`RolloutRequest.from_event`)."""

_DROPPED = ("SageMakerRolloutState", "CrHelperData")
"""Keys never stored: a pre-journal continuation's state (read by the front end) and crhelper's own."""


def request_key(stack_id: str, logical_id: str, request_id: str) -> str:
    """Stable key of one request (its journal record's key)."""
    return hashlib.sha256(f"{stack_id}\n{logical_id}\n{request_id}".encode()).hexdigest()[:40]


class RequestKind(StrEnum):
    """What CloudFormation asks (CloudFormation user guide, "Custom resource request types")."""

    CREATE = "Create"
    UPDATE = "Update"
    DELETE = "Delete"


class Ownership(StrEnum):
    """Which rule makes an existing endpoint a request's own; each front end picks one.

    ``STACK_RESOURCE`` (the custom resource): a stack resource owns its endpoint. The endpoint
    carries the custom resource's ownership tags with this request's stack id and logical id.

    ``PRIMARY_IDENTIFIER`` (the registry type): the resource *is* its primary identifier, the
    endpoint name. CloudFormation's contract tests send a fresh logical id with every operation and
    Cloud Control API sends no stack at all ("Resource type handler contract", CloudFormation CLI user
    guide), so the endpoint is the request's when it carries the type's ownership tag
    (:data:`~sagemaker_rollout.naming.MANAGED_BY_REGISTRY_TYPE`), whatever stack or logical id
    created it. Endpoints the type created before it had a tag value of its own carry the custom
    resource's tags: they stay the type's for requests of the same stack id and logical id
    (CloudFormation refuses to change a resource's type in place, so that stack resource is the
    type's). The type also journals what it created (:attr:`records_creations`): a Create meets an
    existing endpoint as its own only when the journal says this very request created it.
    """

    STACK_RESOURCE = "stack-resource"
    PRIMARY_IDENTIFIER = "primary-identifier"

    @property
    def managed_by(self) -> str:
        """The value of the ``managed-by`` ownership tag on what requests of this rule create."""
        if self is Ownership.PRIMARY_IDENTIFIER:
            return MANAGED_BY_REGISTRY_TYPE
        return MANAGED_BY_CUSTOM_RESOURCE

    @property
    def records_creations(self) -> bool:
        """Whether the journal records which request created (or adopted) each endpoint."""
        return self is Ownership.PRIMARY_IDENTIFIER


class RequestError(ValueError):
    """A request lacks what every request has (kind, stack, logical id, request id): nothing to run."""


@dataclass(frozen=True)
class RolloutRequest:
    """One Create, Update or Delete of one endpoint resource.

    Attributes
    ----------
    kind:
        Create, Update or Delete.
    stack_id, logical_id, request_id:
        The request's identity (its journal key is derived from them).
    physical_id:
        The resource's physical id as CloudFormation knows it ('' on a Create).
    properties, old_properties:
        The desired properties, and on an Update the previous ones ({} otherwise).
    resource_type:
        The resource's type in the template (``Custom::...`` or the registry type's name).
    explicit_time_limit:
        Seconds the request has when not the custom resource's ``ServiceTimeout`` (the registry
        type's handler timeout); None: ``ServiceTimeout`` (see :attr:`time_limit`).
    ownership:
        Which rule makes an existing endpoint this request's (:class:`Ownership`).
    smoke_functions:
        The Lambda function name pattern a ``SmokeTest`` may invoke when the front end sets it (the
        registry type's type configuration; '' none); None: the provider stack's parameter
        (:data:`~sagemaker_rollout.spec.smoke.SMOKE_FUNCTIONS_ENV`).
    raw:
        The request as the front end received it, stored in the journal (:meth:`to_record`).
    """

    kind: RequestKind
    stack_id: str
    logical_id: str
    request_id: str
    physical_id: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    old_properties: Mapping[str, Any] = field(default_factory=dict)
    resource_type: str = ""
    explicit_time_limit: int | None = None
    ownership: Ownership = Ownership.STACK_RESOURCE
    smoke_functions: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        """The journal key of this request."""
        return request_key(self.stack_id, self.logical_id, self.request_id)

    @property
    def time_limit(self) -> float:
        """Seconds CloudFormation gives the request: the explicit limit, or ``ServiceTimeout``."""
        if self.explicit_time_limit is not None:
            return float(self.explicit_time_limit)
        return float(service_timeout(self.properties))

    @property
    def is_delete(self) -> bool:
        return self.kind is RequestKind.DELETE

    @property
    def in_stack(self) -> bool:
        """Whether a CloudFormation stack sent the request (Cloud Control API sends none: the
        registry front end then puts a pseudo stack id that is no stack ARN)."""
        return self.stack_id.startswith("arn:") and ":stack/" in self.stack_id

    def owns(self, tags: Mapping[str, str], endpoint: str | None = None) -> bool:
        """Whether a resource with ``tags`` is this request's under its :attr:`ownership` rule
        (and, if given, was created for ``endpoint``)."""
        by_stack_resource = (
            tags.get(MANAGED_BY_TAG) == MANAGED_BY_CUSTOM_RESOURCE
            and tags.get(STACK_ID_TAG) == self.stack_id
            and tags.get(LOGICAL_ID_TAG) == self.logical_id
        )
        mine = by_stack_resource
        if self.ownership is Ownership.PRIMARY_IDENTIFIER:
            mine = mine or tags.get(MANAGED_BY_TAG) == MANAGED_BY_REGISTRY_TYPE
        return mine and (endpoint is None or tags.get(ENDPOINT_TAG) == endpoint)

    @property
    def old_tag_keys(self) -> list[str]:
        """Keys of the previous ``Tags`` (an Update removes the ones no longer asked for)."""
        tags = self.old_properties.get("Tags")
        return [str(t["Key"]) for t in tags or [] if isinstance(t, Mapping) and "Key" in t]

    def to_record(self) -> dict[str, Any]:
        """The request as the journal stores it (see the module docstring)."""
        record = {k: v for k, v in self.raw.items() if k not in _DROPPED}
        if not record:
            record = {
                "RequestType": self.kind.value,
                "RequestId": self.request_id,
                "StackId": self.stack_id,
                "LogicalResourceId": self.logical_id,
                "ResourceType": self.resource_type,
                "ResourceProperties": dict(self.properties),
            }
            if self.physical_id:
                record["PhysicalResourceId"] = self.physical_id
            if self.kind is RequestKind.UPDATE:
                record["OldResourceProperties"] = dict(self.old_properties)
        if self.explicit_time_limit is not None:
            record[TIME_LIMIT_KEY] = self.explicit_time_limit
        if self.ownership is not Ownership.STACK_RESOURCE:
            record[OWNERSHIP_KEY] = self.ownership.value
        if self.smoke_functions is not None:
            record[SMOKE_FUNCTIONS_KEY] = self.smoke_functions
        return record

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> RolloutRequest:
        """A request from a custom-resource event: :meth:`from_record` of the event without the
        provider's own fields (:data:`PROVIDER_KEYS`). CloudFormation never sends them; an event that
        does was not written by CloudFormation, and cannot set a request's time limit, ownership rule
        or smoke-test functions that way.

        Raises
        ------
        RequestError
            As :meth:`from_record`.
        """
        return cls.from_record({k: v for k, v in event.items() if k not in PROVIDER_KEYS})

    @classmethod
    def from_record(cls, raw: Mapping[str, Any]) -> RolloutRequest:
        """A request from its stored form (or from CloudFormation's event, which has the same fields).

        Raises
        ------
        RequestError
            ``RequestType`` is not Create, Update or Delete, or an identity field is missing.
        """
        try:
            kind = RequestKind(str(raw.get("RequestType")))
        except ValueError:
            seen = raw.get("RequestType")
            raise RequestError(f"RequestType: {seen!r} is not Create, Update or Delete") from None
        missing = [k for k in ("StackId", "LogicalResourceId", "RequestId") if not raw.get(k)]
        if missing:
            raise RequestError(f"{missing[0]}: missing from the request")
        limit = raw.get(TIME_LIMIT_KEY)
        try:
            ownership = Ownership(str(raw.get(OWNERSHIP_KEY) or Ownership.STACK_RESOURCE.value))
        except ValueError:
            raise RequestError(f"{OWNERSHIP_KEY}: {raw.get(OWNERSHIP_KEY)!r} is no ownership rule") from None
        properties = raw.get("ResourceProperties")
        old = raw.get("OldResourceProperties")
        smoke = raw.get(SMOKE_FUNCTIONS_KEY)
        return cls(
            kind=kind,
            stack_id=str(raw["StackId"]),
            logical_id=str(raw["LogicalResourceId"]),
            request_id=str(raw["RequestId"]),
            physical_id=str(raw.get("PhysicalResourceId") or ""),
            properties=dict(properties) if isinstance(properties, Mapping) else {},
            old_properties=dict(old) if isinstance(old, Mapping) else {},
            resource_type=str(raw.get("ResourceType") or ""),
            explicit_time_limit=int(limit) if isinstance(limit, int | float) and limit > 0 else None,
            ownership=ownership,
            smoke_functions=smoke if isinstance(smoke, str) else None,
            raw={k: v for k, v in raw.items() if k not in (*_DROPPED, *PROVIDER_KEYS)},
        )
