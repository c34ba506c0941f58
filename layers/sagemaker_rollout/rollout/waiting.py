"""What a suspended request keeps (issue 23): how front ends wait, the journaled wait, wake-up links.

Part of the engine (:mod:`~sagemaker_rollout.rollout.suspend` uses these records; the SageMaker-event
resume parses wake-up messages with :meth:`WakeUp.parse`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sagemaker_rollout.planner.wakeup import Observation
from sagemaker_rollout.rollout.graph import Phase

__all__ = [
    "BUSY_PHASES",
    "LEASE_MARGIN",
    "MAX_DELAY",
    "RESCUE_AFTER",
    "STARTS",
    "SYNTHETIC_STATUS",
    "WAKEUP_KEY",
    "WATCH_PHASES",
    "WaitMode",
    "Waiting",
    "WakeUp",
]

WAKEUP_KEY = "SageMakerRolloutWakeUp"
"""Key of a wake-up message's body: ``{"key", "token", "link", "due"}`` (no secret beyond the token)."""
MAX_DELAY = 900
"""SQS SendMessage ``DelaySeconds``: 0 to 900 (SQS API reference)."""
RESCUE_AFTER = 120.0
"""A link that is not the live one still resumes the request when the live one is this late."""
LEASE_MARGIN = 120.0
"""A suspended request keeps its endpoint's lease until its wake-up plus this (then it is free)."""
WATCH_PHASES = frozenset({Phase.WAIT_CREATE, Phase.WAIT_UPDATE, Phase.WAIT_DELETE})
"""Phases waiting for SageMaker to finish an operation the request started (timeline-driven)."""
BUSY_PHASES = frozenset(
    {Phase.READ, Phase.ADOPT, Phase.UPDATE, Phase.DELETE_ENDPOINT, Phase.RELEASE, Phase.ABANDON, Phase.ABORT}
)
"""Phases that wait (``poll_interval``) for an endpoint busy with something else."""
STARTS = {
    Phase.UPDATE: Phase.WAIT_UPDATE,
    Phase.CREATE_ENDPOINT: Phase.WAIT_CREATE,
    Phase.DELETE_ENDPOINT: Phase.WAIT_DELETE,
}
"""A step that starts a SageMaker operation, and the phase waiting for it."""
SYNTHETIC_STATUS = {
    Phase.WAIT_UPDATE: "Updating",
    Phase.WAIT_CREATE: "Creating",
    Phase.WAIT_DELETE: "Deleting",
}


class WaitMode(StrEnum):
    """How a front end's requests wait (see the module docstring)."""

    SLEEP = "sleep"
    SUSPEND = "suspend"
    CALLBACK = "callback"


@dataclass
class Waiting:
    """A request's wait, as the journal keeps it (``RolloutState.waiting``).

    Attributes
    ----------
    phase:
        The phase that waits.
    since:
        When SageMaker started the operation waited for (the request's intent time).
    wake_at, why:
        The next fallback read and its reason (the live wake-up link, the deadline watchdog, is
        kept beside the state: ``RequestRecord.wakeup``).
    reads:
        DescribeEndpoint reads of the endpoint during the wait (its budget).
    last:
        The latest observation (``Observation.to_dict``); ``observed``: it was read (not assumed
        from the call that started the operation).
    trusted:
        A SageMaker event about the endpoint was confirmed by a read.
    provisioned:
        How long the new fleet took to launch, once seen.
    """

    phase: str
    since: float
    wake_at: float = 0.0
    why: str = ""
    reads: int = 0
    last: dict[str, Any] | None = None
    observed: bool = False
    trusted: bool = False
    provisioned: float | None = None

    @property
    def observation(self) -> Observation | None:
        return Observation.from_dict(self.last) if self.last else None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Waiting | None:
        if not raw.get("phase"):
            return None
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class WakeUp:
    """One link of a waiting request's wake-up chain (the body of a delayed SQS message)."""

    key: str
    token: str
    link: str
    due: float

    def body(self) -> dict[str, Any]:
        return {WAKEUP_KEY: {"key": self.key, "token": self.token, "link": self.link, "due": self.due}}

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> WakeUp | None:
        """The wake-up a message body carries, or None (another message, or a malformed one)."""
        raw = body.get(WAKEUP_KEY)
        if not isinstance(raw, Mapping):
            return None
        try:
            return cls(str(raw["key"]), str(raw["token"]), str(raw["link"]), float(raw["due"]))
        except (KeyError, TypeError, ValueError):
            return None
