"""``SmokeTest`` through the custom resource (issue 24, contract section 9), on the simulator.

The simulator's SageMaker Runtime answers InvokeEndpoint with the fleet that takes the call
(``sagemaker_rollout_testing.simulator.inference``); smoke-test functions are moto functions whose
invocations run a Python callable (``sagemaker_rollout_testing.functions``). Every provider call is
decided against the provider's IAM role (the functional suites' audit), the smoke-test statements
included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from world import World

from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX
from sagemaker_rollout.rollout.request import SMOKE_FUNCTIONS_KEY
from sagemaker_rollout.spec.smoke import CONSENT_TAG, SMOKE_FUNCTIONS_ENV
from sagemaker_rollout_testing.functions import LocalFunctions

INVOKE = {"Invoke": {"Body": '{"instances": [[1, 2, 3]]}', "ContentType": "application/json"}}


@pytest.fixture
def functions(world: World) -> Iterator[LocalFunctions]:
    local = LocalFunctions(world.session).install()
    yield local
    local.uninstall()


def _created(world: World, **extra: Any) -> tuple[dict[str, Any], str]:
    before = world.props(**extra)
    response = world.driver.create(before, logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    return before, world.endpoint()["EndpointConfigName"]


def _smoke_calls(world: World, model: str) -> int:
    return sum(1 for _, _, called, _ in world.sim.models.calls if called == model)


def _brakes(world: World) -> list[str]:
    return [
        a["AlarmName"] for a in world.cw.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"]
    ]


def test_a_passing_smoke_test_runs_after_completion_and_is_reported(world: World) -> None:
    # GIVEN an endpoint whose resource carries an InvokeEndpoint smoke test of 3 calls
    before, _ = _created(world, SmokeTest=INVOKE)
    assert _smoke_calls(world, "model-a-v1") == 3  # a create is smoke-tested after completion too
    # WHEN a new model rolls out (a canary with 300 s bakes: the final bake is smoke-tested too)
    after = world.props("model-a-v2", SmokeTest=INVOKE)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN it succeeds after 3 calls answered by the new model, and the run is in the request's history
    assert response.status == "SUCCESS", response.reason
    assert _smoke_calls(world, "model-a-v2") == 6
    notes = " ".join(world.history()[0]["state"]["notes"])
    assert "smoke test final bake: 3/3 call(s), pass" in notes, notes
    assert "smoke test after completion: 3/3 call(s), pass" in notes, notes


def test_a_failing_smoke_test_after_completion_rolls_back_to_the_previous_config(world: World) -> None:
    # GIVEN an autoscaled endpoint with a smoke test, no bake, and a new model that answers 500
    before, old_config = _created(world, SmokeTest=INVOKE, wait=0)
    world.autoscale()
    scaling = world.scaling()
    world.sim.models.set("model-a-v2", status=500, body=b"boom")
    # WHEN it rolls out with an instance-type change (autoscaling suspended for the rollout)
    after = world.props("model-a-v2", "ml.c5.2xlarge", SmokeTest=INVOKE, wait=0)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN the request fails naming the smoke test, after the endpoint went back to its previous config
    assert response.status == "FAILED"
    assert response.reason.startswith("smoke test failed after completion: call 1: model answered 500"), (
        response.reason
    )
    assert f"rolled back: endpoint classifier runs {old_config}" in response.reason
    endpoint = world.endpoint()
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", old_config)
    # AND autoscaling is back, the failed config and the brake are gone, the previous config is kept
    assert world.scaling() == scaling
    assert world.configs() == [old_config]
    assert _brakes(world) == []
    # AND the way back was a guarded update (two UpdateEndpoint calls, both with the DeploymentConfig)
    updates = [t for t in world.sim.history("classifier") if t.status == "Updating"]
    assert len(updates) == 2
    # AND CloudFormation's rollback Update finds the old config running: nothing to do
    rollback = world.driver.update("classifier", before, after, logical_id="Classifier")
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_a_model_answering_after_60_seconds_fails_the_smoke_test(world: World) -> None:
    # GIVEN a new model that takes 75 s to answer (SageMaker cuts an invocation off at 60 s)
    before, old_config = _created(world, SmokeTest=INVOKE, wait=0)
    world.sim.models.set("model-a-v2", latency=75.0)
    # WHEN it rolls out
    response = world.driver.update(
        "classifier", world.props("model-a-v2", SmokeTest=INVOKE), before, logical_id="Classifier"
    )
    # THEN the call is a failure bounded to 60 s, and the endpoint is back on its previous config
    assert response.status == "FAILED"
    assert "model answered 0" in response.reason and "timed out" in response.reason, response.reason
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_a_create_whose_smoke_test_fails_answers_failed(world: World) -> None:
    # GIVEN a model that answers 503
    world.sim.models.set("model-a-v1", status=503)
    # WHEN an endpoint is created with a smoke test
    response = world.driver.create(world.props(SmokeTest=INVOKE), logical_id="Classifier")
    # THEN it fails naming the smoke test (no previous config to go back to: CloudFormation deletes it)
    assert response.status == "FAILED"
    assert response.reason.startswith("smoke test failed after completion: call 1: model answered 503"), (
        response.reason
    )
    assert response.physical_resource_id == "classifier"


def test_a_smoke_test_failing_in_the_final_bake_trips_the_brake(world: World) -> None:
    # GIVEN an all-at-once blue/green rollout with a 10-minute bake, and a new model answering 500
    all_at_once = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600}
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "latency-alarm"}]},
    }
    before, old_config = _created(world, SmokeTest=INVOKE, DeploymentConfig=all_at_once)
    world.sim.models.set("model-a-v2", status=500)
    # WHEN it rolls out
    after = world.props("model-a-v2", SmokeTest=INVOKE, DeploymentConfig=all_at_once)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN the smoke test ran in the bake, the brake sent the deployment back, and the request failed
    assert response.status == "FAILED"
    assert response.reason.startswith("smoke test failed in final bake: call 1: model answered 500"), (
        response.reason
    )
    assert [t.status for t in world.sim.history("classifier")].count("RollingBack") == 1
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert _brakes(world) == []
    # AND only one rollout happened: no second update to go back (SageMaker's own rollback did it)
    assert [t.status for t in world.sim.history("classifier")].count("Updating") == 1


@pytest.mark.parametrize(
    ("canary", "count", "runs"),
    [
        (50, 5, True),  # 1 - 0.5**5 = 0.97 >= 0.95
        (50, 4, False),  # 0.94 < 0.95
        (10, 29, True),
    ],
)
def test_a_canary_bake_is_smoke_tested_only_with_enough_calls_to_reach_the_new_fleet(
    world: World, canary: int, count: int, runs: bool
) -> None:
    # GIVEN a canary rollout of `canary` % and a smoke test of `count` calls
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": canary},
            }
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "latency-alarm"}]},
    }
    smoke = {**INVOKE, "Count": count}
    before, _ = _created(world, SmokeTest=smoke, DeploymentConfig=deployment)
    # WHEN the new model rolls out
    after = world.props("model-a-v2", SmokeTest=smoke, DeploymentConfig=deployment)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN it succeeds; the canary bake's run exists (labelled mixed fleet) only when it may
    assert response.status == "SUCCESS", response.reason
    notes = " ".join(world.history()[0]["state"]["notes"])
    assert ("smoke test bake the canary (mixed fleet)" in notes) is runs, notes
    assert "smoke test final bake:" in notes and "smoke test after completion:" in notes


def test_a_function_outside_the_stack_pattern_is_refused_before_any_change(world: World) -> None:
    # GIVEN a provider stack that names no smoke-test function (the default)
    before, old_config = _created(world)
    updates = world.sim.calls["UpdateEndpoint"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:smoke-check"
    # WHEN a resource names one
    after = world.props("model-a-v2", SmokeTest={"FunctionArn": arn})
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN it is refused with the property and what is allowed, and nothing changed
    assert response.status == "FAILED"
    assert response.reason.startswith("SmokeTest.FunctionArn: "), response.reason
    assert "allowed names: none; set by SmokeTestFunctionNamePattern: the provider stack's parameter" in (
        response.reason
    )
    assert world.sim.calls["UpdateEndpoint"] == updates
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_an_event_cannot_widen_the_allowed_functions_with_a_field_of_the_provider(
    world: World, functions: LocalFunctions
) -> None:
    # GIVEN a provider stack that names no smoke-test function, and a consenting function
    arn = functions.add("smoke-check", lambda event: {"Passed": True}, tags={CONSENT_TAG: "true"})
    before, old_config = _created(world)
    updates = world.sim.calls["UpdateEndpoint"]
    # WHEN an event names it and carries the field the registry type's requests keep their type
    # configuration's pattern in (CloudFormation never sends it)
    after = world.props("model-a-v2", SmokeTest={"FunctionArn": arn})
    event = world.driver.event(
        "Update",
        after,
        logical_id="Classifier",
        physical_resource_id="classifier",
        old_properties=before,
    )
    event[SMOKE_FUNCTIONS_KEY] = "*"
    response = world.driver.send(event)
    # THEN the field decides nothing: the stack's pattern (none) refuses the function before any change
    assert response.status == "FAILED"
    assert "allowed names: none" in response.reason, response.reason
    assert world.sim.calls["UpdateEndpoint"] == updates
    assert functions.invocations == []
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_a_function_without_the_consent_tag_is_refused_before_any_change(
    world: World, functions: LocalFunctions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a stack pattern naming the function, but a function without the consent tag
    monkeypatch.setenv(SMOKE_FUNCTIONS_ENV, "smoke-*")
    arn = functions.add("smoke-check", lambda event: {"Passed": True})
    before, old_config = _created(world)
    updates = world.sim.calls["UpdateEndpoint"]
    # WHEN a resource names it
    response = world.driver.update(
        "classifier",
        world.props("model-a-v2", SmokeTest={"FunctionArn": arn}),
        before,
        logical_id="Classifier",
    )
    # THEN it is refused before any change, and the function was never invoked
    assert response.status == "FAILED"
    assert f"does not carry the tag {CONSENT_TAG}=true" in response.reason, response.reason
    assert world.sim.calls["UpdateEndpoint"] == updates
    assert functions.invocations == []
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_a_consenting_function_decides_and_gets_no_secrets(
    world: World, functions: LocalFunctions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a consenting function that fails the new model
    monkeypatch.setenv(SMOKE_FUNCTIONS_ENV, "smoke-*")

    def check(event: dict[str, Any]) -> dict[str, Any]:
        config = str(event["EndpointConfigName"])
        return {
            "Passed": "model-a-v2"
            not in world.sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0][
                "ModelName"
            ],
            "Reason": "accuracy 0.41 < 0.9",
        }

    arn = functions.add("smoke-check", check, tags={CONSENT_TAG: "true"})
    before, old_config = _created(world, SmokeTest={"FunctionArn": arn, "Count": 1})
    # WHEN the new model rolls out
    after = world.props("model-a-v2", SmokeTest={"FunctionArn": arn, "Count": 1})
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN its verdict in the final bake (the new fleet takes all traffic) fails the rollout: the brake
    # sends the deployment back, and the endpoint runs its previous config
    assert response.status == "FAILED"
    assert response.reason.startswith("smoke test failed in final bake: call 1: accuracy 0.41 < 0.9"), (
        response.reason
    )
    assert world.endpoint()["EndpointConfigName"] == old_config
    # AND every payload carried only the endpoint, the config and the phase (no URL, token, secret)
    assert functions.invocations
    for _, payload in functions.invocations:
        assert set(payload) == {
            "EndpointName",
            "EndpointConfigName",
            "Phase",
            "Bake",
            "MixedFleet",
            "Call",
            "Count",
            "RequestType",
        }
        text = str(payload)
        assert "https://" not in text and "token" not in text.lower()


# ---- every step can die after it took effect, be retried, or meet a 503 ----------------------


def test_an_invocation_killed_after_a_smoke_call_goes_on_from_the_next_call(world: World) -> None:
    # GIVEN a smoke-tested endpoint, and the invocation dying right after the second call of the run
    # after completion (its answer lost with the process)
    before, _ = _created(world, SmokeTest=INVOKE, wait=0)
    world.faults.kill_after("sagemaker-runtime", "InvokeEndpoint", skip=1)
    # WHEN a new model rolls out
    after = world.props("model-a-v2", SmokeTest=INVOKE, wait=0)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN Lambda's retry goes on from the journaled calls: one answer, SUCCESS, the lost call made
    # again (4 calls for a Count of 3), and the run recorded once
    assert response.status == "SUCCESS", response.reason
    assert world.faults.injected["kill"] == 1 and response.answers == 1
    assert _smoke_calls(world, "model-a-v2") == 4
    notes = " ".join(world.history()[0]["state"]["notes"])
    assert notes.count("smoke test after completion: 3/3 call(s), pass") == 1, notes


def test_throttled_smoke_calls_are_tried_again_within_their_bound(world: World) -> None:
    # GIVEN SageMaker Runtime throttling the next two calls
    before, _ = _created(world, SmokeTest=INVOKE, wait=0)
    world.faults.error("sagemaker-runtime", "InvokeEndpoint", "ThrottlingException", times=2, status=400)
    # WHEN a new model rolls out
    after = world.props("model-a-v2", SmokeTest=INVOKE, wait=0)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN the throttled call is tried again and passes: SUCCESS
    assert response.status == "SUCCESS", response.reason
    assert world.faults.injected["error:ThrottlingException"] == 2


def test_a_503_burst_outlasting_a_call_is_an_error_and_rolls_back(world: World) -> None:
    # GIVEN SageMaker Runtime answering 503 for two minutes, from the first smoke call on
    before, old_config = _created(world, SmokeTest=INVOKE, wait=0)
    after = world.props("model-a-v2", SmokeTest=INVOKE, wait=0)
    world.faults.then(
        "sagemaker",
        "UpdateEndpoint",
        lambda: world.faults.outage("sagemaker-runtime", "InvokeEndpoint", 3600),
    )
    # WHEN the new model rolls out
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN the test could not run: that is no pass, so the endpoint goes back and the answer says why
    assert response.status == "FAILED"
    assert response.reason.startswith(
        "smoke test could not run after completion: call 1: ServiceUnavailable"
    ), response.reason
    assert world.endpoint()["EndpointConfigName"] == old_config


def test_killed_right_after_the_way_back_was_issued_the_retry_finishes_it(world: World) -> None:
    # GIVEN a failing new model, and the invocation dying right after the UpdateEndpoint that sends
    # the endpoint back (the second UpdateEndpoint of the request)
    before, old_config = _created(world, SmokeTest=INVOKE, wait=0)
    world.sim.models.set("model-a-v2", status=500)
    world.faults.kill_after("sagemaker", "UpdateEndpoint", skip=1)
    # WHEN the new model rolls out
    response = world.driver.update(
        "classifier", world.props("model-a-v2", SmokeTest=INVOKE, wait=0), before, logical_id="Classifier"
    )
    # THEN the retry waits for the way back instead of issuing it again: one answer, two updates in all
    assert response.status == "FAILED"
    assert "rolled back: endpoint classifier runs" in response.reason, response.reason
    assert world.faults.injected["kill"] == 1 and response.answers == 1
    assert world.sim.calls["UpdateEndpoint"] == 2
    assert world.endpoint()["EndpointConfigName"] == old_config


# ---- found by the demo's smoke-test step (issue 24) ---------------------------------------------


def test_a_long_model_error_still_says_where_the_endpoint_went_back(world: World) -> None:
    # GIVEN a new model whose error is a realistic message (about 120 characters of body, quoted in
    # SageMaker's "Received server error (500) from primary with message ..." text)
    before, old_config = _created(world, SmokeTest=INVOKE, wait=0)
    world.sim.models.set(
        "model-a-v2",
        status=500,
        body=b'{"error": "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 14.75 GiB total capacity; '
        b'12.10 GiB already allocated)"}',
    )
    # WHEN it rolls out
    after = world.props("model-a-v2", SmokeTest=INVOKE, wait=0)
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN the endpoint went back to its previous config (it did) and the answer, as documented
    # ("smoke test failed after completion: ...; rolled back: ..."), says so
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert response.status == "FAILED"
    assert response.reason.startswith("smoke test failed after completion: call 1: model answered 500")
    assert f"rolled back: endpoint classifier runs {old_config}" in response.reason, response.reason
