"""The engine's single step barrier: whatever a step raises becomes a progress value.

A step may end in three ways besides returning :class:`~.progress.Progress`:

* an AWS error that is worth waiting out (throttling, a 5xx, a lost connection: AWS General
  Reference, "Error retries and exponential backoff"): :class:`~.progress.Wait` with a jittered,
  growing backoff on the request's clock, the same phase again;
* an AWS error that is the request's answer (AccessDenied, a validation error) or a property
  error: :class:`~.progress.Fail` with a one-line reason;
* anything else is a bug: logged with its traceback and answered as an internal error, so the
  request still restores what it suspended, cleans up and answers (never an escaped exception).

A step that asks for a transition the graph does not allow is such a bug
(:class:`~.graph.GraphError`). :class:`~sagemaker_rollout.journal.JournalConflictError` passes:
another invocation owns the request and this one must stop without acting; so does
:class:`~sagemaker_rollout.journal.JournalUnavailableError` (the journal, not the step, failed: the
engine answers without it, or ends the invocation for Lambda's retry).
"""

from __future__ import annotations

import random
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_rollout.aws.calls import error_code, error_message, is_transient, short
from sagemaker_rollout.journal import JournalConflictError, JournalUnavailableError
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import check_transition, step_for
from sagemaker_rollout.rollout.progress import Fail, FailCode, Next, Progress, Wait
from sagemaker_rollout.rollout.state import RolloutState
from sagemaker_rollout.spec import PropertyError

__all__ = ["run_step"]

MAX_BACKOFF_SECONDS = 30.0
"""Longest wait after a transient error (the wait doubles from 2 s with each error in a row)."""


def run_step(ctx: StepContext, state: RolloutState, log: Any) -> Progress:
    """Run the step of ``state.phase`` and return its progress, whatever it raises (see the module)."""
    phase = state.phase
    try:
        progress = step_for(phase)(ctx, state)
        if isinstance(progress, Next):
            check_transition(phase, progress.phase)
    except (JournalConflictError, JournalUnavailableError):
        raise
    except PropertyError as error:
        progress = Fail(short(str(error)), None, FailCode.INVALID_REQUEST)
    except (ClientError, BotoCoreError) as error:
        if is_transient(error):
            ctx.transient_streak += 1
            streak = ctx.transient_streak
            jitter = random.Random(f"{ctx.record.key}/{state.steps}").random()
            delay = min(MAX_BACKOFF_SECONDS, 2.0 ** min(streak, 5)) * (0.5 + jitter / 2)
            ctx.last_transient = f"{_operation(error)}: {error_code(error) or type(error).__name__}"
            return Wait(delay, f"{_operation(error)} failed transiently ({error_code(error) or 'network'})")
        code = error_code(error) or type(error).__name__
        progress = Fail(short(f"{_operation(error)}: {code}: {error_message(error)}"), None, _fail_code(code))
    except Exception as error:  # the barrier: a bug must still restore, clean up and answer
        log.exception("step failed unexpectedly", extra={"phase": phase.value})
        why = f"Internal error in step {phase.value}: {type(error).__name__}: {error}"
        progress = Fail(short(why), None, FailCode.INTERNAL_FAILURE)
    ctx.transient_streak = 0
    return progress


_CODES = {
    "AccessDenied": FailCode.ACCESS_DENIED,
    "AccessDeniedException": FailCode.ACCESS_DENIED,
    "UnauthorizedOperation": FailCode.ACCESS_DENIED,
    "ResourceLimitExceeded": FailCode.SERVICE_LIMIT_EXCEEDED,
    "LimitExceededException": FailCode.SERVICE_LIMIT_EXCEEDED,
}
"""AWS error codes that say what kind of failure it is (SageMaker API reference, "Common errors" and
each action's errors: ResourceLimitExceeded; Application Auto Scaling: LimitExceededException)."""


def _fail_code(aws_code: str) -> FailCode | None:
    return _CODES.get(aws_code)


def _operation(error: BaseException) -> str:
    return str(getattr(error, "operation_name", "") or "AWS call")
