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

from sagemaker_rollout.aws.calls import (
    call_deadline,
    current_call_deadline,
)
from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.journal import (
    Journal,
    JournalConflictError,
    JournalUnavailableError,
    RequestRecord,
    journal_patience,
)
from sagemaker_rollout.rollout import handoff, salvage
from sagemaker_rollout.rollout.answer import Answer, EngineResult, final_answer
from sagemaker_rollout.rollout.barrier import run_step
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.failing import fail, route_failure, time_out
from sagemaker_rollout.rollout.handoff import LEASE_SECONDS
from sagemaker_rollout.rollout.progress import Done, Fail, Next, Progress, Wait
from sagemaker_rollout.rollout.request import RolloutRequest
from sagemaker_rollout.rollout.state import CONTINUATION_KEY, RECOVERY_PHASES, Phase, RolloutState
from sagemaker_rollout.rollout.suspend import Suspender, WaitMode, WakeUp

__all__ = ["CONTINUATION_KEY", "Answer", "Engine", "EngineResult", "WaitMode", "WakeUp"]


SALVAGE_AFTER_DEATHS = 3
"""Invocations of one request that died in a row before the next one stops waiting and answers."""
ANSWER_AFTER_DEATHS = 5
"""... and before the next one answers at once, skipping recovery that may be what kills them."""
INVOCATION_SLACK = 10.0
"""Seconds of the invocation kept back when waiting for the journal: the invocation ends with an
error (Lambda retries it, then the dead-letter path) rather than being killed mid-call."""


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
        confirm: bool = False,
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
        confirm:
            Ask CloudFormation first whether it is sending this request now (the custom resource:
            :mod:`sagemaker_rollout.rollout.confirm`); a request it does not confirm is dropped.

        Raises
        ------
        JournalUnavailableError
            The journal could not be read before this invocation's time ran out (transiently):
            the front end ends the invocation with an error, and Lambda's retry carries on.
        """
        deadline = self._deadline(request, deadline_hint, started)
        answer_by, ends = deadline + self.settings.response_margin / 4, self._ends(remaining)
        with journal_patience(min(answer_by, ends)):
            try:
                record = self._open(request, deadline, prior, started, confirm)
            except JournalUnavailableError as error:
                if error.transient and ends < answer_by:
                    raise
                cfn = self.runtime.client("cloudformation") if confirm else None
                return salvage.without_record(request, error, self.log, cfn, self.clock)
        if record.answer is not None:
            return EngineResult.resend(record)
        if record.state.dropped:
            return EngineResult(None, f"dropped earlier: {record.state.dropped}")
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
        # The journal is waited for until the answer margin (when the request must be answered,
        # journal or not), or the end of this invocation if that comes first (then Lambda's retry,
        # or the dead-letter path, carries on from the journal).
        answer_by, ends = record.deadline + self.settings.response_margin / 4, self._ends(remaining)
        with journal_patience(min(answer_by, ends)):
            try:
                with self.runtime.reads.reusing():
                    return self._drive(ctx, owner, remaining, hand_off, self.suspender.mode_for(mode))
            except JournalConflictError as conflict:
                return EngineResult(None, f"{conflict}: this invocation stops")
            except JournalUnavailableError as error:
                if error.transient and ends < answer_by:
                    raise
                return salvage.without_journal(ctx, error, self.log)

    def _ends(self, remaining: Callable[[], float]) -> float:
        """When this invocation stops waiting for the journal.

        A front end that bounds the whole invocation (the registry type's work budget, a
        :func:`~sagemaker_rollout.aws.calls.call_deadline` around the engine) ends it there: its
        ``remaining`` is only the time in which steps may start, and the journal's writes after the
        last step belong to the budget. Otherwise ``remaining`` less :data:`INVOCATION_SLACK`.
        """
        bound = current_call_deadline()
        if bound is not None:
            return bound
        return self.clock.now() + remaining() - INVOCATION_SLACK

    def _deadline(self, request: RolloutRequest, deadline_hint: float | None, started: float | None) -> float:
        start = self.clock.now() if started is None else started
        deadline = start + request.time_limit - self.settings.response_margin
        if deadline_hint is not None:
            deadline = min(deadline, deadline_hint - self.settings.response_margin)
        return deadline

    def _open(
        self,
        request: RolloutRequest,
        deadline: float,
        prior: RolloutState | None,
        started: float | None,
        confirm: bool,
    ) -> RequestRecord:
        state = prior or RolloutState()
        if confirm:
            state.phase = Phase.CONFIRM
        return self.journal.open(request, deadline=deadline, state=state)

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
        while state.phase in (Phase.CONFIRM, Phase.START):  # no AWS change: no lease needed
            progress = self._step(ctx, state)  # (the check with CloudFormation, then validation)
            if state.dropped:  # not confirmed: nothing was done and nothing is sent
                self.journal.finish(record, None)
                return EngineResult(None, f"dropped: {state.dropped}", state=state, started=record.started)
            self.journal.save(record, endpoint=state.endpoint)
            if isinstance(progress, Wait):
                if remaining() - progress.seconds < self.settings.handoff_margin:
                    return self._hand_off(
                        ctx, owner, remaining, hand_off, lease=False, delay=progress.seconds
                    )
                self.clock.sleep(progress.seconds)
        leased = False
        other_resume_since: float | None = None
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
                    # Another resume of this request holds the lease. Alive, it renews the lease at
                    # half-life and carries on; killed after it took the lease, its lease lapses
                    # within LEASE_SECONDS, and nothing else would resume the request (this may be
                    # the very wake-up that started it, delivered again). Wait that long, then
                    # leave the request to it (the wait below: polled like any holder of this request).
                    now = self.clock.now()
                    other_resume_since = now if other_resume_since is None else other_resume_since
                    if now - other_resume_since > LEASE_SECONDS:
                        return EngineResult(None, "another resume is carrying this request")
                if not same_request and self.clock.now() >= record.deadline:
                    fail(
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
                fail(
                    state,
                    f"The provider's invocations died {deaths} times in a row "
                    f"(last step: {state.phase.value}); endpoint {state.endpoint} left as it is",
                    None,
                )
            if deaths >= ANSWER_AFTER_DEATHS:
                state.notes.append("recovery skipped after repeated failures")
                state.phase = Phase.ANSWER
            self.journal.save(record, endpoint=state.endpoint, inflight=deaths + 1)
        lease_until = self.clock.now() + LEASE_SECONDS
        stepped = False
        reads_before = self.runtime.reads.reads[state.endpoint] if state.endpoint else 0
        while state.phase != Phase.ANSWER:
            now = self.clock.now()
            if leased and now > lease_until - LEASE_SECONDS / 2:  # renew at half-life: one write
                if self.journal.take_lease(state.endpoint, owner, now + LEASE_SECONDS) is not None:
                    return EngineResult(None, "the endpoint's lease was taken over: this invocation stops")
                lease_until = now + LEASE_SECONDS
            if state.phase not in RECOVERY_PHASES and state.phase != Phase.ABANDON and now >= record.deadline:
                time_out(ctx, state, self.clock.now())
                self.journal.save(record, endpoint=state.endpoint)
                continue
            if state.phase in RECOVERY_PHASES and now >= record.deadline + self.settings.response_margin / 2:
                state.notes.append(f"{state.phase.value} skipped: out of time")
                state.phase = Phase.ANSWER
                break
            if remaining() <= 0 and stepped:  # time for steps is over (one step always runs: progress)
                return self._hand_off(ctx, owner, remaining, hand_off, lease=leased, delay=0.0)
            before, phase = state.progress_key(), state.phase
            window = self.settings.step_call_window
            with call_deadline(None if window is None else self.clock.now() + max(remaining(), 0.0) + window):
                progress = self._step(ctx, state)
            stepped = True
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
            route_failure(state, phase, progress)
        return progress

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
        return handoff.hand_off(self, ctx, owner, remaining, hand_off, lease=lease, delay=delay)

    def _answer(self, ctx: StepContext, owner: str | None) -> EngineResult:
        record, state = ctx.record, ctx.record.state
        answer = final_answer(ctx, state)
        self.journal.finish(record, answer)
        if owner and state.endpoint:
            self.journal.release_lease(state.endpoint, owner)
        return EngineResult(answer, "answered", state=state, started=record.started, request=record.request)
