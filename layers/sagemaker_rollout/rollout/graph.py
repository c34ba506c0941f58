"""The rollout state machine in one place: its phases, which may follow which, where failures go.

A request is a walk through :class:`Phase` values. Each phase has one step (a function of
:mod:`~sagemaker_rollout.rollout.create`, :mod:`~.update`, :mod:`~.abort`, :mod:`~.delete` or
:mod:`~.recovery`,
registered with :func:`step`) that returns :class:`~sagemaker_rollout.rollout.progress.Next` with a
phase this table allows, :class:`~.progress.Wait` (the same phase again later) or
:class:`~.progress.Fail` (routed by :func:`failure_route`). The engine checks every transition
against :data:`TRANSITIONS`; a step that asks for another is a bug, answered as an internal error.

Adding a phase: a member of :class:`Phase` and its row in :data:`TRANSITIONS` (here), its step with
``@step(Phase.X)`` and the transitions into it from the steps that lead there, and its test.
``tests/unit/test_rollout_graph.py`` walks the table: every phase is reachable from ``START``, every
phase has a step, every path ends in ``ANSWER``, every failure with autoscaling suspended passes
``RESTORE``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sagemaker_rollout.rollout.context import StepContext
    from sagemaker_rollout.rollout.progress import Progress
    from sagemaker_rollout.rollout.state import RolloutState

__all__ = [
    "RECOVERING",
    "RECOVERY_PHASES",
    "TRANSITIONS",
    "GraphError",
    "Phase",
    "StepFunction",
    "check_transition",
    "failure_route",
    "recovery_failure_route",
    "registered_steps",
    "step",
    "step_for",
]


class Phase(StrEnum):
    """Where a request stands. Each phase is one step."""

    CONFIRM = "confirm"
    """Custom resource: ask CloudFormation whether it is sending this request now, before anything
    else (:mod:`sagemaker_rollout.aws.stack`); a request it does not confirm is dropped."""
    START = "start"
    """Validate the properties and settle the endpoint name."""
    RECLAIM = "reclaim"
    """Restore autoscaling an earlier request left suspended on the endpoint, once it settles."""
    READ = "read"
    """Read the endpoint (Create and Update) and decide what to do."""
    CREATE_CONFIG = "create-config"
    CREATE_ENDPOINT = "create-endpoint"
    WAIT_CREATE = "wait-create"
    RETAG = "retag"
    ADOPT = "adopt"
    """Tag an adoptable endpoint as owned (the adoption is journaled first), then read it again."""
    SNAPSHOT = "snapshot"
    """Save the autoscaling that blocks the update (journal first, then nothing else)."""
    DEREGISTER = "deregister"
    UPDATE = "update"
    WAIT_UPDATE = "wait-update"
    BAKE_SMOKE = "bake-smoke"
    """The smoke test in a watched bake (:mod:`sagemaker_rollout.rollout.smoke_runs`), one call a
    step: back to ``WAIT_UPDATE`` when it passes, ``ABORT`` (the brake) when it fails."""
    ABORT = "abort"
    """A guarded rollout not finished at its abort point: trip the provider's brake, wait for
    SageMaker's rollback, fail (:mod:`sagemaker_rollout.rollout.abort`)."""
    VERIFY = "verify"
    SMOKE = "smoke"
    """The smoke test after completion (:func:`sagemaker_rollout.rollout.update.smoke`): pass, or
    back to the previous config with a guarded update (``UPDATE``), or fail."""
    ABANDON = "abandon"
    """A replacement endpoint whose creation failed: delete what was made of it."""
    DELETE_ENDPOINT = "delete-endpoint"
    STACK_STATUS = "stack-status"
    """Delete of a successfully adopted endpoint: read the stack's status (DescribeStacks) and
    journal the decision, delete (the stack is deleted, or an update removed the resource) or
    release (anything else: a rollback), before either acts."""
    RELEASE = "release"
    """Delete of a failed adoption: plan the way back to the config the endpoint ran when adopted."""
    UNTAG = "untag"
    """Last step of a release: remove the ownership tags (the endpoint is left, never deleted)."""
    WAIT_DELETE = "wait-delete"
    RESTORE = "restore"
    """Register the saved autoscaling again (every path goes through here after a suspension)."""
    CLEANUP = "cleanup"
    """Delete configs the provider created that no endpoint runs or is moving to."""
    ANSWER = "answer"


