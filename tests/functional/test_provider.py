"""Custom::SageMakerEndpoint end to end: real handler, real crhelper PUTs, moto + the simulator.

Every scenario asserts what happened to the endpoint, its configs and its autoscaling, not only
the response status. Each test runs against a fresh simulated account.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from documents import with_value
from world import ALARM, World, check_response_limits

# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def test_create_new_endpoint_in_service_with_owned_tagged_config(world: World) -> None:
    # GIVEN nothing WHEN the resource is created
    response = world.create(tags={"team": "ml"})
    # THEN the endpoint runs the content-hashed config, both carry ownership and user tags
    endpoint = world.endpoint()
    assert endpoint["EndpointStatus"] == "InService"
    assert response.physical_resource_id == "classifier"
    assert response.data["EndpointConfigName"] == endpoint["EndpointConfigName"]
    assert response.data["EndpointArn"] == endpoint["EndpointArn"]
    assert world.configs() == [endpoint["EndpointConfigName"]]
    assert endpoint["EndpointConfigName"].startswith("classifier-")
    config_arn = world.sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])[
        "EndpointConfigArn"
    ]
    for arn in (endpoint["EndpointArn"], config_arn):
        tags = world.tags(arn)
        assert tags["team"] == "ml"
        assert tags["sagemaker-rollout:logical-id"] == "Classifier"
        assert tags["sagemaker-rollout:stack-id"] == world.driver.stack_id
    check_response_limits(response)


def test_create_without_name_derives_valid_name_from_stack(world: World) -> None:
    response = world.driver.create(world.props(name=None), logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    assert response.physical_resource_id == "demo-stack-Classifier"
    assert world.endpoint("demo-stack-Classifier")["EndpointStatus"] == "InService"


def test_create_settle_noticed_within_15_seconds(world: World) -> None:
    # GIVEN a create that takes the simulator 300 s WHEN it is created
    response = world.create()
    # THEN CloudFormation hears within 15 s of InService
    in_service = next(t for t in world.sim.history("classifier") if t.status == "InService")
    assert 0 <= response.answered_at - in_service.time <= 15


def test_create_failed_endpoint_reports_sagemaker_reason_and_rollback_delete_cleans_up(world: World) -> None:
    # GIVEN SageMaker will fail the endpoint's health check
    world.sim.fail_next_create(
        "classifier",
        "The primary container for production variant model-a did not pass the ping health check.",
    )
    # WHEN the resource is created
    response = world.driver.create(world.props(), logical_id="Classifier")
    # THEN the request fails with SageMaker's reason, and the physical id lets the rollback Delete clean up
    assert response.status == "FAILED"
    assert "did not pass the ping health check" in response.reason
    assert response.physical_resource_id == "classifier"
    check_response_limits(response)
    rollback = world.driver.delete(response.physical_resource_id, world.props(), logical_id="Classifier")
    assert rollback.status == "SUCCESS"
    assert world.sim.endpoint_status("classifier") is None
    assert world.configs() == []


def test_create_foreign_endpoint_same_name_fails_and_rollback_delete_leaves_it(world: World) -> None:
    # GIVEN an endpoint someone else created under the same name
    world.sm.create_endpoint_config(
        EndpointConfigName="theirs",
        ProductionVariants=[
            {
                "VariantName": "x",
                "ModelName": "model-b-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    world.sm.create_endpoint(EndpointName="classifier", EndpointConfigName="theirs")
    world.clock.sleep(600)
    before = world.mutations()
    # WHEN the resource is created
    response = world.driver.create(world.props(), logical_id="Classifier")
    # THEN it fails naming the property, without adopting or touching the endpoint
    assert response.status == "FAILED"
    assert response.reason.startswith("EndpointName: endpoint classifier already exists and is not managed")
    assert response.physical_resource_id != "classifier"
    # AND the rollback Delete (with the id the failed Create returned) leaves it alone,
    # as does a Delete naming it
    assert (
        world.driver.delete(response.physical_resource_id, world.props(), logical_id="Classifier").status
        == "SUCCESS"
    )
    assert world.driver.delete("classifier", world.props(), logical_id="Classifier").status == "SUCCESS"
    assert world.endpoint()["EndpointConfigName"] == "theirs"
    assert world.endpoint()["EndpointStatus"] == "InService"
    assert "theirs" in world.configs()
    assert world.sim.calls["DeleteEndpoint"] == 0 and world.sim.calls["DeleteEndpointConfig"] == 0
    assert world.mutations() - before <= 1  # at most the (idempotent) config of the failed create


def test_create_duplicate_delivery_adopts_own_endpoint(world: World) -> None:
    # GIVEN the same Create delivered twice
    event = world.driver.event("Create", world.props(), logical_id="Classifier")
    first, second = world.driver.send(event, deliveries=2)
    # THEN both succeed on the same endpoint and config, created once
    assert first.status == second.status == "SUCCESS"
    assert first.data == second.data
    assert world.sim.calls["CreateEndpoint"] == 1
    assert len(world.configs()) == 1


# ---------------------------------------------------------------------------------------------
# Update
# ---------------------------------------------------------------------------------------------


def test_update_instance_type_canary_keeps_autoscaling_and_removes_old_config(world: World) -> None:
    # GIVEN a 2-variant endpoint with target tracking registered on model-a
    created = world.create()
    world.autoscale()
    scaling_before = world.scaling()
    old_config = world.endpoint()["EndpointConfigName"]
    # WHEN a new model and instance type roll out as a canary
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    # THEN the endpoint runs the new config, autoscaling is exactly as before, the old config is gone
    assert response.status == "SUCCESS", response.reason
    endpoint = world.endpoint()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == response.data["EndpointConfigName"] != old_config
    assert world.scaling() == scaling_before
    assert world.configs() == [endpoint["EndpointConfigName"]]
    # the snapshot was journaled before deregistering, and the journal says it was restored
    (record,) = [r for r in world.history() if r["requestType"] == "Update"]
    assert record["state"]["snapshot"] and record["state"]["suspended"] is False
    assert world.journal().endpoint("classifier").suspended_by is None
    assert created.data["EndpointArn"] == response.data["EndpointArn"]
    check_response_limits(response)


def test_update_step_scaling_alarm_follows_restored_policy(world: World) -> None:
    # GIVEN a step-scaling policy (new ARN when re-created) and the user's alarm acting on it
    world.create()
    world.autoscale()
    alarm = world.autoscale_step()
    scaling_before = world.scaling()
    old_arn = world.policy_arns()["model-a-from-zero"]
    # WHEN an instance-type change forces the provider to deregister and restore autoscaling
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    # THEN the policies are back, and the alarm acts on the restored policy, not the deleted one
    assert response.status == "SUCCESS", response.reason
    assert world.scaling() == scaling_before
    new_arn = world.policy_arns()["model-a-from-zero"]
    assert new_arn != old_arn
    actions = world.cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["AlarmActions"]
    assert actions == [new_arn]
    # AND the rollback alarm, which names no policy, is untouched
    assert world.cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["AlarmActions"] == []


def test_update_alarm_during_baking_fails_naming_alarm_and_restores_everything(world: World) -> None:
    # GIVEN the same autoscaled endpoint
    world.create()
    world.autoscale()
    scaling_before = world.scaling()
    old_config = world.endpoint()["EndpointConfigName"]
    # WHEN the latency alarm fires during the canary's baking
    world.alarm_at(400)
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    # THEN the request fails naming the alarm, on the old config, which is kept, and autoscaling is back
    assert response.status == "FAILED"
    assert response.reason.startswith(f"Rolled back: alarm {ALARM} fired")
    endpoint = world.endpoint()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == old_config
    assert world.configs() == [old_config]  # the new, unused config was removed
    assert world.scaling() == scaling_before
    assert "autoscaling restored" in response.reason
    check_response_limits(response)


def test_update_previous_config_used_by_another_endpoint_is_kept(world: World) -> None:
    # GIVEN someone pointed another endpoint at the provider's config
    world.create()
    shared = world.endpoint()["EndpointConfigName"]
    world.sm.create_endpoint(EndpointName="someone-elses", EndpointConfigName=shared)
    world.clock.sleep(600)
    # WHEN an update succeeds
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN the previous config is kept because an endpoint still uses it; so is it on Delete
    assert response.status == "SUCCESS", response.reason
    assert shared in world.configs()
    assert (
        world.driver.delete("classifier", world.props("model-a-v2"), logical_id="Classifier").status
        == "SUCCESS"
    )
    assert world.configs() == [shared]
    assert world.endpoint("someone-elses")["EndpointStatus"] == "InService"


def test_update_alarm_after_baking_does_not_roll_back(world: World) -> None:
    world.create()
    world.alarm_at(5000)
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]


def test_update_silent_rollback_is_a_failed_update(world: World) -> None:
    # GIVEN SageMaker fails the new fleet and quietly goes back InService on the old config
    world.create()
    old_config = world.endpoint()["EndpointConfigName"]
    world.sim.fail_next_update("classifier", "Model model-a-v2 failed health checks")
    # WHEN the update runs
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN it is reported FAILED with SageMaker's reason, and the old config is kept
    assert response.status == "FAILED"
    assert "failed health checks" in response.reason
    assert world.endpoint()["EndpointStatus"] == "InService"
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert old_config in world.configs()


def test_update_rollback_failed_reported(world: World) -> None:
    world.create()
    world.autoscale()
    world.sim.fail_next_rollback("classifier", "Rollback failed: capacity")
    world.alarm_at(400)
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    assert response.status == "FAILED"
    assert "UpdateRollbackFailed" in response.reason
    assert world.endpoint()["EndpointStatus"] == "UpdateRollbackFailed"
    # Both configs may be serving: neither is deleted.
    assert len(world.configs()) == 2


def test_update_throttled_calls_retried(world: World) -> None:
    world.create()
    world.sim.throttle("DescribeEndpoint", 4)
    world.sim.throttle("UpdateEndpoint", 2)
    world.sim.throttle("CreateEndpointConfig", 1)
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]
    assert world.sim.calls["UpdateEndpoint"] >= 3


def test_update_call_failing_for_good_restores_autoscaling_and_drops_new_config(world: World) -> None:
    # GIVEN an autoscaled endpoint and UpdateEndpoint refused for good (a permanent error)
    world.create()
    world.autoscale()
    scaling_before = world.scaling()
    old_config = world.endpoint()["EndpointConfigName"]
    world.faults.error("sagemaker", "UpdateEndpoint", "AccessDeniedException", "not authorized", times=99)
    # WHEN the instance type changes (autoscaling must be suspended first)
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    # THEN the request fails with the cause first, says where the endpoint stands, autoscaling is
    # back, and the unused new config is gone
    assert response.status == "FAILED"
    expected = "UpdateEndpoint: AccessDeniedException: not authorized"
    assert response.reason.startswith(expected), response.reason
    assert f"endpoint classifier is InService on {old_config}" in response.reason
    assert "autoscaling restored" in response.reason
    assert world.scaling() == scaling_before
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert world.configs() == [old_config]


def test_update_throttled_for_long_is_waited_out(world: World) -> None:
    # GIVEN UpdateEndpoint throttled 40 times in a row (minutes of throttling)
    world.create()
    world.sim.throttle("UpdateEndpoint", 40)
    # WHEN an update arrives
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN the throttling is waited out within the deadline and the rollout succeeds
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]


def test_update_unexpected_aws_failure_reports_cause_first_and_changes_nothing(world: World) -> None:
    # GIVEN ListTags refused for good while the provider reads the endpoint
    world.create()
    before = world.mutations()
    world.faults.error("sagemaker", "ListTags", "AccessDeniedException", "not authorized", times=99)
    # WHEN an update arrives
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN it fails with the AWS call and error code first, keeps the physical id, and changed nothing
    assert response.status == "FAILED"
    assert response.reason.startswith("ListTags: AccessDeniedException: not authorized"), response.reason
    assert response.physical_resource_id == "classifier"
    assert world.mutations() == before
    check_response_limits(response)


def test_update_busy_endpoint_waited_for_not_failed(world: World) -> None:
    # GIVEN an endpoint in SystemUpdating for 20 minutes
    world.create()
    world.sim.set_system_updating("classifier", 1200)
    start = world.clock.now()
    # WHEN an update arrives
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN the provider waits (across invocations) and then rolls out
    assert response.status == "SUCCESS", response.reason
    updating = [t for t in world.sim.history("classifier") if t.status == "Updating"]
    assert updating and updating[0].time >= start + 1200
    assert response.invocations >= 2


def test_update_lambda_killed_mid_rollout_resumes_and_restores_autoscaling(world: World) -> None:
    # GIVEN an autoscaled endpoint and a DescribeEndpoint that hangs past the Lambda limit mid-rollout
    world.create()
    world.autoscale()
    scaling_before = world.scaling()

    def hang_later() -> None:
        world.sim.hang("DescribeEndpoint", 1000)

    world.clock.call_later(200, hang_later)
    # WHEN the instance type changes
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    # THEN Lambda's retry resumes the request from the continuation, which still has the snapshot
    assert response.retries >= 1
    assert response.status == "SUCCESS", response.reason
    assert world.scaling() == scaling_before
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]
    assert len(world.configs()) == 1


def test_update_long_rollout_spans_invocations_without_eventbridge(world: World) -> None:
    # GIVEN a canary whose bake alone (950 s) outlasts one Lambda invocation
    world.create()
    response = world.driver.update(
        "classifier", world.props("model-a-v2", wait=950), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
    assert response.invocations >= 2
    assert response.elapsed > 900
    assert world.events.list_rules()["Rules"] == []
    done = [t for t in world.sim.history("classifier") if t.status == "InService"][-1]
    # noticed within 15 s of settling (contract section 4)
    assert response.answered_at - done.time <= 15


def test_update_throttled_handoff_retried(world: World) -> None:
    # GIVEN Lambda throttles the provider's first two self-invocations
    world.create()
    world.driver.throttle_handoffs(2)
    # WHEN a rollout outlives one invocation
    response = world.driver.update(
        "classifier", world.props("model-a-v2", wait=950), world.props(), logical_id="Classifier"
    )
    # THEN the hand-off is retried and the request completes
    assert response.status == "SUCCESS", response.reason
    assert response.invocations >= 2
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]


def test_update_duplicate_delivery_rolls_out_once(world: World) -> None:
    world.create()
    event = world.driver.event(
        "Update",
        world.props("model-a-v2"),
        logical_id="Classifier",
        physical_resource_id="classifier",
        old_properties=world.props(),
    )
    first, second = world.driver.send(event, deliveries=2)
    assert first.status == second.status == "SUCCESS"
    assert first.data["EndpointConfigName"] == second.data["EndpointConfigName"]
    assert world.sim.calls["UpdateEndpoint"] == 1
    assert world.configs() == [first.data["EndpointConfigName"]]


def test_update_stack_rollback_after_success_returns_to_old_config(world: World) -> None:
    # GIVEN a successful update
    world.create()
    original = world.endpoint()["EndpointConfigName"]
    forward = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    assert forward.status == "SUCCESS"
    # WHEN CloudFormation rolls the stack back (Update with the old properties as new)
    back = world.driver.update(
        "classifier", world.props(), world.props("model-a-v2"), logical_id="Classifier"
    )
    # THEN the endpoint runs the original config again and the forward one is gone
    assert back.status == "SUCCESS", back.reason
    assert world.endpoint()["EndpointConfigName"] == original == back.data["EndpointConfigName"]
    assert world.configs() == [original]


def test_update_after_out_of_band_deletion_recreates_endpoint(world: World) -> None:
    world.create()
    world.sim.delete_out_of_band("classifier")
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointStatus"] == "InService"
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]


def test_update_tags_only_retags_without_rollout(world: World) -> None:
    world.create(tags={"team": "ml", "cost": "a"})
    config = world.endpoint()["EndpointConfigName"]
    response = world.driver.update(
        "classifier",
        world.props(tags={"team": "platform"}),
        world.props(tags={"team": "ml", "cost": "a"}),
        logical_id="Classifier",
    )
    assert response.status == "SUCCESS", response.reason
    assert world.sim.calls["UpdateEndpoint"] == 0
    tags = world.tags(world.endpoint()["EndpointArn"])
    assert tags["team"] == "platform" and "cost" not in tags
    assert world.endpoint()["EndpointConfigName"] == config


def test_update_deployment_config_only_needs_no_rollout(world: World) -> None:
    world.create()
    response = world.driver.update(
        "classifier", world.props(wait=600), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS"
    assert world.sim.calls["UpdateEndpoint"] == 0


def test_update_endpoint_name_change_creates_replacement(world: World) -> None:
    world.create()
    response = world.driver.update(
        "classifier", world.props(name="classifier-v2"), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
    assert response.physical_resource_id == "classifier-v2"
    assert world.endpoint("classifier")["EndpointStatus"] == "InService"  # CloudFormation deletes it next
    cleanup = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    assert cleanup.status == "SUCCESS"
    assert world.sim.endpoint_status("classifier") is None
    assert world.endpoint("classifier-v2")["EndpointStatus"] == "InService"
    assert world.configs() == [response.data["EndpointConfigName"]]


def test_update_slower_than_time_limit_fails_clearly_and_restores_autoscaling(world: World) -> None:
    # GIVEN an autoscaled endpoint and fleets that take 3,000 s to launch
    world.create()
    world.autoscale()
    scaling_before = world.scaling()
    usual = world.sim.timings
    world.sim.set_timings(provision=3000)
    # WHEN a guarded canary update meets a 2,400 s limit: its launch outlasts the deadline, so there is
    # no bake before it in which SageMaker would see the brake
    response = world.driver.update(
        "classifier",
        world.props("model-a-v2", "ml.c5.2xlarge", ServiceTimeout=2400),
        world.props(),
        logical_id="Classifier",
        service_timeout=2400,
    )
    assert response.status == "FAILED"
    assert response.reason.startswith("Timed out after")
    assert "(still Updating); the next update waits for it" in response.reason, response.reason
    assert response.answered_at - response.started_at < 2400
    # autoscaling is registered again before the answer, SageMaker's rollout still running
    # (docs/reference.md, "When the deadline comes first")
    assert world.endpoint()["EndpointStatus"] == "Updating"
    assert world.scaling() == scaling_before
    assert world.journal().endpoint("classifier").suspended_by is None
    # WHEN CloudFormation's rollback Update arrives at once (its own launch back at the usual pace)
    world.sim.set_timings(usual)
    rollback = world.driver.update(
        "classifier", world.props(), world.props("model-a-v2", "ml.c5.2xlarge"), logical_id="Classifier"
    )
    # THEN it waits for the rollout to settle, then puts the old config back with autoscaling as it was
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.endpoint()["EndpointStatus"] == "InService"
    assert world.endpoint()["EndpointConfigName"] == world.configs()[0]
    assert world.scaling() == scaling_before


def test_update_event_larger_than_8kb_continues_across_invocations(world: World) -> None:
    world.create()
    tags = {f"tag-{i:02d}": "v" * 200 for i in range(44)}
    props = world.props("model-a-v2", wait=950, tags=tags)
    event = world.driver.event(
        "Update", props, physical_resource_id="classifier", old_properties=world.props()
    )
    assert len(json.dumps(event)) > 8192
    response = world.driver.update("classifier", props, world.props(), logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    assert response.invocations >= 2
    assert world.tags(world.endpoint()["EndpointArn"])["tag-43"] == "v" * 200


# ---------------------------------------------------------------------------------------------
# Bad input: refused before any change
# ---------------------------------------------------------------------------------------------

BAD = [
    ("unknown property", {"Colour": "blue"}, "Colour: unknown property"),
    ("no variants", {"ProductionVariants": []}, "ProductionVariants: needs at least 1"),
    ("count not a number", {"ProductionVariants.0.InitialInstanceCount": "lots"}, "must be a whole number"),
    ("duplicate variant", {"ProductionVariants.1.VariantName": "model-a"}, "duplicate variant name"),
    (
        "canary too large",
        {"DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value": 2},
        "more than half of variant",
    ),
    (
        "worst case too long",
        {"DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.WaitIntervalInSeconds": 2000},
        "exceeds the 3600 s time limit",
    ),
    (
        "rolling with two variants",
        {
            "DeploymentConfig": {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 60,
                }
            }
        },
        "rolling updates need exactly one production variant",
    ),
    ("bad endpoint name", {"EndpointName": "bad_name!"}, "EndpointName:"),
    ("reserved tag", {"Tags": [{"Key": "aws:owner", "Value": "x"}]}, "is reserved"),
    ("service timeout", {"ServiceTimeout": "99999"}, "ServiceTimeout: 99999 is outside 1-3600"),
    (
        "serverless and instance",
        {"ProductionVariants.0.ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}},
        "exactly one of InstanceType",
    ),
    ("bool", {"RetainAllVariantProperties": "maybe"}, "true or false"),
]


def _apply(props: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for path, value in changes.items():
        props = with_value(props, path, value)
    return props


@pytest.mark.parametrize(("case", "changes", "reason"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_bad_input_fails_before_any_change(
    world: World, request_type: str, case: str, changes: dict[str, Any], reason: str
) -> None:
    # GIVEN (for Update) an endpoint that exists
    if request_type == "Update":
        world.create()
    before = world.mutations()
    configs = world.configs()
    # WHEN a request with one bad property arrives
    props = _apply(world.props(), changes)
    if request_type == "Create":
        response = world.driver.create(props, logical_id="Classifier")
    else:
        response = world.driver.update("classifier", props, world.props(), logical_id="Classifier")
    # THEN it fails with a one-line reason naming the property, and nothing changed
    assert response.status == "FAILED"
    assert reason in response.reason, response.reason
    check_response_limits(response)
    assert world.mutations() == before
    assert world.configs() == configs
    if request_type == "Update":
        assert response.physical_resource_id == "classifier"


# ---------------------------------------------------------------------------------------------
# Delete
# ---------------------------------------------------------------------------------------------


def test_delete_removes_endpoint_and_owned_configs_only(world: World) -> None:
    world.create()
    world.driver.update("classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier")
    world.sm.create_endpoint_config(  # a config of someone else's, with a similar name
        EndpointConfigName="classifier-manual",
        ProductionVariants=[
            {
                "VariantName": "x",
                "ModelName": "model-b-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    response = world.driver.delete("classifier", world.props("model-a-v2"), logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    assert world.sim.endpoint_status("classifier") is None
    assert world.configs() == ["classifier-manual"]


@pytest.mark.parametrize(
    "physical_id",
    ["classifier", "demo-stack_Classifier_ABCD1234", ""],
    ids=["missing-endpoint", "id-of-failed-create", "empty"],
)
def test_delete_nothing_to_delete_is_success(world: World, physical_id: str) -> None:
    response = world.driver.delete(physical_id, world.props(), logical_id="Classifier")
    assert response.status == "SUCCESS"
    assert world.sim.calls["DeleteEndpoint"] == 0


def test_delete_while_updating_waits_then_deletes(world: World) -> None:
    world.create()
    world.sm.create_endpoint_config(
        EndpointConfigName="manual-next",
        ProductionVariants=[
            {
                "VariantName": "model-a",
                "ModelName": "model-a-v3",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    )
    world.sm.update_endpoint(EndpointName="classifier", EndpointConfigName="manual-next")
    response = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    assert world.sim.endpoint_status("classifier") is None
    assert world.configs() == ["manual-next"]  # not the provider's: kept


def test_update_failed_replacement_is_removed_and_old_endpoint_kept(world: World) -> None:
    # GIVEN a running endpoint and a rename whose new endpoint fails to create
    world.create()
    old_config = world.endpoint()["EndpointConfigName"]
    world.sim.fail_next_create("classifier-v2", "The primary container did not pass the ping health check.")
    # WHEN the update (a replacement) runs
    response = world.driver.update(
        "classifier", world.props(name="classifier-v2"), world.props(), logical_id="Classifier"
    )
    # THEN it fails with SageMaker's reason, keeps the old physical id, and leaves no half-made endpoint
    assert response.status == "FAILED"
    assert (
        "ping health check" in response.reason
        and "replacement endpoint classifier-v2 removed" in response.reason
    )
    assert response.physical_resource_id == "classifier"
    assert world.sim.endpoint_status("classifier-v2") is None
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert world.configs() == [old_config]
