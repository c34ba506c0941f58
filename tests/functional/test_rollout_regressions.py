"""The eleven failure paths of issue 8, each as a named regression test.

Each scenario drives the real handler through the CloudFormation driver on moto + the simulator,
with faults injected at the AWS call that matters (``world.faults``). The ``world`` fixture's
invariants also hold after each test: no config deleted while an endpoint used it, no EventBridge
rule, every answer under 4096 bytes.
"""

from __future__ import annotations

import json
from typing import Any

from world import ALARM, World, check_response_limits


def _after_update(world: World, action: Any) -> dict[str, bool]:
    """Run ``action`` once, right after UpdateEndpoint was accepted."""
    armed = {"done": False}

    def run() -> None:
        armed["done"] = True
        action()

    world.faults.then("sagemaker", "UpdateEndpoint", run)
    return armed


def _canary_update(world: World, *, instance_type: str = "ml.c5.2xlarge", **kwargs: Any) -> Any:
    return world.driver.update(
        "classifier",
        world.props("model-a-v2", instance_type, **kwargs),
        world.props(),
        logical_id="Classifier",
    )


def test_1_describe_denied_after_update_accepted_keeps_the_config_being_rolled_to(world: World) -> None:
    # GIVEN an endpoint; DescribeEndpoint denied once right after UpdateEndpoint was accepted
    world.create()
    old_config = world.endpoint()["EndpointConfigName"]
    armed = _after_update(
        world, lambda: world.faults.error("sagemaker", "DescribeEndpoint", "AccessDeniedException", "denied")
    )
    response = _canary_update(world, instance_type="ml.c5.xlarge")
    # THEN the request fails naming the cause, but nothing the update moves to is deleted
    assert armed["done"]
    assert response.status == "FAILED"
    assert response.reason.startswith("DescribeEndpoint: AccessDeniedException"), response.reason
    check_response_limits(response)
    world.clock.advance(3600)  # SageMaker finishes the update
    endpoint = world.endpoint()
    assert endpoint["EndpointConfigName"] in world.configs()
    # AND CloudFormation's rollback Update brings the old config back and succeeds
    rollback = world.driver.update(
        "classifier", world.props(), world.props("model-a-v2"), logical_id="Classifier"
    )
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.endpoint()["EndpointConfigName"] in world.configs()
    assert world.configs() == [world.endpoint()["EndpointConfigName"]]
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_1b_a_minute_of_503s_after_update_is_waited_out(world: World) -> None:
    # GIVEN DescribeEndpoint answering 503 for 90 s right after UpdateEndpoint
    world.create()
    armed = _after_update(world, lambda: world.faults.outage("sagemaker", "DescribeEndpoint", 90))
    response = _canary_update(world, instance_type="ml.c5.xlarge")
    # THEN the outage is waited out and the verified rollout succeeds
    assert armed["done"]
    assert response.status == "SUCCESS", response.reason
    assert world.configs() == [world.endpoint()["EndpointConfigName"]]


def test_2_two_failing_describes_mid_rollout_still_restore_autoscaling(world: World) -> None:
    # GIVEN an autoscaled endpoint and two DescribeEndpoint 5xx during the rollout
    world.create()
    world.autoscale()
    before = world.scaling()
    _after_update(
        world,
        lambda: world.faults.error("sagemaker", "DescribeEndpoint", "InternalFailure", times=2, status=500),
    )
    response = _canary_update(world)
    # THEN the rollout succeeds and autoscaling is exactly as before
    assert response.status == "SUCCESS", response.reason
    assert world.scaling() == before


def test_3_handoff_failing_after_deregistration_restores_autoscaling_and_answers(world: World) -> None:
    # GIVEN a long bake (the wait outlives the invocation), the wake-up queue refusing every message
    # (no suspension: the wait goes on in the invocation) and Lambda refusing every hand-off
    world.create()
    world.autoscale()
    before = world.scaling()
    assert world.driver.scheduled is not None
    world.driver.scheduled.refuse("AccessDenied", times=999)
    world.driver.throttle_handoffs(99)
    response = _canary_update(world, wait=900)
    # THEN the request answers FAILED with a readable reason, autoscaling is restored
    assert response.status == "FAILED"
    assert response.reason.startswith("Could not continue the wait in a fresh invocation"), response.reason
    assert "TooManyRequestsException" in response.reason
    assert "autoscaling restored" in response.reason
    assert world.scaling() == before
    check_response_limits(response)


