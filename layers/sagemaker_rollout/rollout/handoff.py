"""Hand a long wait to a fresh invocation (part of the engine: :meth:`Engine._hand_off`).

The request's token moves on first (journaled), the endpoint's lease passes to the successor named
by it, then the continuation payload is sent. A hand-off that cannot be sent ends the wait in this
invocation: what was suspended is restored and the request answered, the lease taken back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import AWS_ERRORS, error_code, error_message, short
from sagemaker_rollout.rollout.answer import EngineResult
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.failing import fail
from sagemaker_rollout.rollout.state import CONTINUATION_KEY, Phase

if TYPE_CHECKING:
    from sagemaker_rollout.rollout.engine import Engine

__all__ = ["LEASE_SECONDS", "hand_off"]

LEASE_SECONDS = 120.0
"""A lease lasts this long unless renewed (every step renews it): a dead invocation frees the
endpoint within this time, a live one never loses it."""


def hand_off(
    engine: Engine,
    ctx: StepContext,
    owner: str,
    remaining: Callable[[], float],
    send: Callable[[dict[str, Any]], None],
    *,
    lease: bool,
    delay: float = 0.0,
) -> EngineResult:
    """Move the token on, pass the lease, send the continuation (see the module); ``delay`` is the
    wait handed off (:attr:`EngineResult.delay`)."""
    record, state = ctx.record, ctx.record.state
    token = engine.journal.new_token()
    engine.journal.save(record, endpoint=state.endpoint, token=token, inflight=0)
    successor = f"{record.key}/{token}"
    if lease:
        engine.journal.release_lease(state.endpoint, owner)
        engine.journal.take_lease(state.endpoint, successor, engine.clock.now() + LEASE_SECONDS)
    payload = {CONTINUATION_KEY: {"key": record.key, "token": token}}
    try:
        send(payload)
    except (*AWS_ERRORS, _HandOffUnavailableError) as error:
        # The wait cannot go on: restore what was suspended and answer, in this invocation.
        code = error_code(error) or type(error).__name__
        reason = short(
            f"Could not continue the wait in a fresh invocation ({code}: {error_message(error)}); "
            f"endpoint {state.endpoint} was {state.last_status or 'busy'}"
        )
        engine.log.error("hand-off failed", extra={"error": str(error)})
        if state.failure:  # already recovering: answer with what is known
            state.notes.append("recovery cut short: no invocation time left")
            state.phase = Phase.ANSWER
        else:
            fail(state, reason, state.endpoint or None)
        engine.journal.save(record, endpoint=state.endpoint)
        if lease:
            engine.journal.release_lease(state.endpoint, successor)
            engine.journal.take_lease(state.endpoint, owner, engine.clock.now() + LEASE_SECONDS)
        return engine._drive(ctx, owner, remaining, lambda payload: _raise_handoff())
    engine.notify("handoff", f"continuing in a fresh invocation (step {state.steps}, {state.phase.value})")
    return EngineResult(None, "handed off", state=state, started=record.started, delay=delay)


class _HandOffUnavailableError(RuntimeError):
    pass


def _raise_handoff() -> None:
    raise _HandOffUnavailableError("no further hand-off after a failed one")
