"""The loop that carries one request: journal -> lease -> steps -> persist -> wait / hand-off / answer.

Every invocation (CloudFormation's event, Lambda's retry of it, a continuation, a duplicate, the
dead-letter path) reads the journal first:

* a request already answered re-sends its recorded answer and does nothing else;
* a continuation whose token is not the journal's (stale, duplicated or forged) is a no-op;
* one invocation at a time holds the endpoint's lease; another invocation of the same request
  stops quietly, a different request waits for the lease within its deadline;
* state is written before every side effect, so any step can be run again after a crash.

The engine does not know which adapter called it, only how its requests wait (:class:`WaitMode`,
:mod:`~sagemaker_rollout.rollout.suspend`): the custom resource suspends a wait for SageMaker
(the invocation ends; a wake-up or an event resumes it) and hands any other long wait to a fresh
invocation through ``hand_off``; the registry type returns the continuation payload to
CloudFormation with the planned wait (:attr:`EngineResult.delay`) as its callback delay.
Beside the loop: :mod:`~.steps`, :mod:`~.answer`, :mod:`~.request`, :mod:`~.wakeups`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_rollout.aws.calls import AWS_ERRORS, error_code, error_message, short
from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.journal import Journal, JournalConflictError, RequestRecord
from sagemaker_rollout.rollout.answer import Answer, EngineResult, final_answer
from sagemaker_rollout.rollout.barrier import run_step
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import RECOVERING, failure_route, recovery_failure_route
from sagemaker_rollout.rollout.helpers import restore_orphan
from sagemaker_rollout.rollout.progress import Done, Fail, FailCode, Next, Progress, Wait
from sagemaker_rollout.rollout.request import RequestKind, RolloutRequest
from sagemaker_rollout.rollout.state import CONTINUATION_KEY, RECOVERY_PHASES, Phase, RolloutState
from sagemaker_rollout.rollout.suspend import Suspender, WaitMode, WakeUp

__all__ = ["CONTINUATION_KEY", "Answer", "Engine", "EngineResult", "WaitMode", "WakeUp"]


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
        self.suspender = Suspender(runtime, journal, log)

    # ---- entry -----------------------------------------------------------------------------------
    def run(
        self,
        request: RolloutRequest,
        *,
        invocation_id: str,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
        deadline_hint: float | None = None,
        prior: RolloutState | None = None,
        started: float | None = None,
        mode: WaitMode = WaitMode.SLEEP,
    ) -> EngineResult:
        """Carry ``request`` as far as this invocation can (its first sight, a retry, a duplicate).

        Parameters
        ----------
        request:
            The typed request the front end built.
        invocation_id:
            Identifies this invocation (lease ownership).
        remaining:
            Seconds left in this invocation.
        hand_off:
            Sends a continuation payload to a fresh invocation (raises if it cannot).
        deadline_hint:
            When CloudFormation gives up on the request, if the front end can tell (signed URL date).
        prior, started:
            State and start time a request carried before the journal existed (an upgrade); None
            otherwise.
        mode:
            How the front end's requests wait for SageMaker (:class:`WaitMode`).
        """
        record = self._open(request, deadline_hint, prior, started)
        if record.answer is not None:
            return EngineResult.resend(record)
        return self._carry(record, f"{record.key}/{invocation_id}", None, remaining, hand_off, mode)

    def continuation(self, key: str, token: str) -> RequestRecord | None:
        """The journal's record of a continuation's request, if ``token`` is its live token."""
        record = self.journal.load(key)
        if record is None or record.token != token or record.answered:
            return None
        return record

    def resume(
        self,
        key: str,
        token: str,
        *,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
        mode: WaitMode = WaitMode.SLEEP,
    ) -> EngineResult:
        """Carry on the request journaled under ``key``, if ``token`` is still its token.

        Every continuation comes here: hand-offs, dead letters, registry callbacks, wake-ups and
        events (its lease is taken over from ``<key>/<token>``). A stale, duplicated or forged token
        changes nothing.
        """
        record = self.journal.load(key)
        if record is None or record.token != token:
            return EngineResult(None, "stale or unknown continuation: ignored")
        if record.answered:
            return EngineResult(None, "continuation of an answered request: ignored")
        return self._carry(record, f"{key}/{token}~{secrets.token_hex(4)}", token, remaining, hand_off, mode)

    def _carry(
        self,
        record: RequestRecord,
        owner: str,
        token: str | None,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
        mode: WaitMode = WaitMode.SLEEP,
    ) -> EngineResult:
        ctx = StepContext(self.runtime, self.journal, record, self.log, self.notify, token)
        try:
            with self.runtime.reads.reusing():
                return self._drive(ctx, owner, remaining, hand_off, self.suspender.mode_for(mode))
        except JournalConflictError as conflict:
            return EngineResult(None, f"{conflict}: this invocation stops")

    def _open(
        self,
        request: RolloutRequest,
        deadline_hint: float | None,
        prior: RolloutState | None,
        started: float | None,
    ) -> RequestRecord:
        start = self.clock.now() if started is None else started
        deadline = start + request.time_limit - self.settings.response_margin
        if deadline_hint is not None:
            deadline = min(deadline, deadline_hint - self.settings.response_margin)
        return self.journal.open(request, deadline=deadline, state=prior or RolloutState())

    # ---- the loop --------------------------------------------------------------------------------
    def _drive(
        self,
        ctx: StepContext,
        owner: str,
        remaining: Callable[[], float],
        hand_off: Callable[[dict[str, Any]], None],
        mode: WaitMode = WaitMode.SLEEP,
    ) -> EngineResult:
        record, state = ctx.record, ctx.record.state
        marker = f"{record.key}/{ctx.continuation_token}" if ctx.continuation_token else None
        if state.phase == Phase.START:
            self._step(ctx, state)  # validation only: no AWS call, no lease needed
            self.journal.save(record, endpoint=state.endpoint)
        leased = False
        if state.endpoint and state.phase != Phase.ANSWER:
            while True:
                until = self.clock.now() + LEASE_SECONDS
                holder = self.journal.take_lease(state.endpoint, owner, until, successor_of=marker)
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
                if marker and holder.startswith(f"{marker}~") and mode is WaitMode.SUSPEND:
                    return EngineResult(None, "another resume is carrying this request")
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
            if ctx.kind is not RequestKind.DELETE and state.phase == Phase.READ:
                note = self._guarded(lambda: restore_orphan(ctx, state.endpoint))
                if note:
                    state.notes.append(note)
        lease_until = self.clock.now() + LEASE_SECONDS
        reads_before = self.runtime.reads.reads[state.endpoint] if state.endpoint else 0
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
            before, phase = state.progress_key(), state.phase
            progress = self._step(ctx, state)
            if not (isinstance(progress, Wait) and state.progress_key() == before):
                # A poll that learnt nothing new changes nothing worth a write (most of a wait).
                self.journal.save(record, endpoint=state.endpoint)
            if mode is not WaitMode.SLEEP and leased:  # a wait for SageMaker: planned (issue 23)
                planned = self.suspender.intercept(ctx, phase, progress, mode, owner, reads_before)
                if planned is None:
                    continue  # an event arrived while this invocation ran: read again first
                if isinstance(planned, EngineResult):
                    return planned
                progress = planned
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
        """Run the current phase's step through the barrier; turn its result into the next state."""
        phase = state.phase
        state.steps += 1
        progress = run_step(ctx, state, self.log)
        if isinstance(progress, Next):
            state.phase = progress.phase
        elif isinstance(progress, Done):
            state.phase = Phase.ANSWER
        elif isinstance(progress, Fail):
            self._route_failure(state, phase, progress)
        return progress

    def _route_failure(self, state: RolloutState, phase: Phase, failure: Fail) -> None:
        if phase in RECOVERING:
            # Recovery itself failed: say so and go on with what is left of recovery.
            state.notes.append(failure.reason)
            if not state.failure and phase == Phase.RESTORE:
                state.failure = f"Endpoint {state.endpoint}: autoscaling could not be restored"
            state.phase = recovery_failure_route(phase)
            return
        self._fail(state, failure.reason, failure.physical_id, failure.code)

    def _fail(
        self, state: RolloutState, reason: str, physical_id: str | None, code: FailCode | None = None
    ) -> None:
        if not state.failure:
            state.failure = reason
            state.failure_physical_id = physical_id
            state.failure_code = code
        state.phase = failure_route(state, state.phase)

    def _timeout(self, ctx: StepContext, state: RolloutState) -> None:
        elapsed = int(self.clock.now() - ctx.record.started)
        status = state.last_status or "busy"
        what = "to be deleted" if ctx.kind is RequestKind.DELETE else ""
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
        except (*AWS_ERRORS, _HandOffUnavailableError) as error:
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
        self.journal.finish(record, answer)
        if owner and state.endpoint:
            self.journal.release_lease(state.endpoint, owner)
        return EngineResult(answer, "answered", state=state, started=record.started)


class _HandOffUnavailableError(RuntimeError):
    pass


def _raise_handoff() -> None:
    raise _HandOffUnavailableError("no further hand-off after a failed one")
