"""What a step returns: the next thing that happens to the request.

Modelled on the CloudFormation registry's progress events (IN_PROGRESS with a callback delay,
SUCCESS, FAILED): a step never loops or sleeps itself, it says what should happen next and the
engine does it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sagemaker_rollout.rollout.state import Phase

__all__ = ["Done", "Fail", "Next", "Progress", "Wait"]


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
    endpoint someone else owns).
    """

    reason: str
    physical_id: str | None = None


Progress = Next | Wait | Done | Fail
