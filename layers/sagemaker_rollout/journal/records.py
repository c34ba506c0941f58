"""The journal's items as typed values: request records, keys, the table's definition.

Part of :mod:`sagemaker_rollout.journal` (which re-exports these names).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.rollout.progress import Answer
from sagemaker_rollout.rollout.request import Ownership, RolloutRequest, request_key
from sagemaker_rollout.rollout.state import RolloutState

__all__ = [
    "ENDPOINT_INDEX",
    "Adoption",
    "EndpointItem",
    "JournalConflictError",
    "JournalUnavailableError",
    "RequestRecord",
    "request_key",
    "table_definition",
]


ENDPOINT_INDEX = "by-endpoint"
"""Global secondary index: the requests of one endpoint, by start time (``history``)."""

_CONFLICT = "ConditionalCheckFailedException"
_LEASE = {"#o": "lease_owner", "#u": "lease_until"}
_SUSPENDED = {"#b": "suspended_by", "#n": "snapshot"}
_ADOPTION = {"#d": "adoption"}
_CREATED = {"#c": "created_by"}
_REQUESTED = {"#q": "requested"}
_HINT = {"#h": "hint", "#ha": "hint_at"}
_PROVISIONED = {"#p": "provisioned"}
_ABORT = {"#a": "abort"}


class JournalConflictError(RuntimeError):
    """Another invocation moved the request on: this one must stop without acting."""


class JournalUnavailableError(RuntimeError):
    """The journal could not be read or written in the time this invocation may wait for it.

    Attributes
    ----------
    operation, code:
        The DynamoDB call and the error that ended the wait (``ProvisionedThroughputExceededException``,
        ``InternalServerError``, ``AccessDeniedException``, ...).
    transient:
        The error was one worth waiting out (throttling, a 5xx, a lost connection): the wait ended
        only because the invocation's or the request's time did.
    """

    def __init__(self, operation: str, code: str, *, transient: bool) -> None:
        super().__init__(f"DynamoDB {operation}: {code}")
        self.operation = operation
        self.code = code
        self.transient = transient


def table_definition(name: str) -> dict[str, Any]:
    """CreateTable arguments of the journal, as ``template.yaml`` declares it (tests, the demo)."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "endpoint", "AttributeType": "S"},
            {"AttributeName": "started", "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": ENDPOINT_INDEX,
                "KeySchema": [
                    {"AttributeName": "endpoint", "KeyType": "HASH"},
                    {"AttributeName": "started", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


@dataclass
class RequestRecord:
    """One request as the journal holds it."""

    key: str
    request: RolloutRequest
    started: float
    deadline: float
    state: RolloutState
    token: str
    version: int
    inflight: int = 0
    answer: Answer | None = None
    endpoint: str = ""
    prior_token: str = ""
    """The token this record's :attr:`token` replaced ('' before the first hand-off): a continuation
    CloudFormation delivers again after the invocation that moved the token on died still belongs
    to the request (the registry type accepts either)."""
    wakeup: dict[str, Any] | None = None
    """The live link of a suspended request's wake-up chain (``{"link", "due"}``; issue 23)."""

    @property
    def answered(self) -> bool:
        """Answered, or dropped (CloudFormation did not confirm it): nothing more to do or send."""
        return self.answer is not None or bool(self.state.dropped)

    def issued(self, token: str) -> bool:
        """Whether the journal issued ``token`` to this request (its token, or the one before)."""
        return bool(token) and token in (self.token, self.prior_token)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": repr(round(float(value), 3))}


def _record(item: Mapping[str, Any]) -> RequestRecord:
    answer = item.get("answer", {}).get("S")
    return RequestRecord(
        key=item["pk"]["S"].split("#", 1)[1],
        request=RolloutRequest.from_record(json.loads(item["event"]["S"])),
        started=float(item["started"]["N"]),
        deadline=float(item["deadline"]["N"]),
        state=RolloutState.from_json(item["state"]["S"]),
        token=item["token"]["S"],
        version=int(item["version"]["N"]),
        inflight=int(item.get("inflight", {}).get("N", "0")),
        answer=Answer.from_dict(json.loads(answer)) if answer else None,
        endpoint=item.get("endpoint", {}).get("S", ""),
        prior_token=item.get("prior_token", {}).get("S", ""),
        wakeup=json.loads(item["wakeup"]["S"]) if "wakeup" in item else None,
    )


@dataclass(frozen=True)
class Adoption:
    """An endpoint adopted by a stack resource (``AdoptExistingEndpoint``), as the journal keeps it.

    Attributes
    ----------
    stack_id, logical_id:
        The adopting stack resource.
    config:
        The config the endpoint ran when it was adopted (never deleted by the provider).
    request:
        The adopting request's journal key.
    adopted:
        Set once that request succeeded (a later Delete deletes; before, it releases).
    ownership:
        The adopting request's ownership rule: under the primary-identifier rule (the registry
        type) the adoption is the endpoint's, whatever stack resource asks later.
    """

    stack_id: str
    logical_id: str
    config: str
    request: str
    adopted: bool = False
    ownership: Ownership = Ownership.STACK_RESOURCE

    def to_json(self) -> str:
        document: dict[str, Any] = {
            "stack_id": self.stack_id,
            "logical_id": self.logical_id,
            "config": self.config,
            "request": self.request,
            "adopted": self.adopted,
        }
        if self.ownership is not Ownership.STACK_RESOURCE:  # earlier records' shape otherwise
            document["ownership"] = self.ownership.value
        return json.dumps(document, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Adoption:
        raw = json.loads(text)
        return cls(
            str(raw.get("stack_id", "")),
            str(raw.get("logical_id", "")),
            str(raw.get("config", "")),
            str(raw.get("request", "")),
            bool(raw.get("adopted", False)),
            Ownership(str(raw.get("ownership") or Ownership.STACK_RESOURCE.value)),
        )


@dataclass(frozen=True)
class EndpointItem:
    """The journal's item of one endpoint (``endpoint#<name>``); empty when there is none.

    Attributes
    ----------
    lease_owner, lease_until:
        Which invocation acts on the endpoint, and until when (unless renewed).
    suspended_by, snapshot:
        The request whose rollout deregistered the endpoint's autoscaling, and what it saved.
    adoption:
        The endpoint's adoption, if a stack resource adopted it.
    created_by:
        The request of the registry type that created (or adopted) the endpoint: the type's own
        record of what it manages (its list handler reads it; a Create takes an existing endpoint
        as its own only when it is that request). None for the custom resource's endpoints.
    leftovers:
        Endpoint configs a clean-up could not delete ({name: why}); the next request retries them.
    scaling_generation:
        How many times the provider re-created the endpoint's scaling policies (their ARNs changed).
    hint, hint_at:
        The newest SageMaker event received for the endpoint (what it claims, as the planner's
        ``Hint.to_dict``) and its time: a hint only, checked against a read before it counts.
    provisioned:
        How long the endpoint's last fleet launches took (seconds, newest last): the basis of the
        next rollout's expected launch.
    abort:
        An operator's abort (``sagemaker-rollout abort``): ``{"key": request key, "reason": text,
        "at": epoch seconds}``; the request with that key answers with the reason.
    """

    lease_owner: str | None = None
    lease_until: float | None = None
    suspended_by: str | None = None
    snapshot: list[dict[str, Any]] = field(default_factory=list)
    adoption: Adoption | None = None
    created_by: str | None = None
    requested: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """``{config: {variant: {field: template value}}}``: for configs into which the retain rule
    wrote live values, what the template asked (the registry type's read reports it)."""
    leftovers: dict[str, str] = field(default_factory=dict)
    scaling_generation: int = 0
    hint: dict[str, Any] | None = None
    hint_at: float | None = None
    provisioned: list[float] = field(default_factory=list)
    abort: dict[str, Any] | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> EndpointItem:
        def text(name: str) -> str | None:
            value = item.get(name, {}).get("S")
            return str(value) if value is not None else None

        until = item.get("lease_until", {}).get("N")
        snapshot = text("snapshot")
        adoption = text("adoption")
        requested = text("requested")
        leftovers = text("leftovers")
        hint = text("hint")
        hint_at = item.get("hint_at", {}).get("N")
        provisioned = text("provisioned")
        abort = text("abort")
        return cls(
            lease_owner=text("lease_owner"),
            lease_until=float(until) if until is not None else None,
            suspended_by=text("suspended_by"),
            snapshot=list(json.loads(snapshot)) if snapshot else [],
            adoption=Adoption.from_json(adoption) if adoption else None,
            created_by=text("created_by"),
            requested=dict(json.loads(requested)) if requested else {},
            leftovers={str(k): str(v) for k, v in json.loads(leftovers).items()} if leftovers else {},
            scaling_generation=int(item.get("scaling_generation", {}).get("N", "0")),
            hint=dict(json.loads(hint)) if hint else None,
            hint_at=float(hint_at) if hint_at is not None else None,
            provisioned=[float(x) for x in json.loads(provisioned)] if provisioned else [],
            abort=dict(json.loads(abort)) if abort else None,
        )
