"""When a waiting request looks at its endpoint again: the fallback schedule and the event hints.

Pure. A request waiting for SageMaker (a create, an update, a rollback, a delete) reads the endpoint
only when its timeline (:mod:`sagemaker_rollout.spec.timeline`) says something may have changed:

* while a part runs whose end is known (a bake, a termination wait: exact lengths), at its end;
* while a part of uncertain length runs (a fleet's launch), at its expected end;
* once a part has overrun its expected end: if the endpoint may settle when it ends (nothing but
  exact parts or nothing at all follows), every :data:`DENSE_SECONDS` (45 s) so that, even with
  every event lost, a settled endpoint is noticed within 60 s of settling (contract section 4);
  every :data:`RELAXED_SECONDS` once SageMaker's events for the endpoint are confirmed (an event a
  read agreed with); otherwise (a bake follows) once within that bake, which places it exactly.

SageMaker's events are hints (:class:`Hint`): an event may make the request read sooner, never
later. :func:`hint_warrants_read` says whether one is worth a DescribeEndpoint: not when it is older
than the last read, not when it says nothing the last read did not, not beyond the rollout's read
budget (:func:`read_budget`), and never within :data:`MIN_READ_GAP` of the last read (it is then
deferred). A forged, duplicated, late or out-of-order event therefore costs at most one read
within the budget and changes nothing else; a lost one costs the fallback's delay.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sagemaker_rollout.spec.timeline import Timeline, rollback_timeline

__all__ = [
    "DENSE_SECONDS",
    "MIN_READ_GAP",
    "RELAXED_SECONDS",
    "Hint",
    "Observation",
    "Wake",
    "hint_warrants_read",
    "next_wake",
    "read_budget",
]

DENSE_SECONDS = 45.0
"""Reads this far apart once the endpoint may settle any moment and events are not confirmed: a
settled endpoint is noticed within 45 s plus the wake-up's own delay (the contract's 60 s)."""
RELAXED_SECONDS = 300.0
"""The same once SageMaker's events for the endpoint are confirmed: the event is the fast path and
this read only covers an event that is lost."""
END_MARGIN = 2.0
"""Seconds after a part's computed end before reading (SageMaker moves on at that moment)."""
MIN_READ_GAP = 3.0
"""An event within this many seconds of the last read waits until it has passed ("a few seconds")."""
BASE_READS = 6
"""Reads every wait may make besides its per-minute share (the first look, the settle, a rollback)."""
READS_PER_MINUTE = 0.5
"""Reads per minute of the rollout's worst case that events may trigger (issue 23's budget)."""
_SKEW = 1.0
"""Seconds of clock difference tolerated between an event's time and the provider's."""


