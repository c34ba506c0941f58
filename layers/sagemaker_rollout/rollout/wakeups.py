"""Resuming a suspended request: on a link of its wake-up chain, or on a SageMaker event (issue 23).

Part of the engine, for the SageMaker-event resume (:mod:`sagemaker_rollout.events`): each function
decides with the :class:`~sagemaker_rollout.rollout.suspend.Suspender` whether the request resumes,
then carries it on with :meth:`Engine.resume <sagemaker_rollout.rollout.engine.Engine.resume>` (its
key and journal token), under the endpoint's lease, reading the endpoint before anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.journal import JournalConflictError
from sagemaker_rollout.planner.wakeup import Hint
from sagemaker_rollout.rollout.answer import EngineResult
from sagemaker_rollout.rollout.suspend import WaitMode, WakeUp

if TYPE_CHECKING:
    from sagemaker_rollout.rollout.engine import Engine

__all__ = ["resume_on_hint", "resume_on_wakeup"]


def resume_on_wakeup(
    engine: Engine,
    wakeup: WakeUp,
    *,
    remaining: Callable[[], float],
    hand_off: Callable[[dict[str, Any]], None],
) -> EngineResult:
    """A link of a suspended request's wake-up chain arrived: resume the request if it is the live
    link at its wake-up time (or a rescue of a lost one), send the next link if the wake-up is
    further away (the chain of delayed messages), else nothing."""
    try:
        what = engine.suspender.on_wakeup(engine.journal.load(wakeup.key), wakeup)
    except JournalConflictError as conflict:
        return EngineResult(None, f"{conflict}: wake-up dropped", key=wakeup.key)
    if what != "resume":
        return EngineResult(None, what, key=wakeup.key)
    result = engine.resume(
        wakeup.key, wakeup.token, remaining=remaining, hand_off=hand_off, mode=WaitMode.SUSPEND
    )
    return replace(result, key=wakeup.key)


def resume_on_hint(
    engine: Engine,
    endpoint: str,
    hint: Hint,
    *,
    remaining: Callable[[], float],
    hand_off: Callable[[dict[str, Any]], None],
) -> EngineResult:
    """A SageMaker event about ``endpoint`` (a hint, never trusted): resume the request suspended on
    it if the event is worth a read (:func:`~sagemaker_rollout.planner.wakeup.hint_warrants_read`)."""
    target = engine.suspender.on_hint(endpoint, hint)
    if isinstance(target, str):
        return EngineResult(None, target)
    record, gap = target
    if gap > 0:
        engine.clock.sleep(gap)  # until a few seconds after the last read, at most
    result = engine.resume(
        record.key, record.token, remaining=remaining, hand_off=hand_off, mode=WaitMode.SUSPEND
    )
    return replace(result, key=record.key)