def test_4_killed_after_restoring_is_not_rolled_out_twice(world: World) -> None:
    # GIVEN the invocation dies right after the last autoscaling call of the restore
    world.create()
    world.autoscale()
    before = world.scaling()
    world.faults.kill_after("application-autoscaling", "PutScalingPolicy", skip=1)
    response = _canary_update(world)
    # THEN Lambda's retry finishes from the journal: one UpdateEndpoint, autoscaling as before
    assert response.status == "SUCCESS", response.reason
    assert world.faults.injected["kill"] == 1
    assert world.sim.calls["UpdateEndpoint"] == 1
    assert world.scaling() == before
    assert response.answers == 1


def test_5_duplicate_continuation_after_answer_is_a_noop(world: World) -> None:
    # GIVEN a rollout that continued across invocations (it suspended: wake-up links) and was answered
    world.create()
    world.autoscale()
    response = _canary_update(world, wait=900)
    assert response.status == "SUCCESS", response.reason
    assert world.driver.scheduled is not None
    continuations = [h for r in response.records for h in r.handoffs]
    continuations += [d.payload for d in world.driver.scheduled.history if d.kind == "sqs"]
    assert continuations, "the rollout should have continued in a fresh invocation"
    # AND the user changes MaxCapacity afterwards
    world.aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/classifier/variant/model-a",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=2,
        MaxCapacity=9,
    )
    after_user = world.scaling()
    calls = len(world.faults.calls)
    # WHEN a duplicate of the continuation arrives late
    from sagemaker_rollout_testing import FakeLambdaContext

    for continuation in continuations:
        context = FakeLambdaContext(world.clock, invoked_function_arn=world.driver.function_arn)
        world.driver.handler(json.loads(json.dumps(continuation)), context)
    # THEN nothing is re-run and the user's change stands; no second answer
    assert world.scaling() == after_user
    mutating = [op for _, op in world.faults.calls[calls:] if not op.startswith(("Describe", "List", "Get"))]
    assert mutating == []
    assert len(world.driver.responses_for(response.request_id)) == 1


def test_6_killed_first_invocation_keeps_the_request_deadline(world: World) -> None:
    # GIVEN ServiceTimeout 2400, an endpoint busy for longer, and a first invocation that hangs in
    # DescribeEndpoint until Lambda kills it at 900 s
    world.create()
    world.sim.set_system_updating("classifier", 3000)
    world.sim.hang("DescribeEndpoint", 1000)
    response = world.driver.update(
        "classifier",
        world.props("model-a-v2", wait=120),
        world.props(),
        logical_id="Classifier",
        service_timeout=2400,
    )
    # THEN Lambda's retry keeps the request's first deadline: FAILED before CloudFormation gives up
    # (a clock restarted by the retry would answer at about 3240 s)
    assert any(r.outcome == "killed" for r in response.records)
    assert response.answered and not response.timed_out
    assert response.elapsed < 2400
    assert response.status == "FAILED"
    assert response.reason.startswith("Timed out after"), response.reason


def test_7_delete_honours_service_timeout(world: World) -> None:
    # GIVEN an endpoint busy for 1600 s and a Delete with ServiceTimeout 900
    world.create()
    world.sim.set_system_updating("classifier", 1600)
    response = world.driver.delete("classifier", world.props(), logical_id="Classifier", service_timeout=900)
    # THEN the Delete answers FAILED before 900 s, naming the wait
    assert response.status == "FAILED"
    assert response.elapsed < 900
    assert response.reason.startswith("Timed out after"), response.reason
    assert "_Timeout" not in response.reason


def test_8_update_finding_endpoint_creating_waits_for_the_requested_config(world: World) -> None:
    # GIVEN a Create that timed out while the endpoint was still Creating
    world.sim.set_timings(create=5000)
    created = world.driver.create(world.props(), logical_id="Classifier")
    assert created.status == "FAILED"
    assert world.endpoint()["EndpointStatus"] == "Creating"
    # WHEN an Update with other content arrives while it is still Creating
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN it answers SUCCESS only once the endpoint runs the requested config
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]
    described = world.sm.describe_endpoint_config(EndpointConfigName=response.data["EndpointConfigName"])
    assert described["ProductionVariants"][0]["ModelName"] == "model-a-v2"


