"""Suspend and resume (issue 23): a waiting request ends its invocation and resumes on SageMaker's
events, a fallback wake-up or its deadline watchdog. Each guarantee of the issue as a named test, on
the real handler, the CloudFormation driver (which plays the wake-up queue and EventBridge), moto and
the simulator (which sends SageMaker's events as the developer guide shows them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from world import World

from sagemaker_rollout.journal import request_key
from sagemaker_rollout_testing import FakeLambdaContext
from sagemaker_rollout_testing.simulator.eventbridge import Delivery, EventBus

#: Events delivered 1 s after they happen, once each (the tests' own model; the benchmarks state theirs).
PROMPT = Delivery(base_delay=1.0, mean_delay=0.0, duplicate=0.0)


@pytest.fixture
def bus(world: World) -> EventBus:
    """SageMaker's events, delivered to the provider by the driver."""
    events = world.sim.emit_events(PROMPT)
    world.driver.listen(events)
    return events


def _update(world: World, **kwargs: Any) -> Any:
    return world.driver.update(
        "classifier", world.props("model-a-v2", **kwargs), world.props(), logical_id="Classifier"
    )


def _settled(world: World) -> float:
    return max(t.time for t in world.sim.history("classifier") if t.status == "InService")


def _key(world: World, response: Any) -> str:
    return request_key(world.driver.stack_id, "Classifier", response.request_id)


def test_with_events_a_settled_endpoint_is_answered_within_seconds_and_no_invocation_waits(
    world: World, bus: EventBus
) -> None:
    """GIVEN SageMaker's events delivered (1 s) WHEN a canary with two 600 s bakes rolls out THEN
    CloudFormation is answered within 2 s of the settle, and no invocation lasts more than a few
    seconds: nothing is held through the launch or the bakes."""
    world.create()
    response = _update(world, wait=600)
    assert response.status == "SUCCESS", response.reason
    assert response.answered_at - _settled(world) <= 2.0
    assert max(r.ended_at - r.started_at for r in response.records) < 5.0
    assert len(response.records) >= 3  # suspended and resumed, not carried in one invocation


