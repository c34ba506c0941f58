"""The journal's items as typed values: request records, keys, the table's definition.

Part of :mod:`sagemaker_rollout.journal` (which re-exports these names).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.rollout.request import RolloutRequest, request_key
from sagemaker_rollout.rollout.state import RolloutState

__all__ = [
    "ENDPOINT_INDEX",
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
    answer: dict[str, Any] | None = None
    endpoint: str = ""

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
        answer=json.loads(answer) if answer else None,
        endpoint=item.get("endpoint", {}).get("S", ""),
    )


