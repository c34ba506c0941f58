"""The rollout timeline (spec.timeline) and the fallback schedule and event hints (planner.wakeup)."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout.planner.wakeup import (
    DENSE_SECONDS,
    MIN_READ_GAP,
    RELAXED_SECONDS,
    Hint,
    Observation,
    hint_warrants_read,
    next_wake,
    read_budget,
)
from sagemaker_rollout.spec.timeline import (
    EXPECTED_PROVISION_SECONDS,
    Basis,
    Figure,
    create_timeline,
    delete_timeline,
    update_timeline,
)

VARIANTS = [{"VariantName": "a", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 4}]


def _canary(wait: int = 600, termination: int = 0) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": wait,
        }
    }
    if termination:
        policy["TerminationWaitInSeconds"] = termination
    return {"BlueGreenUpdatePolicy": policy}


def test_a_canary_is_provisioning_two_bakes_the_termination_wait_and_the_settle() -> None:
    timeline = update_timeline(_canary(600, 300), VARIANTS)
    assert [(p.name, p.stage, p.expected.seconds, p.exact) for p in timeline.parts] == [
        ("provision the new fleet", "Creating", EXPECTED_PROVISION_SECONDS, False),
        ("bake the canary", "Baking", 600, True),
        ("final bake", "Baking", 600, True),
        ("keep the old fleet", "Baking", 300, True),
        ("SageMaker reports InService", "", 0.0, False),
    ]
    bases = [p.expected.basis for p in timeline.parts]
    assert bases == [Basis.ASSUMPTION, Basis.PROPERTY, Basis.PROPERTY, Basis.PROPERTY, Basis.ASSUMPTION]
    assert timeline.parts[1].expected.source.endswith("WaitIntervalInSeconds")
    # the worst case of the launch is the documented one: allowance + download + 8-minute health check
    assert timeline.parts[0].worst.seconds == 300 + 600 + 480
    assert timeline.expected_seconds == EXPECTED_PROVISION_SECONDS + 1500


def test_linear_rolling_and_unguarded_updates_have_their_own_parts() -> None:
    linear = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                "WaitIntervalInSeconds": 120,
            }
        }
    }
    assert [p.name for p in update_timeline(linear, VARIANTS).parts][1:-1] == [
        f"bake linear step {n}/4" for n in range(1, 5)
    ]
    rolling = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 60,
        }
    }
    assert [p.name for p in update_timeline(rolling, VARIANTS).parts] == [
        "provision batch 1/2",
        "bake batch 1/2",
        "provision batch 2/2",
        "bake batch 2/2",
        "SageMaker reports InService",
    ]
    assert [p.name for p in update_timeline(None, VARIANTS).parts] == [
        "provision the new fleet",
        "SageMaker reports InService",
    ]
    assert create_timeline(VARIANTS).parts[0].expected.basis is Basis.ASSUMPTION
    assert delete_timeline().expected_seconds == 120


def test_the_endpoints_past_rollouts_replace_the_assumption_but_not_the_worst_case() -> None:
    history = Figure(200.0, Basis.HISTORY, "median of the endpoint's last 3 launches")
    part = update_timeline(_canary(), VARIANTS, provision=history).parts[0]
    assert (part.expected.seconds, part.expected.basis) == (200.0, Basis.HISTORY)
    assert part.worst.basis is Basis.DOCUMENTED


T0 = 1_000_000.0


def _seen(at: float, status: str = "Updating", stage: str = "Creating", since: float = T0) -> Observation:
    return Observation(at, status, "old", "new", stage, since)


def test_wake_ups_follow_the_schedule_provisioning_then_each_bake_end() -> None:
    """GIVEN a canary of two 600 s bakes WHEN the request waits THEN it reads at the expected end of
    the launch, then (placed by what it read) at the end of each bake, 2 s after it."""
    timeline = update_timeline(_canary(600), VARIANTS)
    wake = next_wake(timeline, started=T0, now=T0, deadline=T0 + 3600, last=_seen(T0))
    assert wake.at == T0 + EXPECTED_PROVISION_SECONDS
    # the launch took 340 s: the read at the expected end still sees Creating -> again within the
    # bake that follows (every 600 s bake, at most 300 s apart)
    late = _seen(T0 + 300)
    assert next_wake(timeline, started=T0, now=T0 + 300, deadline=T0 + 3600, last=late).at == T0 + 300 + 300
    # a read during the canary bake (which began at +340) places the rest exactly
    baking = _seen(T0 + 600, stage="Baking", since=T0 + 340)
    assert next_wake(timeline, started=T0, now=T0 + 600, deadline=T0 + 3600, last=baking).at == T0 + 940 + 2
    final = _seen(T0 + 942, stage="Baking", since=T0 + 940)
    assert next_wake(timeline, started=T0, now=T0 + 942, deadline=T0 + 3600, last=final).at == T0 + 1540 + 2


def test_once_the_settle_is_due_reads_are_dense_unless_events_are_confirmed() -> None:
    timeline = update_timeline(None, VARIANTS)  # all at once: the launch is the whole rollout
    overdue = _seen(T0 + 400)
    dense = next_wake(timeline, started=T0, now=T0 + 400, deadline=T0 + 3600, last=overdue)
    relaxed = next_wake(timeline, started=T0, now=T0 + 400, deadline=T0 + 3600, last=overdue, trusted=True)
    assert (dense.at, relaxed.at) == (T0 + 400 + DENSE_SECONDS, T0 + 400 + RELAXED_SECONDS)
    assert DENSE_SECONDS + 15 <= 60  # with the wake-up's own delay, within the contract's 60 s


def test_a_rollback_is_waited_for_on_its_own_timeline_and_never_past_the_deadline() -> None:
    timeline = update_timeline(_canary(600), VARIANTS)
    rolling_back = _seen(T0 + 500, status="RollingBack", stage="Deleting", since=T0 + 480)
    assert (
        next_wake(timeline, started=T0, now=T0 + 500, deadline=T0 + 3600, last=rolling_back).at
        == T0 + 480 + 180
    )
    assert next_wake(timeline, started=T0, now=T0 + 500, deadline=T0 + 600, last=rolling_back).at == T0 + 600


def test_a_wake_is_never_within_a_few_seconds_of_the_last_read() -> None:
    timeline = update_timeline(_canary(1), VARIANTS)
    just_read = _seen(T0 + 400, stage="Baking", since=T0 + 399.5)
    assert (
        next_wake(timeline, started=T0, now=T0 + 400, deadline=T0 + 3600, last=just_read).at
        >= T0 + 400 + MIN_READ_GAP
    )


def test_an_event_is_worth_a_read_only_when_it_is_new_says_something_new_and_the_budget_allows() -> None:
    last = _seen(T0 + 100)
    budget = read_budget(update_timeline(_canary(), VARIANTS))
    new = Hint(T0 + 340, "Updating", "old", "new", "Baking")
    assert hint_warrants_read(new, started=T0, last=last, reads=3, budget=budget)
    # nothing the last read did not show (a duplicate, or an echo of our own UpdateEndpoint)
    same = Hint(T0 + 101, "Updating", "old", "new", "Creating")
    assert not hint_warrants_read(same, started=T0, last=last, reads=3, budget=budget)
    # older than the last read (late, out of order), or older than the wait
    assert not hint_warrants_read(
        Hint(T0 + 50, "InService", "new"), started=T0, last=last, reads=3, budget=budget
    )
    assert not hint_warrants_read(
        Hint(T0 - 60, "InService", "new"), started=T0, last=None, reads=0, budget=budget
    )
    # the budget spent: events are ignored, the fallback schedule goes on
    assert not hint_warrants_read(new, started=T0, last=last, reads=budget, budget=budget)
    assert budget == 6 + 24  # 0.5 read per minute of the 48-minute worst case (settle allowance included)


def test_observations_read_describe_endpoint_and_round_trip() -> None:
    from datetime import UTC, datetime

    described = {
        "EndpointStatus": "Updating",
        "EndpointConfigName": "old",
        "PendingDeploymentSummary": {
            "EndpointConfigName": "new",
            "ProductionVariants": [
                {"VariantStatus": [{"Status": "Baking", "StartTime": datetime.fromtimestamp(T0 + 5, tz=UTC)}]}
            ],
        },
    }
    seen = Observation.of(described, T0 + 9)
    assert (seen.status, seen.pending, seen.stage, seen.stage_since) == (
        "Updating",
        "new",
        "Baking",
        pytest.approx(T0 + 5),
    )
    assert Observation.from_dict(seen.to_dict()) == seen
    hint = Hint(T0, "InService", "new")
    assert Hint.from_dict(hint.to_dict()) == hint


@pytest.mark.parametrize(
    ("at", "now", "deadline", "least", "expected"),
    [
        (130.4, 100.0, 3000.0, 0, 31),  # rounded up: a link never arrives before its wake-up
        (5000.0, 100.0, 9000.0, 0, 900),  # SQS's longest delay: a chain of links
        (114.0004, 100.0, 114.0004, 0, 14),  # at the deadline: rounded down, the watchdog is due by it
        (100.2, 100.0, 100.2, 0, 0),  # under a second to the deadline (the engine waits in the invocation)
        (101.5, 100.0, 101.5, 1, 1),  # a chain's next hop: at least a second
    ],
)
def test_a_wake_up_link_is_due_by_its_wake_up_and_never_after_the_deadline(
    at: float, now: float, deadline: float, least: int, expected: int
) -> None:
    """GIVEN a wake-up time, now and the request's deadline WHEN the link's SQS delay is chosen THEN
    it is whole seconds, at most 900 (SQS API reference, SendMessage), never before the wake-up
    unless the deadline comes first, never after the deadline."""
    from sagemaker_rollout.rollout.suspend import _delay

    delay = _delay(at, now, deadline, least=least)
    assert delay == expected
    assert now + delay <= max(deadline, now + least)
