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

The journal is inside the provider's guarantee like any AWS call: DynamoDB's throttling and 5xx
(``ProvisionedThroughputExceededException``, ``ThrottlingException``, ``InternalServerError``: DynamoDB
developer guide, "Error handling with DynamoDB", which says to retry them with exponential backoff)
are waited out on the request's clock for as long as :func:`journal_patience` allows (the engine sets
it to the request's answer margin, or the end of the invocation if that comes first); after that, or
on an error that is not worth waiting out, :class:`JournalUnavailableError` says which call failed
and why. A conditional write whose first attempt failed transiently may have taken effect before its
response was lost ("a 5xx ... the request may or may not have succeeded"); when its retry then fails
its condition, the item is read back, and a write found there as sent counts as done.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import AWS_ERRORS, current_call_deadline, error_code, is_transient
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.journal.endpoints import ConditionFailed, EndpointItems
from sagemaker_rollout.journal.records import (
    _CONFLICT,
    ENDPOINT_INDEX,
    JournalConflictError,
    JournalUnavailableError,
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

__all__ = ["Journal", "journal_patience"]

_ATTEMPTS = 6
"""Tries of a journal call when no patience is set (the CLI, tests), as
:func:`~sagemaker_rollout.aws.calls.call` does."""
_PATIENCE: ContextVar[float | None] = ContextVar("sagemaker_rollout_journal_patience", default=None)


@contextmanager
def journal_patience(until: float | None) -> Iterator[None]:
    """Within the block, journal calls wait out transient errors until ``until`` (clock seconds).

    Nested blocks keep the earlier limit; :func:`~sagemaker_rollout.aws.calls.call_deadline` bounds it
    too (a front end's per-invocation budget). None: no limit beyond :data:`_ATTEMPTS` tries.
    """
    current = _PATIENCE.get()
    token = _PATIENCE.set(until if current is None else (current if until is None else min(current, until)))
    try:
        yield
    finally:
        _PATIENCE.reset(token)


def _api_name(python_name: str) -> str:
    """``get_item`` -> ``GetItem`` (boto3's method names are the API's in snake case)."""
    return "".join(part.capitalize() for part in python_name.split("_"))


class Journal(EndpointItems):
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
    # ---- calls ----------------------------------------------------------------------------------
    def _call(self, method: Callable[..., Any], /, **kwargs: Any) -> Any:
        """One DynamoDB call, transient errors waited out (see the module); a failed condition raises
        :class:`ConditionFailed` (the caller decides), anything else :class:`JournalUnavailableError`."""
        patience = _PATIENCE.get()
        bound = current_call_deadline()
        if bound is not None:
            patience = bound if patience is None else min(patience, bound)
        operation = getattr(method, "__name__", "call")
        delay, attempt = 1.0, 0
        while True:
            attempt += 1
            try:
                return method(**kwargs)
            except AWS_ERRORS as error:
                code = error_code(error) or type(error).__name__
                if code == _CONFLICT:
                    raise ConditionFailed(retried=attempt > 1) from error
                transient = is_transient(error)
                out_of_time = (
                    attempt >= _ATTEMPTS if patience is None else self.clock.now() + delay > patience
                )
                if not transient or out_of_time:
                    raise JournalUnavailableError(_api_name(operation), code, transient=transient) from error
            self.clock.sleep(delay)
            delay = min(delay * 2, 20.0)

    def load(self, key: str) -> RequestRecord | None:
        item = self._call(
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
            self._call(
                self.client.put_item,
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
            return RequestRecord(key, request, now, deadline, state, token, 0)
        except ConditionFailed:
            pass
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
            if record.token and record.token != token:
                names["#p"] = "prior_token"
                values[":p"] = _s(record.token)
                sets.append("#p = :p")
        if inflight is not None:
            names["#i"] = "inflight"
            values[":i"] = {"N": str(inflight)}
            sets.append("#i = :i")
        written = record.state.to_json()

        def took_effect(item: Mapping[str, Any]) -> bool:
            return (
                item.get("version", {}).get("N") == str(record.version + 1)
                and item.get("state", {}).get("S") == written
                and (token is None or item.get("token", {}).get("S") == token)
            )

        if not self._update(
            f"request#{record.key}", "SET " + ", ".join(sets), names, values, "#v = :v", took_effect
        ):
            raise JournalConflictError(f"request {record.key} moved on in another invocation")
        record.version += 1
        if endpoint:
            record.endpoint = endpoint
        if token is not None:
            if record.token and record.token != token:
                record.prior_token = record.token
            record.token = token
        if inflight is not None:
            record.inflight = inflight

    def finish(self, record: RequestRecord, answer: Answer | None) -> None:
        """Record the answer (before it is sent) and let the record expire later.

        None: the request was dropped (CloudFormation did not confirm it; ``state.dropped`` says
        why): nothing was sent, the record only expires.
        """
        now = self.clock.now()
        written_state = record.state.to_json()
        sent = json.dumps(answer.to_dict(), sort_keys=True) if answer is not None else None
        names = {"#s": "state", "#v": "version", "#f": "finished", "#x": "expires", "#i": "inflight"}
        values: dict[str, Any] = {
            ":f": _n(now),
            ":x": {"N": str(int(now + self.retention_days * 86400))},
            ":s": _s(written_state),
            ":v": {"N": str(record.version)},
            ":w": {"N": str(record.version + 1)},
            ":z": {"N": "0"},
        }
        sets = "#f = :f, #x = :x, #s = :s, #v = :w, #i = :z"
        if sent is not None:
            names["#a"], values[":a"], sets = "answer", _s(sent), f"#a = :a, {sets}"

        def took_effect(item: Mapping[str, Any]) -> bool:
            version, state = item.get("version", {}).get("N"), item.get("state", {}).get("S")
            return bool(version == str(record.version + 1) and state == written_state)

        written = self._update(f"request#{record.key}", f"SET {sets}", names, values, "#v = :v", took_effect)
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
        due = math.floor(float(due) * 1000) / 1000  # to the millisecond, never later than the link
        value = json.dumps({"link": link, "due": due}, sort_keys=True)
        written = self._update(
            f"request#{record.key}",
            "SET #k = :k",
            {"#k": "wakeup", "#t": "token", "#a": "answer"},
            {":k": _s(value), ":t": _s(record.token)},
            "#t = :t AND attribute_not_exists(#a)",
        )
        if written:
            record.wakeup = {"link": link, "due": due}
        return written

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(16)

    def _update(
        self,
        pk: str,
        expression: str,
        names: Mapping[str, str],
        values: Mapping[str, Any] | None = None,
        condition: str | None = None,
        took_effect: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> bool:
        """One UpdateItem; False when its condition did not hold (nothing was written).

        ``took_effect`` tells, from the item read back, whether a retried write whose condition failed
        was in fact this write, done by an attempt whose response was lost (see the module).
        """
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
            self._call(self.client.update_item, **arguments)
        except ConditionFailed as failed:
            if took_effect is None or not failed.retried:
                return False
            return took_effect(self._item(pk))
        return True

    def _item(self, pk: str) -> dict[str, Any]:
        """The item ``pk`` as stored ({} if none), read consistently."""
        response = self._call(
            self.client.get_item, TableName=self.table, Key={"pk": _s(pk)}, ConsistentRead=True
        )
        return dict(response.get("Item") or {})

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
            page = self._call(self.client.query, **kwargs)
            for item in page.get("Items", []):
                record = _record(item)
                items.append(
                    {
                        "key": record.key,
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
