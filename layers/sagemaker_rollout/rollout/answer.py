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
from sagemaker_rollout.rollout.request import RequestKind, RolloutRequest
from sagemaker_rollout.rollout.state import RolloutState

__all__ = ["Answer", "EngineResult", "final_answer"]


@dataclass(frozen=True)
class EngineResult:
    """``answer`` to send (fresh or recorded), or None with ``why`` when nothing is to be sent.

    ``delay`` is the wait handed off (seconds until the continuation should run) when ``why`` is
    "handed off", or until the wake-up when it is "suspended". ``request`` is the request as the
    journal recorded it (its first delivery): an answer goes to that request's ResponseURL, whatever
    delivery asked for it again. ``key``: the request's journal key when the caller did not name it
    (a SageMaker event's resume).
    """

    answer: Answer | None
    why: str = ""
    resent: bool = False
    state: RolloutState | None = None
    started: float = 0.0
    delay: float = 0.0
    request: RolloutRequest | None = None
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
            request=record.request,
        )


def final_answer(ctx: StepContext, state: RolloutState) -> Answer:
    """The answer a finished request gets: FAILED with its failure and notes, or SUCCESS.

    Once CreateEndpoint was intended, a Create's answer names the endpoint, so CloudFormation's
    rollback Delete targets it (crhelper would otherwise make up an id, and the endpoint would be
    left running). Configs the clean-up had to leave are named in either answer.
    """
    left = (
        f"endpoint config(s) left for the next request: {', '.join(state.leftovers)}"
        if state.leftovers
        else ""
    )
    if state.failure:
        notes = "; ".join(dict.fromkeys([*state.notes, *([left] if left else [])]))
        reason = short(f"{state.failure}{'; ' + notes if notes else ''}")
        physical = state.failure_physical_id
        if state.replacement_of:
            physical = state.replacement_of  # CloudFormation keeps the old endpoint
        elif ctx.kind is RequestKind.CREATE and state.create_intent_at is not None and state.endpoint:
            physical = state.endpoint
        elif physical is None:
            physical = state.physical_id or ctx.old_physical_id
        answer = Answer(AnswerStatus.FAILED, reason, physical, code=state.failure_code)
    elif ctx.kind is RequestKind.DELETE:
        # An adopted endpoint released rather than deleted says why (a SUCCESS may carry a reason).
        why = "; ".join(part for part in (state.fate_reason, left) if part)
        answer = Answer(AnswerStatus.SUCCESS, short(why), ctx.old_physical_id)
    else:
        success = done(state)
        answer = Answer(AnswerStatus.SUCCESS, short(left), success.physical_id, success.data)
    return answer
