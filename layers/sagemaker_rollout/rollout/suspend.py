"""Suspend and resume: a request waiting for SageMaker ends its invocation (issue 23).

Part of the engine (:mod:`sagemaker_rollout.rollout.engine` calls it; steps never do). A wait is
planned on the request's timeline (:mod:`sagemaker_rollout.spec.timeline`,
:mod:`sagemaker_rollout.planner.wakeup`). How the request waits depends on its front end
(:class:`WaitMode`):

* ``SUSPEND`` (the custom resource, with a wake-up queue): the request's wait is journaled, the
  endpoint's lease is left to the request (owner ``<key>/<token>``, until the wake-up), and the
  invocation ends. Before it ends, a delayed SQS message (``DelaySeconds`` at most 900: SQS API
  reference, SendMessage) is on its way and recorded in the journal as the wait's live link: the
  fallback wake-up, and the deadline watchdog (the wake-up is never later than the deadline, and a
  longer wait is a chain of links, each sending the next). The message is sent before the journal
  names it: a crash between leaves an orphan link that arrives, is not the live one, and is dropped
  (the live one, or the invocation's own retry, carries on).
* ``CALLBACK`` (the registry type): the engine hands off with the schedule's delay as
  CloudFormation's callback delay.
* ``SLEEP`` (no queue, or suspension switched off): the wait happens inside the invocation,
  reading every ``poll_interval`` (the provider before issue 23).

A suspended request resumes on the first of: its live link arriving at the wake-up
(:meth:`Suspender.on_wakeup`), a SageMaker event for its endpoint that is worth a read
(:meth:`Suspender.on_hint`), or a stale link arriving long after the live one was due (a rescue).
Either way the engine re-reads the endpoint under the lease before anything else: events are hints.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.aws.calls import AWS_ERRORS, call
from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.journal import EndpointItem, Journal, RequestRecord
from sagemaker_rollout.planner.wakeup import (
    DENSE_SECONDS,
    MIN_READ_GAP,
    RELAXED_SECONDS,
    Hint,
    Observation,
    Wake,
    hint_warrants_read,
    next_wake,
    read_budget,
)
from sagemaker_rollout.rollout.answer import EngineResult
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.deadline import abort_point_at
from sagemaker_rollout.rollout.graph import Phase
from sagemaker_rollout.rollout.progress import Next, Progress, Wait
from sagemaker_rollout.rollout.state import RolloutState
from sagemaker_rollout.rollout.waiting import (
    BUSY_PHASES,
    LEASE_MARGIN,
    MAX_DELAY,
    RESCUE_AFTER,
    STARTS,
    SYNTHETIC_STATUS,
    WAKEUP_KEY,
    WATCH_PHASES,
    Waiting,
    WaitMode,
    WakeUp,
)
from sagemaker_rollout.spec.timeline import (
    Timeline,
    create_timeline,
    delete_timeline,
    history_figure,
    update_timeline,
)

__all__ = ["MAX_DELAY", "WAKEUP_KEY", "Suspender", "WaitMode", "Waiting", "WakeUp"]


class Suspender:
    """Plans, arms and keeps the waits of a provider's requests.

    Parameters
    ----------
    runtime:
        Clients, clock, settings, the wake-up queue and the read cache.
    journal:
        The rollout journal.
    log:
        A powertools-style logger.
    """

    def __init__(self, runtime: ProviderRuntime, journal: Journal, log: Any) -> None:
        self.runtime = runtime
        self.journal = journal
        self.log = log
        self.clock = runtime.clock

    # ---- what waits --------------------------------------------------------------------------------
    def mode_for(self, requested: WaitMode) -> WaitMode:
        """``requested``, unless the runtime cannot suspend (no queue, or switched off): SLEEP."""
        if requested is WaitMode.SUSPEND and not (
            self.runtime.settings.suspend and self.runtime.wakeup_queue_url
        ):
            return WaitMode.SLEEP
        return requested

    @staticmethod
    def waits(phase: Phase, wait: Wait, poll_interval: float) -> bool:
        """Whether a ``Wait`` in ``phase`` is a wait for SageMaker (planned, not slept)."""
        return phase in WATCH_PHASES or (phase in BUSY_PHASES and wait.seconds >= poll_interval)

    def intercept(
        self,
        ctx: StepContext,
        phase: Phase,
        progress: Progress,
        mode: WaitMode,
        owner: str,
        reads_before: int,
    ) -> Progress | EngineResult | None:
        """The engine's hook after each step of a leased request in SUSPEND or CALLBACK mode.

        A wait for SageMaker (a ``Wait`` of a waiting or busy phase, or the step that just started
        the operation: its first read waits for the timeline or an event) is planned: SUSPEND arms
        it and ends the invocation (the :class:`EngineResult`; None: read again first, an event
        came meanwhile), CALLBACK turns it into a ``Wait`` of the planned length (the registry
        type's callback delay). Anything else is returned unchanged.
        """
        state = ctx.record.state
        started = isinstance(progress, Next) and STARTS.get(phase) is progress.phase
        waiting = isinstance(progress, Wait) and self.waits(
            phase, progress, self.runtime.settings.poll_interval
        )
        if not (started or waiting):
            return progress
        wake = self.plan(
            ctx, state, progress if isinstance(progress, Wait) else None, reads_before, just_started=started
        )
        now = self.clock.now()
        if mode is WaitMode.CALLBACK:
            return Wait(max(wake.at - now, 0.0), wake.why)
        if wake.at - now < 1.0:
            # Under a second (the deadline is that close, or the wake-up is due): SQS delays in
            # whole seconds, and a link due by the deadline would be due now. Waited here; the
            # engine answers at the deadline.
            return progress
        try:
            if not self.arm(ctx, state, wake, owner, leased=True):
                return None
        except AWS_ERRORS as error:  # no watchdog, no suspension: the wait goes on in this invocation
            ctx.log.warning("cannot arm the wake-up: waiting in the invocation", extra={"error": str(error)})
            return progress
        ctx.notify("suspend", f"until {wake.why} ({wake.at - now:.0f} s)")
        return EngineResult(None, "suspended", state=state, started=ctx.record.started, delay=wake.at - now)

    # ---- planning ------------------------------------------------------------------------------------
    def plan(
        self,
        ctx: StepContext,
        state: RolloutState,
        wait: Wait | None,
        reads_before: int,
        *,
        just_started: bool = False,
    ) -> Wake:
        """The next wake-up of ``state``'s wait (updating the journaled wait: reads, last seen).

        ``just_started``: this invocation started the operation (its reads came before it); the
        first read waits for the timeline's first milestone or an event.
        """
        now = self.clock.now()
        waiting = self._waiting(state, now)
        reads = self.runtime.reads.reads[state.endpoint] - reads_before
        waiting.reads += max(reads, 0)
        seen = self.runtime.reads.last.get(state.endpoint)
        if reads > 0 and seen is not None and not just_started:
            waiting.last, waiting.observed = Observation.of(seen[1], seen[0]).to_dict(), True
        elif waiting.last is None:  # the operation was just started: what SageMaker shows then
            status = SYNTHETIC_STATUS.get(state.phase, state.last_status or "")
            updating = status == "Updating"
            waiting.last = Observation(
                waiting.since,
                status,
                state.previous_config if updating else "",
                state.target_config if updating else "",
                "Creating" if updating else "",
                waiting.since if updating else None,
            ).to_dict()
        last = waiting.observation
        launched = last is not None and last.stage not in ("", "Creating") and last.stage_since is not None
        if state.phase is Phase.WAIT_UPDATE and waiting.provisioned is None and launched:
            assert last is not None and last.stage_since is not None
            waiting.provisioned = max(last.stage_since - waiting.since, 0.0)
            self.journal.note_provisioning(state.endpoint, waiting.provisioned)
        timeline = self.timeline(ctx, state)
        if timeline is None:
            interval = RELAXED_SECONDS if waiting.trusted else DENSE_SECONDS
            wake = Wake(max(now, (last.at if last else now) + interval), "endpoint busy: look again")
        else:
            wake = next_wake(
                timeline,
                started=waiting.since,
                now=now,
                deadline=ctx.record.deadline,
                last=last,
                trusted=waiting.trusted,
            )
        if wait is not None and state.phase not in WATCH_PHASES:
            wake = Wake(max(wake.at, now + wait.seconds), wake.why)
        if state.phase is Phase.WAIT_UPDATE and last is not None:  # never past the abort point (issue 24)
            point = abort_point_at(ctx, state, now=now, stage=last.stage, stage_since=last.stage_since)
            if point is not None and point < wake.at:
                wake = Wake(max(point, now), "the rollout's abort point")
        wake = Wake(min(wake.at, ctx.record.deadline), wake.why)
        waiting.wake_at, waiting.why = wake.at, wake.why
        state.waiting = waiting.to_dict()
        return wake

    def timeline(self, ctx: StepContext, state: RolloutState) -> Timeline | None:
        """The timeline of the operation ``state`` waits for (None: the endpoint is busy otherwise)."""
        if state.phase not in WATCH_PHASES:
            return None
        if state.phase is Phase.WAIT_DELETE:
            return delete_timeline()
        spec = ctx.spec
        variants = [v for v in spec.config.get("ProductionVariants", []) if isinstance(v, Mapping)]
        provision = history_figure(self.journal.endpoint(state.endpoint).provisioned)
        if state.phase is Phase.WAIT_CREATE:
            return create_timeline(variants, provision=provision)
        deployment = None if state.unguarded else spec.deployment_config
        return update_timeline(deployment, variants, provision=provision)

    def _waiting(self, state: RolloutState, now: float) -> Waiting:
        waiting = Waiting.from_dict(state.waiting)
        if waiting is None or waiting.phase != state.phase.value:
            intent = {Phase.WAIT_UPDATE: state.update_intent_at, Phase.WAIT_CREATE: state.create_intent_at}
            since = intent.get(state.phase) or now
            waiting = Waiting(state.phase.value, float(since))
        return waiting

    # ---- suspending ------------------------------------------------------------------------------------
    def arm(self, ctx: StepContext, state: RolloutState, wake: Wake, owner: str, leased: bool) -> bool:
        """Make sure the wait's live link arrives by ``wake`` and journal the wait; hand the lease to
        the suspended request. False (nothing armed): an event came during this invocation that a
        read must look at first (the caller reads again)."""
        record = ctx.record
        waiting = Waiting.from_dict(state.waiting)
        assert waiting is not None
        item = self.journal.endpoint(state.endpoint)
        last = waiting.observation
        hint = Hint.from_dict(item.hint) if item.hint else None
        if hint is not None and last is not None and hint.at >= waiting.since - 1.0:
            if hint.agrees(last) and waiting.observed:
                waiting.trusted = True
            elif hint.at > last.at + 1.0 and waiting.reads < self.budget(ctx, state):
                self.runtime.reads.forget(state.endpoint)
                return False  # an event arrived meanwhile: look before sleeping on it
        now = self.clock.now()
        live = record.wakeup or {}
        link, due = str(live.get("link", "")), float(live.get("due", 0.0))
        # A link on its way that arrives by the wake-up (and by the deadline: it is the watchdog) will
        # do; one due within the second is being delivered (it may be the one that started this
        # invocation): never counted on.
        if not (now + 1.0 < due <= min(wake.at + 1.0, record.deadline)):
            delay = _delay(wake.at, now, record.deadline, least=0)
            link, due = secrets.token_hex(8), now + delay
            self._send(WakeUp(record.key, record.token, link, due), delay)
        state.waiting = waiting.to_dict()
        self.journal.save(record, endpoint=state.endpoint, inflight=0)
        if (record.wakeup or {}).get("link") != link:
            self.journal.set_wakeup(record, link, due)
        if leased:
            successor = f"{record.key}/{record.token}"
            if owner != successor:
                self.journal.release_lease(state.endpoint, owner)
            self.journal.take_lease(state.endpoint, successor, wake.at + LEASE_MARGIN)
        return True

    def budget(self, ctx: StepContext, state: RolloutState) -> int:
        timeline = self.timeline(ctx, state)
        return read_budget(timeline) if timeline is not None else read_budget(delete_timeline())

    def _send(self, wakeup: WakeUp, delay: int) -> None:
        call(
            self.clock,
            self.runtime.client("sqs").send_message,
            QueueUrl=self.runtime.wakeup_queue_url,
            MessageBody=json.dumps(wakeup.body(), sort_keys=True),
            DelaySeconds=delay,
        )

    # ---- resuming ----------------------------------------------------------------------------------------
    def on_wakeup(self, record: RequestRecord | None, wakeup: WakeUp) -> str:
        """What a wake-up link does: ``resume``, or why it does nothing (its hop is sent here)."""
        if record is None or record.token != wakeup.token:
            return "stale or unknown wake-up: ignored"
        if record.answered:
            return "wake-up of an answered request: the chain ends"
        waiting = Waiting.from_dict(record.state.waiting)
        if waiting is None:
            return "wake-up of a request that is not waiting: ignored"
        now = self.clock.now()
        live = record.wakeup or {}
        if wakeup.link != live.get("link"):
            if now >= float(live.get("due", 0.0)) + RESCUE_AFTER:
                return "resume"  # the live link is long overdue (lost): this one rescues the wait
            return "an earlier link of the chain: ignored"
        if now + 1.0 < waiting.wake_at:
            delay = _delay(waiting.wake_at, now, record.deadline, least=1)
            link = secrets.token_hex(8)
            self._send(WakeUp(record.key, record.token, link, now + delay), delay)
            self.journal.set_wakeup(record, link, now + delay)
            return "watchdog chain: next link sent"
        return "resume"

    def on_hint(self, endpoint: str, hint: Hint) -> tuple[RequestRecord, float] | str:
        """The request an event should resume, with the seconds to wait first, or why none.

        The hint is kept on the endpoint's item first, so that an invocation carrying the request
        right now sees it before it suspends.
        """
        self.journal.note_hint(endpoint, hint.to_dict(), hint.at)
        item: EndpointItem = self.journal.endpoint(endpoint)
        owner = item.lease_owner or ""
        key, _, token = owner.partition("/")
        if not key:
            return "no request is waiting on this endpoint"
        record = self.journal.load(key)
        if record is None or record.answered:
            return "the endpoint's request is answered"
        if record.token != token:
            return "the endpoint's request is running: it reads the event's hint before it suspends"
        waiting = Waiting.from_dict(record.state.waiting)
        if waiting is None:
            return "the endpoint's request is not waiting"
        last = waiting.observation
        ctx = StepContext(self.runtime, self.journal, record, self.log, lambda kind, text: None)
        budget = self.budget(ctx, record.state)
        if not hint_warrants_read(hint, started=waiting.since, last=last, reads=waiting.reads, budget=budget):
            return "the event tells nothing a read has not (or the read budget is spent)"
        gap = (last.at + MIN_READ_GAP - self.clock.now()) if last is not None else 0.0
        return record, max(gap, 0.0)


def _delay(at: float, now: float, deadline: float, *, least: int) -> int:
    """Whole seconds of SQS ``DelaySeconds`` for a link due at ``at``: rounded up (a link never
    arrives before its wake-up), at most :data:`MAX_DELAY`, and never past the request's deadline (the
    link is its watchdog: rounded down there), at least ``least``."""
    return max(least, min(MAX_DELAY, math.ceil(at - now), math.floor(deadline - now)))
