"""What the engine answers: the answer recorded and sent, the result of one invocation.

Part of the engine (:mod:`sagemaker_rollout.rollout.engine`), which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sagemaker_rollout.aws.calls import short
from sagemaker_rollout.journal import RequestRecord
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.helpers import done
from sagemaker_rollout.rollout.progress import Answer, AnswerStatus
from sagemaker_rollout.rollout.request import RequestKind
from sagemaker_rollout.rollout.state import RolloutState

__all__ = ["Answer", "EngineResult", "final_answer"]


@dataclass(frozen=True)
class EngineResult:
    """``answer`` to send (fresh or recorded), or None with ``why`` when nothing is to be sent.

    ``delay`` is the wait handed off (seconds until the continuation should run) when ``why`` is
    "handed off", or until the wake-up when it is "suspended". ``key``: the request's journal key
    when the caller did not name it (a SageMaker event's resume).
    """

    answer: Answer | None
    why: str = ""
    resent: bool = False
    state: RolloutState | None = None
    started: float = 0.0
    delay: float = 0.0
    key: str = ""

    @classmethod
    def resend(cls, record: RequestRecord) -> EngineResult:
        """The recorded answer of a request already answered, to send again."""
        assert record.answer is not None
        return cls(
            record.answer,
            "already answered",
            resent=True,
            state=record.state,
            started=record.started,
        )


def final_answer(ctx: StepContext, state: RolloutState) -> Answer:
    """The answer a finished request gets: FAILED with its failure and notes, or SUCCESS."""
    if state.failure:
        notes = "; ".join(dict.fromkeys(state.notes))
        reason = short(f"{state.failure}{'; ' + notes if notes else ''}")
        physical = state.failure_physical_id
        if state.replacement_of:
            physical = state.replacement_of  # CloudFormation keeps the old endpoint
        elif physical is None:
            physical = state.physical_id or ctx.old_physical_id
        answer = Answer(AnswerStatus.FAILED, reason, physical, code=state.failure_code)
    elif ctx.kind is RequestKind.DELETE:
        # An adopted endpoint released rather than deleted says why (a SUCCESS may carry a reason).
        answer = Answer(AnswerStatus.SUCCESS, short(state.fate_reason), ctx.old_physical_id)
    else:
        success = done(state)
        answer = Answer(AnswerStatus.SUCCESS, "", success.physical_id, success.data)
    return answer
