"""The durable rollout journal: one DynamoDB table, written before every side effect.

Items
-----
``request#<key>``
    One CloudFormation request (key = hash of stack id, logical id and request id): its event,
    deadline as first seen, the :class:`~sagemaker_rollout.rollout.state.RolloutState`, the
    continuation token, and once finished, the answer sent (re-sent to duplicates) and a TTL.
``endpoint#<name>``
    The endpoint's lease (one request acts on an endpoint at a time) and the autoscaling snapshot
    of a request that suspended it, so the next request can restore what a dead one left. An
    adopted endpoint also keeps its ``adoption`` here (stack id, logical id, the config it ran when
    adopted, the adopting request, and ``adopted`` once that request succeeded): endpoint items
    have no TTL, so a Delete months later still knows whether it releases or deletes.

Conditional writes give the guarantees (DynamoDB developer guide, "Condition expressions" and
"Working with items: conditional writes"): a record is created once (``attribute_not_exists``),
state moves forward only from the version read (optimistic locking), and a lease is taken only when
it is free, expired, or already ours. TTL removes finished records after ``JournalRetentionDays``
(DynamoDB developer guide, "Time to Live"): expired items are deleted in the background, within a
few days, so readers never rely on their absence.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, error_code
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.journal.records import (
    _ADOPTION,
    _CONFLICT,
    _HINT,
    _LEASE,
    _PROVISIONED,
    _SUSPENDED,
    ENDPOINT_INDEX,
    Adoption,
    EndpointItem,
    JournalConflictError,
    RequestRecord,
    _n,
    _record,
    _s,
)
from sagemaker_rollout.rollout.progress import Answer
from sagemaker_rollout.rollout.request import RolloutRequest
from sagemaker_rollout.rollout.state import RolloutState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sagemaker_rollout.aws.runtime import ProviderRuntime

__all__ = ["Journal"]


class Journal:
    """Reads and conditional writes of the journal table.

    Parameters
    ----------
    client:
        A boto3 ``dynamodb`` client.
    table:
        The table's name (stack output ``RolloutJournalTableName``).
    clock:
        For retries of throttled calls and lease expiry.
    retention_days:
        Finished records expire this many days after their answer.
    """

    def __init__(self, client: DynamoDBClient, table: str, clock: Clock, retention_days: int = 90) -> None:
        self.client = client
        self.table = table
        self.clock = clock
        self.retention_days = retention_days

    @classmethod
    def for_runtime(cls, runtime: ProviderRuntime) -> Journal:
        """The provider stack's journal on ``runtime`` (no I/O until used).

        The table is ``runtime.journal_table`` or the environment variable ``JOURNAL_TABLE_NAME``
        (set by ``template.yaml``); retention ``JOURNAL_RETENTION_DAYS`` (default 90).
        """
        table = runtime.journal_table or os.environ.get("JOURNAL_TABLE_NAME")
        if not table:
            raise RuntimeError("JOURNAL_TABLE_NAME is not set: the provider needs its rollout journal table")
        days = int(os.environ.get("JOURNAL_RETENTION_DAYS", "90"))
        return cls(runtime.client("dynamodb"), table, runtime.clock, days)

    # ---- requests ------------------------------------------------------------------------
    def load(self, key: str) -> RequestRecord | None:
        item = call(
            self.clock,
            self.client.get_item,
            TableName=self.table,
            Key={"pk": _s(f"request#{key}")},
            ConsistentRead=True,
        ).get("Item")
        return _record(item) if item else None

    def open(self, request: RolloutRequest, *, deadline: float, state: RolloutState) -> RequestRecord:
        """The request's record: created on first sight (its deadline fixed then), else read."""
        key = request.key
        now = self.clock.now()
        token = secrets.token_hex(16)
        item = {
            "pk": _s(f"request#{key}"),
            "kind": _s("request"),
            "request_type": _s(request.kind.value),
            "stack_id": _s(request.stack_id),
            "logical_id": _s(request.logical_id),
            "request_id": _s(request.request_id),
            "event": _s(json.dumps(request.to_record(), sort_keys=True, default=str)),
            "started": _n(now),
            "deadline": _n(deadline),
            "state": _s(state.to_json()),
            "token": _s(token),
            "version": {"N": "0"},
            "inflight": {"N": "0"},
        }
        try:
            call(
                self.clock,
                self.client.put_item,
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
            return RequestRecord(key, request, now, deadline, state, token, 0)
        except ClientError as error:
            if error_code(error) != _CONFLICT:
                raise
        record = self.load(key)
        if record is None:  # pragma: no cover - deleted between the two calls (TTL cannot be that fast)
            raise JournalConflictError(f"request {key} vanished from the journal")
        return record

    def save(
        self,
        record: RequestRecord,
        *,
        endpoint: str = "",
        token: str | None = None,
        inflight: int | None = None,
    ) -> None:
        """Write ``record.state`` if nobody else wrote since we read it (else JournalConflictError)."""
        names = {"#s": "state", "#v": "version"}
        values: dict[str, Any] = {
            ":s": _s(record.state.to_json()),
            ":v": {"N": str(record.version)},
            ":w": {"N": str(record.version + 1)},
        }
        sets = ["#s = :s", "#v = :w"]
        if endpoint and endpoint != record.endpoint:
            names["#e"] = "endpoint"
            values[":e"] = _s(endpoint)
            sets.append("#e = :e")
        if token is not None:
            names["#t"] = "token"
            values[":t"] = _s(token)
            sets.append("#t = :t")
        if inflight is not None:
            names["#i"] = "inflight"
            values[":i"] = {"N": str(inflight)}
            sets.append("#i = :i")
        if not self._update(f"request#{record.key}", "SET " + ", ".join(sets), names, values, "#v = :v"):
            raise JournalConflictError(f"request {record.key} moved on in another invocation")
        record.version += 1
        if endpoint:
            record.endpoint = endpoint
        if token is not None:
            record.token = token
        if inflight is not None:
            record.inflight = inflight

    def finish(self, record: RequestRecord, answer: Answer) -> None:
        """Record the answer (before it is sent) and let the record expire later."""
        now = self.clock.now()
        written = self._update(
            f"request#{record.key}",
            "SET #a = :a, #f = :f, #x = :x, #s = :s, #v = :w, #i = :z",
            {
                "#s": "state",
                "#v": "version",
                "#a": "answer",
                "#f": "finished",
                "#x": "expires",
                "#i": "inflight",
            },
            {
                ":a": _s(json.dumps(answer.to_dict(), sort_keys=True)),
                ":f": _n(now),
                ":x": {"N": str(int(now + self.retention_days * 86400))},
                ":s": _s(record.state.to_json()),
                ":v": {"N": str(record.version)},
                ":w": {"N": str(record.version + 1)},
                ":z": {"N": "0"},
            },
            "#v = :v",
        )
        if not written:
            raise JournalConflictError(f"request {record.key} was answered in another invocation")
        record.version += 1
        record.answer = answer

    def set_wakeup(self, record: RequestRecord, link: str, due: float) -> bool:
        """Name the live link of the request's wake-up chain (issue 23): its deadline watchdog.

        Written beside the state, without moving the record's version, so that a link's hop never
        collides with an invocation carrying the request; only while the request is unanswered and
        its token is the record's. Returns whether it was written.
        """
        value = json.dumps({"link": link, "due": round(float(due), 3)}, sort_keys=True)
        written = self._update(
            f"request#{record.key}",
            "SET #k = :k",
            {"#k": "wakeup", "#t": "token", "#a": "answer"},
            {":k": _s(value), ":t": _s(record.token)},
            "#t = :t AND attribute_not_exists(#a)",
        )
        if written:
            record.wakeup = {"link": link, "due": round(float(due), 3)}
        return written

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(16)

    # ---- endpoints: lease and orphaned autoscaling --------------------------------------------
    def _update(
        self,
        pk: str,
        expression: str,
        names: Mapping[str, str],
        values: Mapping[str, Any] | None = None,
        condition: str | None = None,
    ) -> bool:
        """One UpdateItem; False when its condition did not hold (nothing was written)."""
        arguments: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": _s(pk)},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": dict(names),
        }
        if values:
            arguments["ExpressionAttributeValues"] = dict(values)
        if condition:
            arguments["ConditionExpression"] = condition
        try:
            call(self.clock, self.client.update_item, **arguments)
        except ClientError as error:
            if error_code(error) != _CONFLICT:
                raise
            return False
        return True

    def take_lease(
        self, endpoint: str, owner: str, until: float, *, successor_of: str | None = None
    ) -> str | None:
        """Hold ``endpoint`` for ``owner`` until ``until``; returns the other holder if refused.

        ``successor_of``: a holder ``owner`` takes over from, lease expired or not (a suspended
        request's ``<key>/<token>``, taken by the invocation that resumes it).
        """
        values = {":o": _s(owner), ":u": _n(until), ":now": _n(self.clock.now())}
        condition = "attribute_not_exists(#o) OR #u < :now OR #o = :o"
        if successor_of:
            values[":p"] = _s(successor_of)
            condition += " OR #o = :p"
        taken = self._update(f"endpoint#{endpoint}", "SET #o = :o, #u = :u", _LEASE, values, condition)
        return None if taken else (self.endpoint(endpoint).lease_owner or "?")

    def release_lease(self, endpoint: str, owner: str) -> None:
        """Give the lease up (only if still ours)."""
        self._update(f"endpoint#{endpoint}", "REMOVE #o, #u", _LEASE, {":o": _s(owner)}, "#o = :o")

    def endpoint(self, endpoint: str) -> EndpointItem:
        """The endpoint's item: lease, suspended autoscaling, adoption."""
        item = (
            call(
                self.clock,
                self.client.get_item,
                TableName=self.table,
                Key={"pk": _s(f"endpoint#{endpoint}")},
                ConsistentRead=True,
            ).get("Item")
            or {}
        )
        return EndpointItem.from_item(item)

    def mark_suspended(self, endpoint: str, request: str, snapshot: list[dict[str, Any]]) -> None:
        """Before deregistering: the endpoint's autoscaling lives in the journal until restored."""
        document = _s(json.dumps(snapshot, sort_keys=True))
        self._update(
            f"endpoint#{endpoint}", "SET #b = :r, #n = :s", _SUSPENDED, {":r": _s(request), ":s": document}
        )

    def clear_suspended(self, endpoint: str, request: str) -> None:
        """After a restore: forget the snapshot (only if ``request`` still holds it)."""
        self._update(f"endpoint#{endpoint}", "REMOVE #b, #n", _SUSPENDED, {":r": _s(request)}, "#b = :r")

    def mark_adopted(self, endpoint: str, adoption: Adoption) -> None:
        """Record an adoption (before the ownership tags are added), or update it (``adopted``)."""
        document = _s(adoption.to_json())
        self._update(f"endpoint#{endpoint}", "SET #d = :d", _ADOPTION, {":d": document})

    def clear_adopted(self, endpoint: str) -> None:
        """Forget an adoption (the endpoint was released or deleted)."""
        self._update(f"endpoint#{endpoint}", "REMOVE #d", _ADOPTION)

    def note_hint(self, endpoint: str, hint: Mapping[str, Any], at: float) -> bool:
        """Keep the newest SageMaker event of an endpoint the journal knows (a hint, never trusted).

        Only an existing endpoint item is written (an event of an endpoint the provider never acted
        on leaves no trace) and only a hint newer than the one kept. Returns whether it was kept.
        """
        return self._update(
            f"endpoint#{endpoint}",
            "SET #h = :h, #ha = :t",
            _HINT,
            {":h": _s(json.dumps(dict(hint), sort_keys=True)), ":t": _n(at)},
            "attribute_exists(pk) AND (attribute_not_exists(#ha) OR #ha < :t)",
        )

    def note_provisioning(self, endpoint: str, seconds: float, keep: int = 3) -> None:
        """Remember how long the endpoint's fleet took to launch (the last ``keep`` launches)."""
        known = self.endpoint(endpoint).provisioned
        recent = [*known, round(float(seconds), 1)][-keep:]
        self._update(f"endpoint#{endpoint}", "SET #p = :p", _PROVISIONED, {":p": _s(json.dumps(recent))})

    # ---- history -----------------------------------------------------------------------------
    def history(self, endpoint: str, limit: int = 50) -> list[dict[str, Any]]:
        """The endpoint's requests, newest first, as plain dicts (``sagemaker-rollout history``)."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": ENDPOINT_INDEX,
            "KeyConditionExpression": "#e = :e",
            "ExpressionAttributeNames": {"#e": "endpoint"},
            "ExpressionAttributeValues": {":e": _s(endpoint)},
            "ScanIndexForward": False,
        }
        while len(items) < limit:
            page = call(self.clock, self.client.query, **kwargs)
            for item in page.get("Items", []):
                record = _record(item)
                items.append(
                    {
                        "requestType": record.request.kind.value,
                        "requestId": record.request.request_id,
                        "stackId": record.request.stack_id,
                        "logicalId": record.request.logical_id,
                        "started": record.started,
                        "finished": float(item["finished"]["N"]) if "finished" in item else None,
                        "state": json.loads(record.state.to_json()),
                        "answer": record.answer.to_dict() if record.answer is not None else None,
                    }
                )
            if not page.get("LastEvaluatedKey"):
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items[:limit]
