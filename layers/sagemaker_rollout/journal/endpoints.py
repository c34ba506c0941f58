"""The journal's endpoint items: lease, suspended autoscaling, adoption, leftovers, generation, creation.

Part of :mod:`sagemaker_rollout.journal` (:class:`~sagemaker_rollout.journal.store.Journal` inherits
these methods). Endpoint items have no TTL: what they hold outlives the request that wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.journal.records import (
    _ABORT,
    _ADOPTION,
    _CREATED,
    _HINT,
    _LEASE,
    _PROVISIONED,
    _REQUESTED,
    _SUSPENDED,
    Adoption,
    EndpointItem,
    JournalUnavailableError,
    _n,
    _s,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sagemaker_rollout.clock import Clock

__all__ = ["ConditionFailed", "EndpointItems"]

_LEFTOVERS = {"#l": "leftovers"}
_GENERATION = {"#g": "scaling_generation"}


class ConditionFailed(Exception):
    """A conditional write's condition did not hold (internal to the journal).

    ``retried``: an earlier attempt of the same call failed transiently, so the write may be this
    call's own, done before its response was lost.
    """

    def __init__(self, *, retried: bool) -> None:
        super().__init__("ConditionalCheckFailedException")
        self.retried = retried


class EndpointItems:
    """Reads and writes of ``endpoint#<name>`` items (mixed into the journal)."""

    client: DynamoDBClient
    table: str
    clock: Clock

    def _call(self, method: Callable[..., Any], /, **kwargs: Any) -> Any:  # pragma: no cover - Journal's
        raise NotImplementedError

    def _update(  # pragma: no cover - Journal's
        self,
        pk: str,
        expression: str,
        names: Mapping[str, str],
        values: Mapping[str, Any] | None = None,
        condition: str | None = None,
        took_effect: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> bool:
        raise NotImplementedError

    # ---- lease -----------------------------------------------------------------------------------
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
        """The endpoint's item: lease, suspended autoscaling, adoption, leftovers, generation."""
        item = (
            self._call(
                self.client.get_item,
                TableName=self.table,
                Key={"pk": _s(f"endpoint#{endpoint}")},
                ConsistentRead=True,
            ).get("Item")
            or {}
        )
        return EndpointItem.from_item(item)

    # ---- suspended autoscaling -----------------------------------------------------------------
    def mark_suspended(self, endpoint: str, request: str, snapshot: list[dict[str, Any]]) -> None:
        """Before deregistering: the endpoint's autoscaling lives in the journal until restored."""
        document = _s(json.dumps(snapshot, sort_keys=True))
        self._update(
            f"endpoint#{endpoint}", "SET #b = :r, #n = :s", _SUSPENDED, {":r": _s(request), ":s": document}
        )

    def clear_suspended(self, endpoint: str, request: str) -> None:
        """After a restore: forget the snapshot (only if ``request`` still holds it)."""
        self._update(f"endpoint#{endpoint}", "REMOVE #b, #n", _SUSPENDED, {":r": _s(request)}, "#b = :r")

    def bump_scaling_generation(self, endpoint: str) -> int:
        """Count one more re-creation of the endpoint's scaling policies; returns the new count.

        A restored policy has a new ARN; the count is the endpoint's ``ScalingGeneration`` attribute,
        which the macro puts in the names of the policies alarms act on (see the README).
        """
        response = self._call(
            self.client.update_item,
            TableName=self.table,
            Key={"pk": _s(f"endpoint#{endpoint}")},
            UpdateExpression="ADD #g :one",
            ExpressionAttributeNames=_GENERATION,
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response.get("Attributes", {}).get("scaling_generation", {}).get("N", "0"))

    # ---- adoption --------------------------------------------------------------------------------
    def mark_adopted(self, endpoint: str, adoption: Adoption) -> None:
        """Record an adoption (before the ownership tags are added), or update it (``adopted``)."""
        document = _s(adoption.to_json())
        self._update(f"endpoint#{endpoint}", "SET #d = :d", _ADOPTION, {":d": document})

    def clear_adopted(self, endpoint: str) -> None:
        """Forget an adoption (the endpoint was released or deleted)."""
        self._update(f"endpoint#{endpoint}", "REMOVE #d", _ADOPTION)

    # ---- clean-up leftovers ----------------------------------------------------------------------
    def add_leftovers(self, endpoint: str, leftovers: Mapping[str, str]) -> None:
        """Remember configs a clean-up could not delete ({name: why}); a later request retries them.

        Read, merged and written back: one request holds the endpoint's lease at a time.
        """
        merged = {**self.endpoint(endpoint).leftovers, **leftovers}
        self._update(
            f"endpoint#{endpoint}", "SET #l = :l", _LEFTOVERS, {":l": _s(json.dumps(merged, sort_keys=True))}
        )

    def clear_leftovers(self, endpoint: str, names: Iterable[str]) -> None:
        """Forget leftovers that are gone now (deleted, or no longer the provider's)."""
        done = set(names)
        if not done:
            return
        remaining = {k: v for k, v in self.endpoint(endpoint).leftovers.items() if k not in done}
        if remaining:
            self._update(
                f"endpoint#{endpoint}",
                "SET #l = :l",
                _LEFTOVERS,
                {":l": _s(json.dumps(remaining, sort_keys=True))},
            )
        else:
            self._update(f"endpoint#{endpoint}", "REMOVE #l", _LEFTOVERS)

    # ---- the registry type's record of what it manages ------------------------------------------
    def mark_created(self, endpoint: str, request: str, *, unless_another: bool = False) -> bool:
        """Record that ``request`` (of the registry type) creates or adopts ``endpoint``.

        ``unless_another``: only if no other request's record is there (a conditional write);
        returns whether the record is ``request``'s now.
        """
        condition = "attribute_not_exists(#c) OR #c = :r" if unless_another else None
        return self._update(f"endpoint#{endpoint}", "SET #c = :r", _CREATED, {":r": _s(request)}, condition)

    def clear_created(self, endpoint: str) -> None:
        """Forget the record (the endpoint was deleted or released)."""
        self._update(f"endpoint#{endpoint}", "REMOVE #c", _CREATED)

    def mark_requested(self, endpoint: str, requested: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """Record what the template asked for the fields the retain rule filled (per config name)."""
        document = _s(json.dumps(requested, sort_keys=True))
        self._update(f"endpoint#{endpoint}", "SET #q = :q", _REQUESTED, {":q": document})

    def created_among(self, endpoints: Sequence[str]) -> set[str]:
        """Which of ``endpoints`` (at most 100) the registry type has a creation record of.

        One ``BatchGetItem`` (at most 100 keys: DynamoDB API reference, BatchGetItem), reading only
        the key and the record; keys DynamoDB leaves unprocessed are asked again, and when some are
        still unprocessed after a few rounds the call counts as throttled.
        """
        names = sorted(set(endpoints))[:100]
        found: set[str] = set()
        if not names:
            return found
        pending: dict[str, Any] = {
            self.table: {
                "Keys": [{"pk": _s(f"endpoint#{name}")} for name in names],
                "ProjectionExpression": "pk, #c",
                "ExpressionAttributeNames": dict(_CREATED),
                "ConsistentRead": True,
            }
        }
        for _round in range(4):
            page = self._call(self.client.batch_get_item, RequestItems=pending)
            for item in page.get("Responses", {}).get(self.table, []):
                if item.get("created_by", {}).get("S"):
                    found.add(item["pk"]["S"].split("#", 1)[1])
            pending = page.get("UnprocessedKeys") or {}
            if not pending:
                return found
        raise JournalUnavailableError("BatchGetItem", "UnprocessedKeys", transient=True)

    # ---- SageMaker's events and launch times (issue 23) ------------------------------------------
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

    def note_abort(self, endpoint: str, key: str, reason: str, at: float) -> bool:
        """Journal an operator's abort of request ``key`` on an endpoint the journal knows (the
        request answers with ``reason``). Returns whether it was written (False: no endpoint item)."""
        value = json.dumps({"key": key, "reason": reason, "at": at}, sort_keys=True)
        return self._update(
            f"endpoint#{endpoint}", "SET #a = :a", _ABORT, {":a": _s(value)}, "attribute_exists(pk)"
        )