def test_a_lost_event_is_made_up_for_by_the_fallback_within_60_seconds(world: World) -> None:
    """GIVEN every SageMaker event lost (none delivered) WHEN an all-at-once update (no bake) whose
    launch takes longer than the provider expects rolls out THEN the fallback wake-ups notice the
    settle within 60 s, and the provider still held no invocation while it waited."""
    world.create()
    world.sim.set_timings(provision=700)
    unguarded = world.props("model-a-v2")
    del unguarded["DeploymentConfig"]
    response = world.driver.update("classifier", unguarded, world.props(), logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    assert 0 <= response.answered_at - _settled(world) <= 60.0
    assert max(r.ended_at - r.started_at for r in response.records) < 5.0


def test_a_forged_event_changes_nothing(world: World, bus: EventBus) -> None:
    """GIVEN a suspended update WHEN SageMaker-shaped events that are not SageMaker's arrive (one
    claiming the endpoint InService on a made-up config, one of another account, one for another
    endpoint) THEN the request stays suspended as it was (same phase, same wake-up, no answer), the
    one that looked plausible cost at most one DescribeEndpoint, and the rollout ends as it would."""
    world.create()
    world.sim.set_timings(provision=600)
    first = {"done": False}
    forged = {
        "version": "0",
        "id": "forged",
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "",
        "region": "us-east-1",
        "resources": ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/classifier"],
        "detail": {
            "EndpointName": "classifier",
            "EndpointConfigName": "made-up",
            "EndpointStatus": "IN_SERVICE",
        },
    }
    seen: dict[str, Any] = {}

    def forge(entry: Any) -> None:
        if entry.kind != "returned" or first["done"]:
            return
        first["done"] = True
        key = seen["key"] = _key_of_last_update(world)
        before = world.journal().load(key)
        describes = world.sim.calls["DescribeEndpoint"]
        for event in _variants_of(forged, world):
            context = FakeLambdaContext(world.clock, invoked_function_arn=world.driver.function_arn)
            world.driver.handler(json.loads(json.dumps(event)), context)
        after = world.journal().load(key)
        seen["reads"] = world.sim.calls["DescribeEndpoint"] - describes
        seen["same"] = (
            after.answer is None
            and after.state.phase == before.state.phase
            and after.wakeup == before.wakeup
            and after.state.waiting.get("wake_at") == before.state.waiting.get("wake_at")
        )

    world.driver.on_event = forge
    response = _update(world, wait=120)
    assert first["done"] and seen["same"], seen
    assert seen["reads"] <= 1
    assert response.status == "SUCCESS", response.reason
    assert response.answered_at - _settled(world) <= 2.0


def _key_of_last_update(world: World) -> str:
    updates = [e for e in world.driver.timeline if e.kind == "request" and e.text.startswith("Update")]
    return request_key(world.driver.stack_id, "Classifier", str(updates[-1].request_id))


def _variants_of(forged: dict[str, Any], world: World) -> list[dict[str, Any]]:
    now_ms = str(int(world.clock.now() * 1000))
    plausible = {**forged, "time": now_ms}
    other_account = {**plausible, "account": "999999999999"}
    other_endpoint = json.loads(json.dumps(plausible))
    other_endpoint["detail"]["EndpointName"] = "someone-elses"
    return [plausible, plausible, other_account, other_endpoint]


def test_duplicate_events_cost_one_read(world: World) -> None:
    """GIVEN a suspended update WHEN the same genuine SageMaker event arrives three times (SageMaker
    "may send multiple events for each state change") THEN it resumes the request once: one
    DescribeEndpoint, the two copies change nothing."""
    world.create()
    world.sim.set_timings(provision=300)
    calls: list[int] = []
    assert world.driver.scheduled is not None
    deliver = world.driver.scheduled.event

    def triple(at: float, event: dict[str, Any]) -> None:
        if event["detail-type"].endswith("Deployment State Change") and _stage(event) == "Baking":
            for copy in range(3):
                deliver(at + copy * 5.0, event)
                calls.append(copy)
        else:
            deliver(at, event)

    world.sim.emit_events(PROMPT).subscribe(triple)
    describes: list[tuple[float, int]] = []
    world.driver.on_event = lambda entry: describes.append(
        (world.clock.now(), world.sim.calls["DescribeEndpoint"])
    )
    response = _update(world, wait=900)
    assert response.status == "SUCCESS", response.reason
    assert calls, "no Baking event was sent"
    reads_per_copy = _reads_around(describes, response)
    assert reads_per_copy <= 1


def _stage(event: dict[str, Any]) -> str:
    variants = event["detail"]["PendingDeploymentSummary"]["ProductionVariants"]
    return str(variants[0]["VariantStatus"][0]["Status"])


def _reads_around(describes: list[tuple[float, int]], response: Any) -> int:
    """DescribeEndpoint calls made by the invocations the copies of the first Baking event started."""
    copies = [
        r for r in response.records if r.payload.get("detail-type", "").endswith("Deployment State Change")
    ]
    baking = [r for r in copies if _stage(r.payload) == "Baking"][:3]
    assert len(baking) == 3
    spans = [(r.started_at, r.ended_at) for r in baking]
    before = [n for t, n in describes if t <= spans[0][0]]
    after = [n for t, n in describes if t >= spans[-1][1]]
    return (after[0] if after else describes[-1][1]) - (before[-1] if before else 0)


@pytest.mark.parametrize("events", [True, False], ids=["events", "no-events"])
def test_the_watchdog_exists_before_the_invocation_ends(world: World, events: bool) -> None:
    """GIVEN an update that suspends several times (resumed by events, or by its own wake-up links
    alone) WHEN any invocation of it returns with the request unanswered THEN the journal names the
    request's live wake-up link, that message is on its way (the driver's queue), and it arrives by
    the request's deadline. (Regression, found by the soak: a request resumed by its link at the
    link's due time counted that very link as still on its way and ended with none.)"""
    if events:
        world.driver.listen(world.sim.emit_events(PROMPT))
    world.clock.advance(0.2575285)  # times with sub-millisecond parts, as the soak's sequence had
    world.create()
    checked: list[str] = []

    def check(entry: Any) -> None:
        if entry.kind != "returned" or not _updates(world):
            return
        key = _key_of_last_update(world)
        record = world.journal().load(key)
        if record is None or record.answer is not None or not record.state.waiting:
            return
        assert record.wakeup, "a suspended request whose journal names no wake-up"
        assert world.driver.scheduled is not None
        links = world.driver.scheduled.wakeups_for(key)
        assert record.wakeup["link"] in [link["link"] for link in links], (record.wakeup, links)
        assert record.wakeup["due"] <= record.deadline
        checked.append(record.wakeup["link"])

    world.driver.on_event = check
    response = _update(world, wait=950)
    assert response.status == "SUCCESS", response.reason
    assert checked, "the request never suspended"


def _updates(world: World) -> list[Any]:
    return [e for e in world.driver.timeline if e.kind == "request" and e.text.startswith("Update")]


def test_nothing_is_left_behind_after_the_answer(world: World, bus: EventBus) -> None:
    """GIVEN an update that suspended (wake-up links, events) WHEN it is answered and whatever was on
    its way has arrived THEN nothing is on its way any more (no link re-arms itself), and no
    EventBridge rule, target or Lambda permission was created at run time."""
    world.create()
    response = _update(world, wait=950)
    assert response.status == "SUCCESS", response.reason
    assert world.driver.scheduled is not None and world.driver.scheduled.sent >= 1
    world.driver.deliver_pending()
    assert world.driver.scheduled.pending() == []
    assert world.events.list_rules()["Rules"] == []
    assert len(world.driver.responses_for(response.request_id)) == 1
    record = world.journal().load(_key(world, response))
    assert record is not None and record.answer is not None