def test_9_after_update_rollback_failed_the_rollback_update_rolls_out_again(world: World) -> None:
    # GIVEN an update that failed and whose rollback failed too
    world.create()
    world.sim.fail_next_rollback("classifier", "Rollback failed: capacity")
    world.alarm_at(400)
    failed = _canary_update(world, instance_type="ml.c5.xlarge")
    assert failed.status == "FAILED"
    assert world.endpoint()["EndpointStatus"] == "UpdateRollbackFailed"
    updates = world.sim.calls["UpdateEndpoint"]
    world.cw.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="recovered")
    # WHEN CloudFormation's rollback Update (the old properties) arrives
    rollback = world.driver.update(
        "classifier", world.props(), world.props("model-a-v2"), logical_id="Classifier"
    )
    # THEN the endpoint is rolled out again and ends InService on the old content
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.sim.calls["UpdateEndpoint"] == updates + 1
    assert world.endpoint()["EndpointStatus"] == "InService"


def test_10_kill_right_after_update_leaves_no_config_behind(world: World) -> None:
    # GIVEN the invocation killed right after UpdateEndpoint took effect
    world.create()
    world.faults.kill_after("sagemaker", "UpdateEndpoint")
    response = _canary_update(world, instance_type="ml.c5.xlarge")
    # THEN the retry finishes the rollout and only the running config remains
    assert response.status == "SUCCESS", response.reason
    assert world.configs() == [world.endpoint()["EndpointConfigName"]]


def test_10b_error_between_config_and_rollout_drops_the_new_config(world: World) -> None:
    # GIVEN UpdateEndpoint refused for good after the new config was created
    world.create()
    old = world.endpoint()["EndpointConfigName"]
    world.faults.error("sagemaker", "UpdateEndpoint", "ValidationException", "refused", times=5)
    response = _canary_update(world, instance_type="ml.c5.xlarge")
    # THEN the unused config is deleted, the old one serves
    assert response.status == "FAILED"
    assert world.configs() == [old]


def test_10c_endpoints_sharing_50_characters_get_distinct_config_names() -> None:
    # GIVEN two endpoint names equal in their first 50 characters and the same content
    from sagemaker_rollout.naming import config_name

    first, second = "a" * 50 + "-one", "a" * 50 + "-two"
    # THEN their config names differ, and each is stable and valid
    assert config_name(first, "d" * 64) != config_name(second, "d" * 64)
    assert config_name(first, "d" * 64) == config_name(first, "d" * 64)
    assert len(config_name(first, "d" * 64)) <= 63


def test_11_timeout_reason_has_no_internal_class_name(world: World) -> None:
    # GIVEN an endpoint busy longer than the request may wait
    world.create()
    world.sim.set_system_updating("classifier", 3000)
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier", service_timeout=2400
    )
    # THEN the reason is a sentence, not a class name
    assert response.status == "FAILED"
    assert response.reason.startswith("Timed out after"), response.reason
    assert "_Timeout" not in response.reason and "Error" not in response.reason.split(":")[0]


def test_a_step_raising_a_bug_still_restores_autoscaling_and_answers_failed(
    world: World, monkeypatch: Any
) -> None:
    """GIVEN an autoscaled endpoint whose rollout deregistered its autoscaling, and a bug in the verify
    step (ZeroDivisionError) WHEN the update runs THEN the engine's barrier turns the bug into one
    FAILED answer with a one-line reason, the autoscaling is registered again exactly, and the
    journal holds no suspended snapshot (issue 19: one barrier per step, restore on every route)."""
    from sagemaker_rollout.rollout import graph
    from sagemaker_rollout.rollout.graph import Phase

    world.create()
    world.autoscale()
    scaling_before = world.scaling()

    def verify_with_a_bug(ctx: Any, state: Any) -> Any:
        return 1 // 0

    steps = graph.registered_steps()
    monkeypatch.setitem(graph._STEPS, Phase.VERIFY, verify_with_a_bug)
    response = _canary_update(world)
    monkeypatch.setitem(graph._STEPS, Phase.VERIFY, steps[Phase.VERIFY])
    assert response.status == "FAILED"
    assert response.reason.startswith("Internal error in step verify: ZeroDivisionError: ")
    assert "\n" not in response.reason and len(response.reason) <= 256
    assert "autoscaling restored" in response.reason
    assert world.scaling() == scaling_before
    assert world.journal().endpoint("classifier").suspended_by is None
    check_response_limits(response)
