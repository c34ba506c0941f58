"""The journal's items as typed values: request records, keys, the table's definition.

Part of :mod:`sagemaker_rollout.journal` (which re-exports these names).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.rollout.progress import Answer
from sagemaker_rollout.rollout.request import RolloutRequest, request_key
from sagemaker_rollout.rollout.state import RolloutState

__all__ = [
    "ENDPOINT_INDEX",
    "Adoption",
    "EndpointItem",
    "JournalConflictError",
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
_HINT = {"#h": "hint", "#ha": "hint_at"}
_PROVISIONED = {"#p": "provisioned"}


class JournalConflictError(RuntimeError):
    """Another invocation moved the request on: this one must stop without acting."""


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
    wakeup: dict[str, Any] | None = None
    """The live link of a suspended request's wake-up chain (``{"link", "due"}``; issue 23)."""

    @property
    def answered(self) -> bool:
        return self.answer is not None


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
    """

    stack_id: str
    logical_id: str
    config: str
    request: str
    adopted: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "stack_id": self.stack_id,
                "logical_id": self.logical_id,
                "config": self.config,
                "request": self.request,
                "adopted": self.adopted,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Adoption:
        raw = json.loads(text)
        return cls(
            str(raw.get("stack_id", "")),
            str(raw.get("logical_id", "")),
            str(raw.get("config", "")),
            str(raw.get("request", "")),
            bool(raw.get("adopted", False)),
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
    hint, hint_at:
        The newest SageMaker event received for the endpoint (what it claims, as the planner's
        ``Hint.to_dict``) and its time: a hint only, checked against a read before it counts.
    provisioned:
        How long the endpoint's last fleet launches took (seconds, newest last): the basis of the
        next rollout's expected launch.
    """

    lease_owner: str | None = None
    lease_until: float | None = None
    suspended_by: str | None = None
    snapshot: list[dict[str, Any]] = field(default_factory=list)
    adoption: Adoption | None = None
    hint: dict[str, Any] | None = None
    hint_at: float | None = None
    provisioned: list[float] = field(default_factory=list)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> EndpointItem:
        def text(name: str) -> str | None:
            value = item.get(name, {}).get("S")
            return str(value) if value is not None else None

        until = item.get("lease_until", {}).get("N")
        snapshot = text("snapshot")
        adoption = text("adoption")
        hint = text("hint")
        hint_at = item.get("hint_at", {}).get("N")
        provisioned = text("provisioned")
        return cls(
            lease_owner=text("lease_owner"),
            lease_until=float(until) if until is not None else None,
            suspended_by=text("suspended_by"),
            snapshot=list(json.loads(snapshot)) if snapshot else [],
            adoption=Adoption.from_json(adoption) if adoption else None,
            hint=dict(json.loads(hint)) if hint else None,
            hint_at=float(hint_at) if hint_at is not None else None,
            provisioned=[float(x) for x in json.loads(provisioned)] if provisioned else [],
        )
