"""What a step returns: the next thing that happens to the request.

Modelled on the CloudFormation registry's progress events (IN_PROGRESS with a callback delay,
SUCCESS, FAILED): a step never loops or sleeps itself, it says what should happen next and the
engine does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sagemaker_rollout.rollout.graph import Phase

__all__ = ["Answer", "AnswerStatus", "Done", "Fail", "FailCode", "Next", "Progress", "Wait"]


class FailCode(StrEnum):
    """Why a request failed, as CloudFormation's handler contract names it.

    The values are the CloudFormation CLI's ``HandlerErrorCode`` names (CloudFormation CLI user
    guide, "Handler error codes"); the registry type reports them as they are, the custom resource
    (whose protocol has no error code) only in its reason.
    """

    INVALID_REQUEST = "InvalidRequest"
    ALREADY_EXISTS = "AlreadyExists"
    NOT_FOUND = "NotFound"
    NOT_UPDATABLE = "NotUpdatable"
    NOT_STABILIZED = "NotStabilized"
    ACCESS_DENIED = "AccessDenied"
    THROTTLING = "Throttling"
    NETWORK_FAILURE = "NetworkFailure"
    SERVICE_LIMIT_EXCEEDED = "ServiceLimitExceeded"
    INTERNAL_FAILURE = "InternalFailure"
    GENERAL_SERVICE_EXCEPTION = "GeneralServiceException"
    INVALID_TYPE_CONFIGURATION = "InvalidTypeConfiguration"

    @classmethod
    def parse(cls, value: object) -> FailCode | None:
        """The code named ``value``, or None (absent, or written by a later version)."""
        return next((code for code in cls if code.value == value), None)


class AnswerStatus(StrEnum):
    """A request's outcome (CloudFormation user guide, "Custom resource response objects": Status)."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Next:
    """Go on with ``phase`` at once."""

    phase: Phase


@dataclass(frozen=True)
class Wait:
    """Run the same phase again in ``seconds`` (polling, backoff); ``why`` is logged."""

    seconds: float
    why: str


@dataclass(frozen=True)
class Done:
    """The request succeeded: the endpoint and its ``Fn::GetAtt`` data."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fail:
    """The request fails with ``reason``; the engine restores and cleans up before answering.

    ``physical_id`` overrides the physical id reported (e.g. a Create that must not name an
    endpoint someone else owns); ``code`` says what kind of failure it is (the registry type's
    error code; None: the front end decides from the state).
    """

    reason: str
    physical_id: str | None = None
    code: FailCode | None = None


Progress = Next | Wait | Done | Fail


@dataclass(frozen=True)
class Answer:
    """What CloudFormation is told (recorded in the journal before it is sent)."""

    status: AnswerStatus
    reason: str = ""
    physical_id: str = ""
    data: dict[str, str] = field(default_factory=dict)
    code: FailCode | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is AnswerStatus.SUCCESS

    def to_dict(self) -> dict[str, Any]:
        """The journal's form (``ErrorCode`` only when there is one)."""
        raw: dict[str, Any] = {
            "Status": self.status.value,
            "Reason": self.reason,
            "PhysicalResourceId": self.physical_id,
            "Data": dict(self.data),
        }
        if self.code is not None:
            raw["ErrorCode"] = self.code.value
        return raw

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Answer:
        status = AnswerStatus.SUCCESS if raw.get("Status") == "SUCCESS" else AnswerStatus.FAILED
        return cls(
            status,
            str(raw.get("Reason", "")),
            str(raw.get("PhysicalResourceId", "")),
            dict(raw.get("Data") or {}),
            FailCode.parse(raw.get("ErrorCode")),
        )
