"""The rollout graph (issue 19): the table of phases, checked against itself and against the steps.

GIVEN / WHEN / THEN in each docstring. The table is :data:`sagemaker_rollout.rollout.graph.TRANSITIONS`;
the steps register themselves with ``@step``; failures follow ``failure_route``.
"""

from __future__ import annotations

import ast
import inspect
import itertools
from collections import deque

import pytest

from sagemaker_rollout.rollout import graph
from sagemaker_rollout.rollout.graph import (
    RECOVERING,
    TRANSITIONS,
    GraphError,
    Phase,
    check_transition,
    failure_route,
    recovery_failure_route,
    registered_steps,
)
from sagemaker_rollout.rollout.state import RolloutState


def _failure_targets(phase: Phase) -> set[Phase]:
    """Every phase a failure in ``phase`` can lead to, over every state that matters to the route."""
    if phase in RECOVERING:
        return {recovery_failure_route(phase)}
    targets = set()
    for endpoint, replacement, intent, suspended in itertools.product(
        ("", "e"), ("", "old"), (None, 1.0), (0, 1)
    ):
        state = RolloutState(
            phase=phase,
            endpoint=endpoint,
            replacement_of=replacement,
            create_intent_at=intent,
            snapshot=[{"ResourceId": "r"}] if suspended else [],
            suspended=bool(suspended),
        )
        targets.add(failure_route(state, phase))
    return targets


def _successors(phase: Phase) -> set[Phase]:
    """Next phases (the table), the same phase (a Wait) and every failure route."""
    return set(TRANSITIONS[phase]) | _failure_targets(phase)


def _reachable(start: Phase) -> set[Phase]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in _successors(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def test_every_phase_but_the_answer_has_exactly_one_step() -> None:
    """GIVEN the registered steps WHEN compared with the phases THEN each phase but ANSWER has one."""
    steps = registered_steps()
    assert set(steps) == set(Phase) - {Phase.ANSWER}
    assert set(TRANSITIONS) == set(Phase)


def test_every_phase_is_reachable_from_the_first_phase() -> None:
    """GIVEN the table and the failure routes WHEN walked from CONFIRM (a custom resource's first
    phase) THEN every phase is reached; from START (the registry type's first) every phase but CONFIRM."""
    assert _reachable(Phase.CONFIRM) == set(Phase)
    assert _reachable(Phase.START) == set(Phase) - {Phase.CONFIRM}


def test_the_check_with_cloudformation_leads_only_to_start_or_the_answer() -> None:
    """GIVEN CONFIRM WHEN its successors are read THEN it goes on to START (confirmed) or the answer
    (dropped, or the check could not be completed), and a failure there goes straight to the answer
    whatever the state holds: nothing was touched."""
    assert TRANSITIONS[Phase.CONFIRM] == {Phase.START, Phase.ANSWER}
    assert _failure_targets(Phase.CONFIRM) == {Phase.ANSWER}


@pytest.mark.parametrize("phase", list(Phase))
def test_every_path_ends_in_an_answer(phase: Phase) -> None:
    """GIVEN any phase WHEN its successors are followed THEN ANSWER is reachable, and ANSWER is the only
    phase without successors (no dead end short of an answer)."""
    assert Phase.ANSWER in _reachable(phase)
    if phase is not Phase.ANSWER:
        assert _successors(phase) - {phase}


@pytest.mark.parametrize("phase", [p for p in Phase if p not in RECOVERING])
def test_a_failure_with_autoscaling_suspended_restores_it_first(phase: Phase) -> None:
    """GIVEN a request failing with autoscaling suspended WHEN it is routed THEN it goes to RESTORE,
    except the abandon of a failed replacement endpoint (deleted, its scalable targets with it)."""
    for replacement, intent in itertools.product(("", "old"), (None, 1.0)):
        state = RolloutState(
            phase=phase,
            endpoint="e",
            replacement_of=replacement,
            create_intent_at=intent,
            snapshot=[{"ResourceId": "r"}],
            suspended=True,
        )
        route = failure_route(state, phase)
        if phase in (Phase.CONFIRM, Phase.START):
            assert route is Phase.ANSWER  # check and validation: nothing was touched, nothing suspended yet
        elif replacement and intent is not None:
            assert route is Phase.ABANDON
        else:
            assert route is Phase.RESTORE


def test_restore_leads_only_to_cleanup_and_the_answer() -> None:
    """GIVEN the recovery phases WHEN their successors are read THEN RESTORE goes on to CLEANUP, and a
    failure of recovery goes on with what is left of it, never back into the rollout."""
    forward, queue = {Phase.RESTORE}, deque([Phase.RESTORE])
    while queue:
        for nxt in TRANSITIONS[queue.popleft()] - forward:
            forward.add(nxt)
            queue.append(nxt)
    assert forward == {Phase.RESTORE, Phase.CLEANUP, Phase.UNTAG, Phase.ANSWER}
    assert {recovery_failure_route(p) for p in (Phase.RESTORE, Phase.CLEANUP)} == {
        Phase.CLEANUP,
        Phase.ANSWER,
    }


def _returned_phases(function: object) -> set[Phase]:
    """``Phase.X`` in every ``Next(Phase.X)`` of a function's source (conditional ones included)."""
    tree = ast.parse(inspect.getsource(function).lstrip())  # type: ignore[arg-type]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Next":
            for attribute in ast.walk(node.args[0]):
                if isinstance(attribute, ast.Attribute) and getattr(attribute.value, "id", "") == "Phase":
                    found.add(Phase[attribute.attr])
    return found


@pytest.mark.parametrize("phase", [p for p in Phase if p is not Phase.ANSWER])
def test_the_table_allows_every_transition_a_step_can_return(phase: Phase) -> None:
    """GIVEN a step's source WHEN every ``Next(Phase.X)`` in it is read THEN the table allows X after
    the step's phase (the table is the code's truth, not a wish)."""
    returned = _returned_phases(registered_steps()[phase])
    assert returned <= TRANSITIONS[phase], sorted(p.value for p in returned - TRANSITIONS[phase])


def test_a_transition_outside_the_table_is_an_error() -> None:
    """GIVEN the table WHEN a step asks for a transition it does not list THEN GraphError names both."""
    check_transition(Phase.READ, Phase.CREATE_CONFIG)
    with pytest.raises(GraphError, match="verify -> create-config"):
        check_transition(Phase.VERIFY, Phase.CREATE_CONFIG)


def test_a_phase_cannot_have_two_steps() -> None:
    """GIVEN a registered step WHEN another function registers for the same phase THEN GraphError."""
    with pytest.raises(GraphError, match="has two steps"):
        graph.step(Phase.READ)(lambda ctx, state: None)  # type: ignore[arg-type,return-value]