def _time(value: Any) -> float | None:
    """Epoch seconds from DescribeEndpoint's datetimes or an event's epoch milliseconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    return None


@dataclass(frozen=True)
class Observation:
    """What one DescribeEndpoint (or an UpdateEndpoint the request just made) says about the endpoint.

    Attributes
    ----------
    at:
        When it was read.
    status, config:
        ``EndpointStatus`` and ``EndpointConfigName``.
    pending:
        ``PendingDeploymentSummary.EndpointConfigName`` ('' when none).
    stage, stage_since:
        The first ``VariantStatus`` of the pending deployment and its ``StartTime`` ("The start time
        of the current status change", DescribeEndpoint API reference), when shown.
    """

    at: float
    status: str
    config: str = ""
    pending: str = ""
    stage: str = ""
    stage_since: float | None = None

    @classmethod
    def of(cls, described: Mapping[str, Any], at: float) -> Observation:
        """The observation of a DescribeEndpoint response read at ``at``."""
        summary = described.get("PendingDeploymentSummary") or {}
        stage, since = "", None
        for variant in summary.get("ProductionVariants") or []:
            statuses = variant.get("VariantStatus") or []
            if statuses:
                stage, since = str(statuses[0].get("Status", "")), _time(statuses[0].get("StartTime"))
                break
        return cls(
            at,
            str(described.get("EndpointStatus", "")),
            str(described.get("EndpointConfigName", "")),
            str(summary.get("EndpointConfigName", "") or ""),
            stage,
            since,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Observation:
        since = raw.get("stage_since")
        return cls(
            float(raw.get("at", 0.0)),
            str(raw.get("status", "")),
            str(raw.get("config", "")),
            str(raw.get("pending", "")),
            str(raw.get("stage", "")),
            float(since) if since is not None else None,
        )


@dataclass(frozen=True)
class Hint:
    """What an event claims about the endpoint (never trusted: it only decides whether to read).

    ``at`` is the event's time, never later than when it was received.
    """

    at: float
    status: str
    config: str = ""
    pending: str = ""
    stage: str = ""

    def agrees(self, seen: Observation) -> bool:
        """Whether ``seen`` (a read) shows what the event says: its status, and its configs and stage
        where it gives them (an "Endpoint State Change" carries no pending deployment)."""
        return (
            self.status == seen.status
            and (not self.config or not seen.config or self.config == seen.config)
            and (not self.pending or self.pending == seen.pending)
            and (not self.stage or self.stage == seen.stage)
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Hint:
        return cls(
            float(raw.get("at", 0.0)),
            str(raw.get("status", "")),
            str(raw.get("config", "")),
            str(raw.get("pending", "")),
            str(raw.get("stage", "")),
        )


@dataclass(frozen=True)
class Wake:
    """When to read next, and why (logged, and shown in the journal)."""

    at: float
    why: str


def read_budget(timeline: Timeline) -> int:
    """Reads a wait may make at an event's request: :data:`BASE_READS` + 0.5 per worst-case minute."""
    return BASE_READS + math.ceil(READS_PER_MINUTE * timeline.worst_seconds / 60.0)


def _position(timeline: Timeline, started: float, last: Observation | None, now: float) -> tuple[int, float]:
    """(index of the part running, its start) from the last observation, else from the clock."""
    if last is not None and last.stage and last.stage_since is not None:
        index = timeline.locate(last.stage, last.stage_since - started)
        if index is not None:
            return index, last.stage_since
    starts = timeline.starts()
    seen = max(last.at if last is not None else started, started)
    index = 0
    for i, offset in enumerate(starts):
        if started + offset <= seen:
            index = i
    return index, started + starts[index]


def next_wake(
    timeline: Timeline,
    *,
    started: float,
    now: float,
    deadline: float,
    last: Observation | None,
    trusted: bool = False,
) -> Wake:
    """The next fallback read of a wait that started at ``started`` (see the module docstring).

    Parameters
    ----------
    timeline:
        The operation's timeline.
    started:
        When SageMaker started the operation (the request's intent time).
    now, deadline:
        The clock, and when the request must stop waiting (the wake is never later).
    last:
        The latest observation of the endpoint, if any.
    trusted:
        SageMaker's events for the endpoint were confirmed by a read.
    """
    if last is not None and last.status == "RollingBack":
        timeline = rollback_timeline()
        started = last.stage_since if last.stage_since is not None else last.at
    parts = timeline.parts
    index, start = _position(timeline, started, last, now)
    part = parts[index]
    end = start + part.expected.seconds
    settling = all(p.expected.seconds == 0 for p in parts[index + 1 :])
    if now < end:
        at = end + (END_MARGIN if part.exact else 0.0)
        why = f"end of '{part.name}' ({part.expected.basis.value}: {part.expected.seconds:.0f} s)"
    else:
        if settling:
            interval = RELAXED_SECONDS if trusted else DENSE_SECONDS
            why = f"'{part.name}' overran: the endpoint may settle any moment"
        else:
            following = parts[index + 1]
            interval = (
                min(max(following.expected.seconds, DENSE_SECONDS), RELAXED_SECONDS)
                if following.exact
                else (RELAXED_SECONDS if trusted else DENSE_SECONDS)
            )
            why = f"'{part.name}' overran: find '{following.name}'"
        at = (last.at if last is not None else now) + interval
    if last is not None:
        at = max(at, last.at + MIN_READ_GAP)
    return Wake(min(max(at, now), deadline), why)


def hint_warrants_read(
    hint: Hint, *, started: float, last: Observation | None, reads: int, budget: int
) -> bool:
    """Whether an event is worth a DescribeEndpoint (see the module docstring): it is newer than the
    wait and the last read, says something the last read did not, and the budget allows a read."""
    if hint.at < started - _SKEW:
        return False
    if last is not None and (hint.at <= last.at - _SKEW or hint.agrees(last)):
        return False
    return reads < budget
