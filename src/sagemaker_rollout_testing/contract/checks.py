"""The harness's own assertions on every handler invocation of a contract run.

``cfn test`` checks what the contract suite's tests look at (the final event of an operation, the
read-back model, the list). The harness sees every invocation as it passes through the local Lambda
endpoint and holds each one to what the issue (20) asks beyond the suite:

* ``time-budget``: the invocation's *simulated* elapsed time (AWS calls at the modelled latency,
  retries and their backoff, botocore timeouts) is at most :data:`BUDGET_SECONDS` of its action.
  The CloudFormation CLI user guide ("Resource type handler contract", output requirements of each
  handler) requires create, update and delete handlers to return a ProgressEvent within 60 s, read
  and list handlers within 30 s; the type budgets 40 s and 20 s to keep a margin for cold start and
  the library's own work (issue 20, point 5);
* ``permissions``: every AWS call is an IAM action listed in the schema's
  ``handlers.<action>.permissions`` (the handler's role is built from that list when the type is
  registered: CloudFormation CLI user guide, "Resource type schema", ``handlers``);
* ``write-only``: a SUCCESS event's model holds no ``writeOnlyProperties`` ("Resource type schema":
  write-only properties "can be specified by the user, but cannot be returned by a read or list
  request"; the contract suite checks only the final event of create, update and read);
* ``in-progress-identifier``: every IN_PROGRESS event's model holds the primary identifier (the
  contract runner sends that model back as the next request's desired state and asserts the
  identifier in it: ``rpdk/core/contract/resource_client.py``, ``ResourceClient.call``);
* ``fresh-logical-id``: no logical resource id is used by two operations: the runner sends a new
  ``logicalResourceId`` (its bearer token) per operation, as CloudFormation does for different
  resources; pinning it would hide ownership bugs (issue 20, point 1).

Pure functions over plain values: no I/O, no AWS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BUDGET_SECONDS",
    "CHECKS",
    "Invocation",
    "Violation",
    "check_invocation",
    "check_logical_ids",
    "count_by_check",
    "write_only_names",
]

BUDGET_SECONDS: dict[str, float] = {
    "create": 40.0,
    "update": 40.0,
    "delete": 40.0,
    "read": 20.0,
    "list": 20.0,
}
"""Simulated seconds one invocation of each handler may take (see the module docstring)."""

CHECKS = ("time-budget", "permissions", "write-only", "in-progress-identifier", "fresh-logical-id")
"""The harness's checks, in report order. The world adds three of its own: ``operation-timeout``
(an operation past its handler's ``timeoutInMinutes``, or re-invoked without end), ``function-error``
(a handler that raised past the library) and ``list-pagination`` (a list page that returns the
``nextToken`` it was sent, which would keep the runner paging forever); each is answered with a
Lambda function error so the runner's test fails instead of hanging."""


@dataclass
class Invocation:
    """One handler invocation as the local Lambda endpoint saw it.

    Attributes
    ----------
    seq:
        Order of arrival (1-based) within the run.
    action:
        The handler: ``create``, ``read``, ``update``, ``delete`` or ``list``.
    operation:
        The operation's bearer token (the same for every callback of one operation).
    logical_id:
        The request's ``logicalResourceId``.
    callback:
        Whether the request carried a callback context (a re-invocation).
    started, elapsed:
        Simulated start time and seconds the invocation took.
    status, error_code, message:
        Of the progress event returned.
    model:
        The event's ``resourceModel`` (None when absent).
    calls:
        IAM actions of the AWS calls made (every attempt, throttled ones included).
    input_set, test:
        Which contract input set and test the runner was in (as it reported them).
    notes:
        What the handler reported of its steps (the front end's ``notify``: kind and text).
    """

    seq: int
    action: str
    operation: str
    logical_id: str | None
    callback: bool
    started: float
    elapsed: float
    status: str
    error_code: str | None
    message: str
    model: dict[str, Any] | None
    calls: list[str] = field(default_factory=list)
    input_set: int = 0
    test: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready digest (the results file)."""
        return {
            "seq": self.seq,
            "input_set": self.input_set,
            "test": self.test,
            "action": self.action,
            "callback": self.callback,
            "elapsed": round(self.elapsed, 3),
            "status": self.status,
            "error_code": self.error_code,
            "message": self.message[:300],
            "calls": self.calls,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Violation:
    """One harness assertion that failed.

    Attributes
    ----------
    check:
        One of :data:`CHECKS`, ``operation-timeout`` or ``function-error``.
    input_set, test, action:
        Where it happened.
    detail:
        One line: what was seen against what was allowed.
    """

    check: str
    input_set: int
    test: str
    action: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "input_set": self.input_set,
            "test": self.test,
            "action": self.action,
            "detail": self.detail,
        }


def write_only_names(schema: Mapping[str, Any]) -> list[str]:
    """Top-level property names of the schema's ``writeOnlyProperties`` (``/properties/<name>``)."""
    names = []
    for pointer in schema.get("writeOnlyProperties", []):
        parts = str(pointer).split("/")
        if len(parts) >= 3 and parts[1] == "properties":
            names.append(parts[2])
    return names


def _primary_identifier(schema: Mapping[str, Any]) -> list[str]:
    return [str(p).split("/")[2] for p in schema.get("primaryIdentifier", [])]


def check_invocation(schema: Mapping[str, Any], invocation: Invocation) -> list[Violation]:
    """Every harness assertion on one invocation that fails (empty: it passed them all).

    Parameters
    ----------
    schema:
        The resource type's schema (``handlers``, ``writeOnlyProperties``, ``primaryIdentifier``).
    invocation:
        What the endpoint recorded.
    """
    found: list[Violation] = []

    def fail(check: str, detail: str) -> None:
        found.append(Violation(check, invocation.input_set, invocation.test, invocation.action, detail))

    budget = BUDGET_SECONDS.get(invocation.action)
    if budget is not None and invocation.elapsed > budget:
        fail(
            "time-budget",
            f"{invocation.action} invocation took {invocation.elapsed:.1f} s of simulated time "
            f"(budget {budget:.0f} s; {len(invocation.calls)} AWS call attempts)",
        )
    allowed = set(schema.get("handlers", {}).get(invocation.action, {}).get("permissions", []))
    outside = sorted({c for c in invocation.calls if c not in allowed})
    if outside:
        fail(
            "permissions",
            f"{invocation.action} called {', '.join(outside)}: "
            f"not in handlers.{invocation.action}.permissions",
        )
    model = invocation.model or {}
    if invocation.status == "SUCCESS":
        # Stricter than the runner (which flags truthy values only): a returned ``false`` is returned.
        held = [name for name in write_only_names(schema) if model.get(name) is not None]
        if held:
            fail("write-only", f"SUCCESS model holds write-only {', '.join(held)}")
    if invocation.status == "IN_PROGRESS":
        missing = [name for name in _primary_identifier(schema) if not model.get(name)]
        if missing:
            shown = "no resourceModel" if invocation.model is None else f"model without {', '.join(missing)}"
            fail("in-progress-identifier", f"IN_PROGRESS event with {shown}")
    return found


def check_logical_ids(invocations: Sequence[Invocation]) -> list[Violation]:
    """``fresh-logical-id``: a logical id shared by two operations (the runner must not be pinned)."""
    owners: dict[str, set[str]] = {}
    first: dict[str, Invocation] = {}
    for invocation in invocations:
        if invocation.logical_id:
            owners.setdefault(invocation.logical_id, set()).add(invocation.operation)
            first.setdefault(invocation.logical_id, invocation)
    return [
        Violation(
            "fresh-logical-id",
            first[lid].input_set,
            first[lid].test,
            first[lid].action,
            f"logicalResourceId {lid} used by {len(ops)} operations",
        )
        for lid, ops in owners.items()
        if len(ops) > 1
    ]


def count_by_check(violations: Iterable[Violation]) -> dict[str, int]:
    """How many violations of each check (report and expected-results comparison)."""
    counts: dict[str, int] = {}
    for violation in violations:
        counts[violation.check] = counts.get(violation.check, 0) + 1
    return counts