P = Phase
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    P.CONFIRM: frozenset({P.START, P.ANSWER}),
    P.START: frozenset({P.RECLAIM, P.READ, P.DELETE_ENDPOINT, P.WAIT_UPDATE, P.DEREGISTER, P.UPDATE}),
    P.RECLAIM: frozenset({P.READ}),
    P.READ: frozenset({P.CREATE_CONFIG, P.WAIT_CREATE, P.RETAG, P.ADOPT, P.CLEANUP}),
    P.ADOPT: frozenset({P.READ}),
    P.RETAG: frozenset({P.CLEANUP}),
    P.CREATE_CONFIG: frozenset({P.CREATE_ENDPOINT, P.SNAPSHOT, P.UPDATE}),
    P.CREATE_ENDPOINT: frozenset({P.READ, P.WAIT_CREATE}),
    P.WAIT_CREATE: frozenset({P.RESTORE, P.CLEANUP, P.SMOKE}),
    P.SNAPSHOT: frozenset({P.DEREGISTER, P.UPDATE}),
    P.DEREGISTER: frozenset({P.UPDATE}),
    P.UPDATE: frozenset({P.WAIT_UPDATE, P.CREATE_ENDPOINT, P.CLEANUP}),
    P.WAIT_UPDATE: frozenset({P.VERIFY, P.UPDATE, P.ABORT, P.BAKE_SMOKE}),
    P.BAKE_SMOKE: frozenset({P.WAIT_UPDATE, P.ABORT}),
    P.ABORT: frozenset({P.VERIFY}),
    P.VERIFY: frozenset({P.RESTORE, P.CLEANUP, P.UPDATE, P.SMOKE}),
    P.SMOKE: frozenset({P.RESTORE, P.CLEANUP, P.UPDATE}),
    P.ABANDON: frozenset({P.CLEANUP}),
    P.DELETE_ENDPOINT: frozenset({P.WAIT_DELETE, P.STACK_STATUS, P.RELEASE, P.CLEANUP, P.ANSWER}),
    P.WAIT_DELETE: frozenset({P.CLEANUP, P.DELETE_ENDPOINT}),
    P.STACK_STATUS: frozenset({P.DELETE_ENDPOINT, P.RELEASE}),
    P.RELEASE: frozenset({P.SNAPSHOT, P.UPDATE, P.CLEANUP}),
    P.UNTAG: frozenset({P.ANSWER}),
    P.RESTORE: frozenset({P.CLEANUP}),
    P.CLEANUP: frozenset({P.UNTAG, P.ANSWER}),
    P.ANSWER: frozenset(),
}
"""Phase -> the phases its step may go on to (:class:`~.progress.Next`). ``Wait`` stays put;
``Fail`` follows :func:`failure_route`."""

RECOVERY_PHASES = frozenset({P.RESTORE, P.CLEANUP, P.ANSWER})
"""Phases that run after the outcome is known; the deadline does not divert them."""

RECOVERY_FAILURE_ROUTES = {
    P.RESTORE: P.CLEANUP,
    P.ABANDON: P.CLEANUP,
    P.CLEANUP: P.ANSWER,
    P.ANSWER: P.ANSWER,
}
"""Where a failure *of recovery itself* goes: on with what is left of recovery."""
RECOVERING = frozenset(RECOVERY_FAILURE_ROUTES)
"""Phases whose failure is a failure of recovery (recovery phases and the abandon of a replacement)."""


class GraphError(RuntimeError):
    """A step asked for a transition the table does not allow (a bug in the step)."""


def check_transition(source: Phase, target: Phase) -> None:
    """Raise :class:`GraphError` unless ``target`` may follow ``source``."""
    if target not in TRANSITIONS[source]:
        raise GraphError(f"{source.value} -> {target.value} is not a transition of the rollout graph")


def recovery_failure_route(phase: Phase) -> Phase:
    """Where the request goes when recovery itself failed in ``phase``: on with what is left of it."""
    return RECOVERY_FAILURE_ROUTES.get(phase, P.ANSWER)


def failure_route(state: RolloutState, phase: Phase) -> Phase:
    """Where a request goes once it is known to fail in ``phase`` (the failure recorded in ``state``).

    * nothing known yet (no endpoint, the check with CloudFormation, or validation): straight to the
      answer;
    * a replacement endpoint whose creation was attempted: abandon it (delete what was made; its
      scalable targets, if any, go with it);
    * autoscaling suspended: restore it;
    * otherwise: clean up configs, then answer.
    """
    if not state.endpoint or phase in (P.CONFIRM, P.START):
        return P.ANSWER
    if state.replacement_of and state.create_intent_at is not None:
        return P.ABANDON
    if state.snapshot and state.suspended:
        return P.RESTORE
    return P.CLEANUP


StepFunction = Callable[["StepContext", "RolloutState"], "Progress"]
_STEPS: dict[Phase, StepFunction] = {}


def step(phase: Phase) -> Callable[[StepFunction], StepFunction]:
    """Register the decorated function as the step of ``phase`` (one step per phase)."""

    def register(function: StepFunction) -> StepFunction:
        if phase in _STEPS and _STEPS[phase] is not function:
            names = f"{_STEPS[phase].__name__}, {function.__name__}"
            raise GraphError(f"phase {phase.value} has two steps: {names}")
        _STEPS[phase] = function
        return function

    return register


def step_for(phase: Phase) -> StepFunction:
    """The step of ``phase`` (the step modules register themselves when imported)."""
    from sagemaker_rollout.rollout import steps  # noqa: F401  (imports every step module)

    return _STEPS[phase]


def registered_steps() -> dict[Phase, StepFunction]:
    """Every registered step (the graph's test checks that each phase but ANSWER has one)."""
    from sagemaker_rollout.rollout import steps  # noqa: F401

    return dict(_STEPS)
