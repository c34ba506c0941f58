"""The journal's promises: dead-letter resumption, orphaned autoscaling, upgrades, history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from world import World


def test_five_invocations_killed_in_a_row_still_answer_before_the_deadline(
    sim: Any, clock: Any, session: Any, repo_root: Any
) -> None:
    # GIVEN a provider whose invocations last 120 s and a DescribeEndpoint that hangs five times
    from sagemaker_rollout import custom_resource as provider
    from sagemaker_rollout_testing import CloudFormationDriver

    driver = CloudFormationDriver.from_template(
        repo_root,
        "EndpointProviderFunction",
        clock=clock,
        session=session,
        configure=provider.configure,
        timeout_seconds=120,
    )
    with driver:
        world = World(driver, sim, session, clock)
        created = driver.create(world.props(), logical_id="Classifier")
        assert created.status == "SUCCESS", created.reason
        for _ in range(5):
            sim.hang("DescribeEndpoint", 200)
        # WHEN an update arrives: Lambda's first try and both retries die, then two dead letters
        response = driver.update(
            "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
        )
    # THEN the request is answered, FAILED with a reason naming the deaths, before the deadline
    kinds = [r.outcome for r in response.records]
    assert kinds.count("killed") == 5
    assert response.answered and not response.timed_out
    assert response.status == "FAILED"
    assert response.elapsed < 3600
    assert response.reason.startswith("The provider's invocations died 3 times in a row"), response.reason
    assert "recovery skipped after repeated failures" in response.reason
    assert world.endpoint()["EndpointStatus"] == "InService"


def test_autoscaling_a_dead_request_left_suspended_is_restored_by_the_next(world: World) -> None:
    # GIVEN autoscaling that a request (now dead for good) deregistered, its snapshot in the journal
    from sagemaker_rollout.aws import autoscaling

    world.create()
    world.autoscale()
    before = world.scaling()
    saved = autoscaling.snapshot(world.aas, world.clock, "classifier", ["model-a"])
    world.journal().mark_suspended("classifier", "a-request-that-died", saved)
    autoscaling.deregister(world.aas, world.clock, saved)
    assert world.scaling() == []
    # WHEN the next request on the endpoint arrives (a tags-only change)
    response = world.driver.update(
        "classifier", world.props(tags={"team": "ml"}), world.props(), logical_id="Classifier"
    )
    # THEN it restores that autoscaling first and says so
    assert response.status == "SUCCESS", response.reason
    assert world.scaling() == before
    assert world.journal().endpoint("classifier").suspended_by is None


def test_upgrade_endpoint_on_old_config_name_with_same_content_is_not_rolled_out(world: World) -> None:
    # GIVEN an endpoint the previous provider version created: same content, its config naming
    from sagemaker_rollout.naming import owner_tags
    from sagemaker_rollout.spec import parse_endpoint_properties

    spec = parse_endpoint_properties(world.props())
    old_name = f"classifier-{spec.config_digest[:12]}"  # the previous version's naming
    tags = owner_tags(world.driver.stack_id, "Classifier", "classifier")
    world.sm.create_endpoint_config(EndpointConfigName=old_name, **spec.config, Tags=tags)
    world.sm.create_endpoint(EndpointName="classifier", EndpointConfigName=old_name, Tags=tags)
    world.clock.advance(600)
    # WHEN the new version receives an Update whose only change is a tag
    response = world.driver.update(
        "classifier", world.props(tags={"team": "ml"}), world.props(), logical_id="Classifier"
    )
    # THEN there is no rollout: content is compared, not names
    assert response.status == "SUCCESS", response.reason
    assert world.sim.calls["UpdateEndpoint"] == 0
    assert world.endpoint()["EndpointConfigName"] == old_name
    assert world.configs() == [old_name]


def test_upgrade_continuation_of_the_previous_version_is_finished(world: World) -> None:
    # GIVEN a rollout the previous version started and handed off (its continuation payload)
    world.create()
    world.autoscale()
    before = world.scaling()
    props = world.props("model-a-v2", "ml.c5.2xlarge")
    from sagemaker_rollout.aws import autoscaling
    from sagemaker_rollout.naming import config_name, owner_tags
    from sagemaker_rollout.spec import parse_endpoint_properties

    spec = parse_endpoint_properties(props)
    target = config_name("classifier", spec.config_digest)
    old = world.endpoint()["EndpointConfigName"]
    world.sm.create_endpoint_config(
        EndpointConfigName=target,
        **spec.config,
        Tags=owner_tags(world.driver.stack_id, "Classifier", "classifier"),
    )
    saved = autoscaling.snapshot(world.aas, world.clock, "classifier", ["model-a"])
    autoscaling.deregister(world.aas, world.clock, saved)
    world.sm.update_endpoint(
        EndpointName="classifier", EndpointConfigName=target, DeploymentConfig=spec.deployment_config
    )
    event = world.driver.event(
        "Update",
        props,
        logical_id="Classifier",
        physical_resource_id="classifier",
        old_properties=world.props(),
    )
    event["SageMakerRolloutState"] = {
        "started": world.clock.now(),
        "invocation": 1,
        "rollout": {"config": target, "previous": old, "autoscaling": saved, "since": world.clock.now()},
    }
    # WHEN the new version receives that payload
    response = world.driver.send(event)
    # THEN it finishes the rollout, restores autoscaling from the old snapshot and cleans up
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] == target
    assert world.scaling() == before
    assert world.configs() == [target]
    assert world.sim.calls["UpdateEndpoint"] == 1


def test_forged_continuation_is_a_noop(world: World) -> None:
    # GIVEN an answered request and a continuation with a made-up token
    response = world.create()
    from sagemaker_rollout.journal import request_key
    from sagemaker_rollout_testing import FakeLambdaContext

    key = request_key(world.driver.stack_id, "Classifier", response.request_id)
    calls = len(world.faults.calls)
    forged = {"SageMakerRolloutContinuation": {"key": key, "token": "0" * 32}}
    # WHEN it is delivered
    world.driver.handler(
        forged, FakeLambdaContext(world.clock, invoked_function_arn=world.driver.function_arn)
    )
    # THEN nothing but the journal lookup happens, and no answer is sent
    assert {svc for svc, _ in world.faults.calls[calls:]} <= {"dynamodb"}
    assert len(world.driver.responses_for(response.request_id)) == 1


def test_history_lists_requests_with_configs_and_outcome(world: World, capsys: Any) -> None:
    # GIVEN a create and a failed update
    world.create()
    world.alarm_at(400)
    world.driver.update("classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier")
    # WHEN history is asked for, as JSON and as text
    from sagemaker_rollout_tools.cli import main

    assert main(["history", "--endpoint", "classifier", "--table", world.driver.journal_table, "--json"]) == 0
    out = capsys.readouterr().out
    entries = json.loads(out[out.index("\n[") + 1 :] if not out.startswith("[") else out)
    assert main(["history", "--endpoint", "classifier", "--table", world.driver.journal_table]) == 0
    text = capsys.readouterr().out
    # THEN both requests are there, newest first, with configs, outcome and reason
    assert [e["requestType"] for e in entries] == ["Update", "Create"]
    assert entries[0]["outcome"] == "FAILED" and "alarm" in entries[0]["reason"]
    assert entries[0]["fromConfig"] and entries[0]["toConfig"]
    assert "Update" in text and "FAILED" in text and "reason:" in text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Date=20260101T000000Z"
            "&X-Amz-Signature=abc",
            1767225600.0 + 3600,
        ),
        ("https://127.0.0.1:8443/stack/request", None),
    ],
)
def test_request_deadline_from_signed_url(url: str, expected: float | None) -> None:
    from sagemaker_rollout.custom_resource.handler import request_deadline

    assert request_deadline({"ResponseURL": url, "ResourceProperties": {}}) == expected


def test_rollout_with_an_unreadable_endpoint_outside_the_prefix_succeeds_and_keeps_the_old_config(
    world: World,
) -> None:
    # GIVEN another endpoint the role may not describe (outside ResourceNamePrefix: AccessDenied)
    world.create()
    old = world.endpoint()["EndpointConfigName"]
    world.sm.create_endpoint_config(
        EndpointConfigName="theirs",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "model-b-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    world.sm.create_endpoint(EndpointName="other-team", EndpointConfigName="theirs")
    world.faults.error(
        "sagemaker",
        "DescribeEndpoint",
        "AccessDeniedException",
        "not authorized",
        times=99,
        where=lambda p: p.get("EndpointName") == "other-team",
    )
    # WHEN a verified rollout finishes
    response = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN it is a success; the old config is kept (its use by the unreadable endpoint is unknown)
    assert response.status == "SUCCESS", response.reason
    assert old in world.configs()
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]


def test_configs_not_yet_visible_are_waited_for_not_failed(world: World) -> None:
    # GIVEN SageMaker not seeing a new config for 40 s (eventual consistency; CreateEndpoint API
    # reference: retry "Could not find endpoint configuration")
    world.sim.delay_config_visibility(40)
    # WHEN the endpoint is created and then updated
    created = world.driver.create(world.props(), logical_id="Classifier")
    updated = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN both succeed and no config is lost
    assert created.status == "SUCCESS", created.reason
    assert updated.status == "SUCCESS", updated.reason
    assert world.configs() == [world.endpoint()["EndpointConfigName"]]
