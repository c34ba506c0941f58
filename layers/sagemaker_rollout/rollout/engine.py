"""The loop that carries one request: journal -> lease -> steps -> persist -> wait / hand-off / answer.

Every invocation (CloudFormation's event, Lambda's retry of it, a continuation, a duplicate, the
dead-letter path) reads the journal first:

* a request already answered re-sends its recorded answer and does nothing else;
* a continuation whose token is not the journal's (stale, duplicated or forged) is a no-op;
* one invocation at a time holds the endpoint's lease; another invocation of the same request
  stops quietly, a different request waits for the lease within its deadline;
* state is written before every side effect, so any step can be run again after a crash.

The engine does not know which adapter called it: the custom resource hands the wait over to a
fresh invocation through the ``hand_off`` callable it passes in; the registry type
(:mod:`sagemaker_rollout.registry_type`) keeps the continuation payload and returns it to
CloudFormation as the callback context of an IN_PROGRESS event, with the wait
(:attr:`EngineResult.delay`) as its callback delay. Both drive the same steps and journal.

Beside the loop: :mod:`~sagemaker_rollout.rollout.steps` (which step runs in which phase),
:mod:`~sagemaker_rollout.rollout.answer` (the answer and the invocation's result) and
:mod:`~sagemaker_rollout.rollout.request` (time limit and pre-journal state read from the event).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_rollout.aws.calls import error_code, error_message, is_transient, short
from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.journal import Journal, JournalConflictError, RequestRecord, request_key
from sagemaker_rollout.rollout import recovery
from sagemaker_rollout.rollout.answer import Answer, EngineResult, final_answer
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Done, Fail, Next, Progress, Wait
from sagemaker_rollout.rollout.request import LEGACY_STATE_KEY, legacy_state, service_timeout
from sagemaker_rollout.rollout.state import CONTINUATION_KEY, RECOVERY_PHASES, Phase, RolloutState
from sagemaker_rollout.rollout.steps import STEPS
from sagemaker_rollout.spec import PropertyError

__all__ = ["CONTINUATION_KEY", "LEGACY_STATE_KEY", "Answer", "Engine", "EngineResult", "legacy_state"]


SALVAGE_AFTER_DEATHS = 3
"""Invocations of one request that died in a row before the next one stops waiting and answers."""
ANSWER_AFTER_DEATHS = 5
"""... and before the next one answers at once, skipping recovery that may be what kills them."""
LEASE_SECONDS = 120.0
"""A lease lasts this long unless renewed (every step renews it): a dead invocation frees the
endpoint within this time, a live one never loses it."""


class Engine:
    """Runs requests for one provider instance.

    Parameters
    ----------
    runtime:
        Clients, clock and settings.
    journal:
        The rollout journal.
    log:
        A powertools-style logger.
    notify:
        Called with (kind, text) at every step.
    """

    def __init__(
        self, runtime: ProviderRuntime, journal: Journal, log: Any, notify: Callable[[str, str], None]
    ) -> None:
        self.runtime = runtime
        self.journal = journal
        self.log = log
        self.notify = notify
        self.clock = runtime.clock
        self.settings = runtime.settings

    # ---- entry -----------------------------------------------------------------------------------
    def run(
        self,
        event: Mapping[str, Any],
        *,
        invocation_id: str,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
        continuation_token: str | None = None,
        deadline_hint: float | None = None,
    ) -> EngineResult:
        """Carry the request of ``event`` as far as this invocation can.

        Parameters
        ----------
        event:
            CloudFormation's event (for a continuation: the one the journal recorded).
        invocation_id:
            Identifies this invocation (lease ownership).
        remaining:
            Seconds left in this invocation.
        hand_off:
            Sends a continuation payload to a fresh invocation (raises if it cannot).
        continuation_token:
            The token of a continuation payload; None for CloudFormation's event.
        deadline_hint:
            When CloudFormation gives up on the request, if the event tells (signed URL date).
        """
        key = request_key(str(event["StackId"]), str(event["LogicalResourceId"]), str(event["RequestId"]))
        if continuation_token is not None:
            record = self.journal.load(key)
            if record is None or record.token != continuation_token:
                return EngineResult(None, "stale or unknown continuation: ignored")
            if record.answered:
                return EngineResult(None, "continuation of an answered request: ignored")
        else:
            record = self._open(key, event, deadline_hint)
            if record.answer is not None:
                return EngineResult.resend(record)
        owner = f"{key}/{continuation_token or invocation_id}"
        ctx = StepContext(self.runtime, self.journal, record, self.log, self.notify, continuation_token)
        try:
            return self._drive(ctx, owner, remaining, hand_off)
        except JournalConflictError as conflict:
            return EngineResult(None, f"{conflict}: this invocation stops")

    def _open(self, key: str, event: Mapping[str, Any], deadline_hint: float | None) -> RequestRecord:
        clean = {k: v for k, v in event.items() if k not in (LEGACY_STATE_KEY, "CrHelperData")}
        legacy = event.get(LEGACY_STATE_KEY)
        now = self.clock.now()
        started = now
        if isinstance(legacy, Mapping) and legacy.get("started") is not None:
            started = float(legacy["started"])
        timeout = service_timeout(event)
        deadline = started + timeout - self.settings.response_margin
        if deadline_hint is not None:
            deadline = min(deadline, deadline_hint - self.settings.response_margin)
        state = legacy_state(event) or RolloutState()
        return self.journal.open(key, event=clean, deadline=deadline, state=state)

    # ---- the loop --------------------------------------------------------------------------------
    def _drive(
        self,
        ctx: StepContext,
        owner: str,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
    ) -> EngineResult:
        record, state = ctx.record, ctx.record.state
        if state.phase == Phase.START:
            self._step(ctx, state)  # validation only: no AWS call, no lease needed
            self.journal.save(record, endpoint=state.endpoint)
        leased = False
        if state.endpoint and state.phase != Phase.ANSWER:
            while True:
                holder = self.journal.take_lease(state.endpoint, owner, self.clock.now() + LEASE_SECONDS)
                if holder is None:
                    leased = True
                    fresh = self.journal.load(record.key)
                    if fresh is None or (ctx.continuation_token and fresh.token != ctx.continuation_token):
                        self.journal.release_lease(state.endpoint, owner)
                        return EngineResult(None, "stale continuation: ignored")
                    if fresh.answer is not None:
                        self.journal.release_lease(state.endpoint, owner)
                        return EngineResult.resend(fresh)
                    ctx.record = record = fresh
                    state = record.state
                    break
                same_request = holder.startswith(f"{record.key}/")
                if not same_request and self.clock.now() >= record.deadline:
                    self._fail(
                        state,
                        f"Timed out waiting for endpoint {state.endpoint}: another request is rolling it out",
                        None,
                    )
                    state.phase = Phase.ANSWER
                    break
                if remaining() - self.settings.poll_interval < self.settings.handoff_margin:
                    if same_request:
                        return EngineResult(None, "another invocation is carrying this request")
                    return self._hand_off(
                        ctx, owner, remaining, hand_off, lease=False, delay=self.settings.poll_interval
                    )
                self.clock.sleep(self.settings.poll_interval)
            if not leased:
                return self._answer(ctx, None)
            deaths = record.inflight
            if deaths >= SALVAGE_AFTER_DEATHS and state.phase not in RECOVERY_PHASES:
                self._fail(
                    state,
                    f"The provider's invocations died {deaths} times in a row "
                    f"(last step: {state.phase.value}); endpoint {state.endpoint} left as it is",
                    None,
                )
            if deaths >= ANSWER_AFTER_DEATHS:
                state.notes.append("recovery skipped after repeated failures")
                state.phase = Phase.ANSWER
            self.journal.save(record, endpoint=state.endpoint, inflight=deaths + 1)
            if ctx.request_type != "Delete" and state.phase == Phase.READ:
                note = self._guarded(lambda: recovery.restore_orphan(ctx, state.endpoint))
                if note:
                    state.notes.append(note)
        lease_until = self.clock.now() + LEASE_SECONDS
        while state.phase != Phase.ANSWER:
            now = self.clock.now()
            if leased and now > lease_until - LEASE_SECONDS / 2:  # renew at half-life: one write
                if self.journal.take_lease(state.endpoint, owner, now + LEASE_SECONDS) is not None:
                    return EngineResult(None, "the endpoint's lease was taken over: this invocation stops")
                lease_until = now + LEASE_SECONDS
            if state.phase not in RECOVERY_PHASES and state.phase != Phase.ABANDON and now >= record.deadline:
                self._timeout(ctx, state)
                self.journal.save(record, endpoint=state.endpoint)
                continue
            if state.phase in RECOVERY_PHASES and now >= record.deadline + self.settings.response_margin / 2:
                state.notes.append(f"{state.phase.value} skipped: out of time")
                state.phase = Phase.ANSWER
                break
            before = _progress_key(state)
            progress = self._step(ctx, state)
            if not (isinstance(progress, Wait) and _progress_key(state) == before):
                # A poll that learnt nothing new changes nothing worth a write (most of a wait).
                self.journal.save(record, endpoint=state.endpoint)
            if isinstance(progress, Wait):
                seconds = (
                    min(progress.seconds, max(record.deadline - now, 0.0))
                    if (state.phase not in RECOVERY_PHASES)
                    else progress.seconds
                )
                if remaining() - seconds < self.settings.handoff_margin:
                    return self._hand_off(
                        ctx, owner, remaining, hand_off, lease=leased, delay=max(seconds, 0.0)
                    )
                self.clock.sleep(max(seconds, 0.0))
        return self._answer(ctx, owner if leased else None)

    def _step(self, ctx: StepContext, state: RolloutState) -> Progress:
        """Run the current phase's step; turn its result into the next state."""
        phase = state.phase
        state.steps += 1
        try:
            progress = STEPS[phase](ctx, state)
        except JournalConflictError:
            raise
        except PropertyError as error:
            progress = Fail(short(str(error)), None)
        except (ClientError, BotoCoreError) as error:
            if is_transient(error):
                ctx.transient_streak += 1
                streak = ctx.transient_streak
                jitter = random.Random(f"{ctx.record.key}/{state.steps}").random()
                delay = min(30.0, 2.0 ** min(streak, 5)) * (0.5 + jitter / 2)
                ctx.last_transient = f"{_operation(error)}: {error_code(error) or type(error).__name__}"
                return Wait(
                    delay, f"{_operation(error)} failed transiently ({error_code(error) or 'network'})"
                )
            progress = Fail(
                short(
                    f"{_operation(error)}: {error_code(error) or type(error).__name__}: "
                    f"{error_message(error)}"
                ),
                None,
            )
        except Exception as error:  # a bug must still restore, clean up and answer
            self.log.exception("step failed unexpectedly", extra={"phase": phase.value})
            progress = Fail(
                short(f"Internal error in step {phase.value}: {type(error).__name__}: {error}"), None
            )
        ctx.transient_streak = 0
        if isinstance(progress, Next):
            state.phase = progress.phase
        elif isinstance(progress, Done):
            state.phase = Phase.ANSWER
        elif isinstance(progress, Fail):
            self._route_failure(state, phase, progress)
        return progress

    def _route_failure(self, state: RolloutState, phase: Phase, failure: Fail) -> None:
        if phase in RECOVERY_PHASES or phase == Phase.ABANDON:
            # Recovery itself failed: say so and go on with what is left of recovery.
            state.notes.append(failure.reason)
            if not state.failure and phase == Phase.RESTORE:
                state.failure = f"Endpoint {state.endpoint}: autoscaling could not be restored"
            state.phase = {Phase.RESTORE: Phase.CLEANUP, Phase.ABANDON: Phase.CLEANUP}.get(
                phase, Phase.ANSWER
            )
            return
        self._fail(state, failure.reason, failure.physical_id)

    def _fail(self, state: RolloutState, reason: str, physical_id: str | None) -> None:
        if not state.failure:
            state.failure = reason
            state.failure_physical_id = physical_id
        if not state.endpoint or state.phase == Phase.START:
            state.phase = Phase.ANSWER
        elif state.replacement_of and state.create_intent_at is not None:
            state.phase = Phase.ABANDON
        elif state.snapshot and state.suspended:
            state.phase = Phase.RESTORE
        else:
            state.phase = Phase.CLEANUP

    def _timeout(self, ctx: StepContext, state: RolloutState) -> None:
        elapsed = int(self.clock.now() - ctx.record.started)
        status = state.last_status or "busy"
        what = "to be deleted" if ctx.request_type == "Delete" else ""
        reason = (
            f"Timed out after {elapsed} s waiting for endpoint {state.endpoint}{' ' + what if what else ''} "
            f"(still {status}); the next update waits for it"
        )
        if ctx.last_transient:
            reason = f"{reason}; last AWS error: {ctx.last_transient}"
        self._fail(state, reason, state.endpoint or None)

    def _guarded(self, action: Callable[[], str | None]) -> str | None:
        try:
            return action()
        except (ClientError, BotoCoreError) as error:
            self.log.warning(
                "could not restore autoscaling left by an earlier request", extra={"error": str(error)}
            )
            return None

    # ---- ends --------------------------------------------------------------------------------------
    def _hand_off(
        self,
        ctx: StepContext,
        owner: str,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
        *,
        lease: bool,
        delay: float = 0.0,
    ) -> EngineResult:
        record, state = ctx.record, ctx.record.state
        token = self.journal.new_token()
        self.journal.save(record, endpoint=state.endpoint, token=token, inflight=0)
        successor = f"{record.key}/{token}"
        if lease:
            self.journal.release_lease(state.endpoint, owner)
            self.journal.take_lease(state.endpoint, successor, self.clock.now() + LEASE_SECONDS)
        payload = {CONTINUATION_KEY: {"key": record.key, "token": token}}
        try:
            hand_off(payload)
        except Exception as error:
            # The wait cannot go on: restore what was suspended and answer, in this invocation.
            code = error_code(error) or type(error).__name__
            reason = short(
                f"Could not continue the wait in a fresh invocation ({code}: {error_message(error)}); "
                f"endpoint {state.endpoint} was {state.last_status or 'busy'}"
            )
            self.log.error("hand-off failed", extra={"error": str(error)})
            if state.failure:  # already recovering: answer with what is known
                state.notes.append("recovery cut short: no invocation time left")
                state.phase = Phase.ANSWER
            else:
                self._fail(state, reason, state.endpoint or None)
            self.journal.save(record, endpoint=state.endpoint)
            if lease:
                self.journal.release_lease(state.endpoint, successor)
                self.journal.take_lease(state.endpoint, owner, self.clock.now() + LEASE_SECONDS)
            return self._drive(ctx, owner, remaining, lambda payload: _raise_handoff())
        self.notify("handoff", f"continuing in a fresh invocation (step {state.steps}, {state.phase.value})")
        return EngineResult(None, "handed off", state=state, started=record.started, delay=delay)

    def _answer(self, ctx: StepContext, owner: str | None) -> EngineResult:
        record, state = ctx.record, ctx.record.state
        answer = final_answer(ctx, state)
        self.journal.finish(record, answer.to_dict())
        if owner and state.endpoint:
            self.journal.release_lease(state.endpoint, owner)
        return EngineResult(answer, "answered", state=state, started=record.started)


class _HandOffUnavailableError(RuntimeError):
    pass


def _raise_handoff() -> None:
    raise _HandOffUnavailableError("no further hand-off after a failed one")


def _progress_key(state: RolloutState) -> str:
    """The state as the journal needs it: everything but the step counter."""
    steps, state.steps = state.steps, 0
    try:
        return state.to_json()
    finally:
        state.steps = steps


def _operation(error: BaseException) -> str:
    return str(getattr(error, "operation_name", "") or "AWS call")
