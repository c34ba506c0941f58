"""Issue 21, point 3: events CloudFormation never sent are never acted on.

A custom-resource request changes nothing until CloudFormation confirms it (DescribeStackResource,
and DescribeStackEvents for the deletes it no longer lists: ``sagemaker_rollout.aws.stack``). The
driver plays CloudFormation for the events it sends (``driver.send``); ``driver.forge`` delivers an
event CloudFormation never sent: a valid-looking ResponseURL, the real stack and logical ids.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from world import World, check_response_limits

from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.custom_resource import configure, handler
from sagemaker_rollout.custom_resource.origin import RESPONSE_HOSTS_ENV
from sagemaker_rollout_testing import FakeLambdaContext

GENERIC = "AWS::CloudFormation::CustomResource"


def _forged(world: World, kind: str, props: dict[str, Any], **kw: Any) -> tuple[Any, list[str]]:
    """Deliver a forged ``kind`` event for the stack's real logical id; returns (response, calls made)."""
    driver = world.driver
    event = driver.event(kind, props, logical_id="Classifier", **kw)
    start = len(world.faults.calls)
    response = driver.forge(event)
    return response, [f"{service}.{operation}" for service, operation in world.faults.calls[start:]]


def _assert_dropped(world: World, response: Any, calls: list[str], answers_before: int) -> None:
    assert not response.answered
    assert len(world.driver.all_responses) == answers_before  # no PUT anywhere
    touched = [op for op in calls if not op.startswith(("dynamodb.", "cloudformation.Describe"))]
    assert touched == [], touched
    assert "cloudformation.DescribeStackResource" in calls


# ---------------------------------------------------------------------------- forged events --
@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
def test_3_forged_event_for_a_resource_not_in_that_operation_changes_nothing_and_puts_nothing(
    world: World, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a stack whose endpoint was created and is idle (CREATE_COMPLETE)
    world.create()
    config = world.endpoint()["EndpointConfigName"]
    answers = len(world.driver.all_responses)
    mutations = world.mutations()
    # WHEN a principal allowed lambda:InvokeFunction forges a request with the real stack and logical
    # id (another model, or a delete), on a response host the origin check accepts
    props = world.props("model-a-v2")
    extra: dict[str, Any] = {}
    if kind != "Create":
        extra["physical_resource_id"] = "classifier"
    if kind == "Update":
        extra["old_properties"] = world.props()
    with caplog.at_level(logging.ERROR):
        response, calls = _forged(world, kind, props, **extra)
    # THEN CloudFormation's word drops it: no change, no PUT, logged at ERROR
    _assert_dropped(world, response, calls, answers)
    assert world.mutations() == mutations
    assert world.endpoint()["EndpointConfigName"] == config
    assert any("REQUEST DROPPED" in r.getMessage() for r in caplog.records)


def _in_update(world: World) -> None:
    """CloudFormation is updating the resource right now (its Update sent, not answered yet)."""
    event = world.driver.event(
        "Update",
        world.props("model-a-v2"),
        logical_id="Classifier",
        physical_resource_id="classifier",
        old_properties=world.props(),
    )
    world.driver.cloudformation.begin(event)


@pytest.mark.parametrize(
    ("kind", "physical"), [("Update", "another-endpoint"), ("Delete", "classifier"), ("Create", None)]
)
def test_3_forged_event_of_another_operation_or_physical_id_during_an_update_is_dropped(
    world: World, kind: str, physical: str | None
) -> None:
    # GIVEN the resource in the middle of a genuine update (UPDATE_IN_PROGRESS as classifier)
    world.create()
    _in_update(world)
    answers = len(world.driver.all_responses)
    # WHEN a forged event arrives in that window for another operation or another physical id
    extra: dict[str, Any] = {"physical_resource_id": physical} if physical else {}
    if kind == "Update":
        extra["old_properties"] = world.props()
    response, calls = _forged(world, kind, world.props("model-a-v3"), **extra)
    # THEN it is dropped
    _assert_dropped(world, response, calls, answers)
    assert world.sim.calls["UpdateEndpoint"] == 0 and world.sim.calls["DeleteEndpoint"] == 0


def test_3_residual_risk_a_forged_update_of_the_resource_being_updated_passes_the_check(world: World) -> None:
    """The documented residual risk (README, "Who may use the provider"): while CloudFormation updates
    the resource, an event naming the same operation, resource and physical id cannot be told from
    CloudFormation's own by DescribeStackResource; the IAM recipe of the README closes it."""
    from sagemaker_rollout.aws.stack import confirm_request

    world.create()
    _in_update(world)
    # WHEN the provider asks CloudFormation about such an event THEN it is confirmed
    verdict = confirm_request(
        world.session.client("cloudformation"),
        world.clock,
        kind="Update",
        stack_id=world.driver.stack_id,
        logical_id="Classifier",
        physical_id="classifier",
    )
    assert verdict.confirmed and "UPDATE_IN_PROGRESS" in verdict.reason


def test_3_a_resource_that_is_not_a_custom_resource_is_never_confirmed(world: World) -> None:
    # GIVEN a native resource of the same stack, being updated right now
    world.create()
    world.driver.cloudformation.add_resource(
        "Native", "AWS::SageMaker::Endpoint", "classifier", "UPDATE_IN_PROGRESS"
    )
    answers = len(world.driver.all_responses)
    # WHEN an event names it as if it were a custom resource
    event = world.driver.event(
        "Update",
        world.props("model-a-v2"),
        logical_id="Native",
        physical_resource_id="classifier",
        old_properties=world.props(),
    )
    response = world.driver.forge(event)
    # THEN it is dropped
    assert not response.answered and len(world.driver.all_responses) == answers
    assert world.sim.calls["UpdateEndpoint"] == 0


def test_3_lambda_mode_signed_looking_url_on_the_real_bucket_is_dropped_without_any_put(
    world: World, session: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the provider as Lambda runs it (the default response hosts), and a forged Delete with a
    # made-up X-Amz-Signature on CloudFormation's response bucket, the real stack id and logical id
    world.create()
    monkeypatch.delenv(RESPONSE_HOSTS_ENV, raising=False)
    configure(ProviderRuntime(clock=clock, session=session, journal_table=world.driver.journal_table))
    event = copy.deepcopy(
        world.driver.event(
            "Delete", world.props(), logical_id="Classifier", physical_resource_id="classifier"
        )
    )
    event["ResponseURL"] = (
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws/x"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0123456789abcdef"
    )
    context = FakeLambdaContext(clock, account_id="123456789012", region="us-east-1")
    start = len(world.faults.calls)
    try:
        handler(event, context)  # a PUT would raise here: there is no network
    finally:
        configure(None)
    calls = [f"{service}.{operation}" for service, operation in world.faults.calls[start:]]
    # THEN the origin check lets it through, CloudFormation's word drops it: the endpoint stays
    assert "cloudformation.DescribeStackResource" in calls
    assert [c for c in calls if not c.startswith(("dynamodb.", "cloudformation.Describe"))] == []
    assert world.endpoint()["EndpointStatus"] == "InService"


# ------------------------------------------------------------------ deletes CloudFormation sends --
def test_3_replacement_cleanup_delete_is_confirmed_from_the_stack_events(world: World) -> None:
    # GIVEN an EndpointName change: CloudFormation now lists the new endpoint under the logical id
    world.create()
    renamed = world.props("model-a-v2", name="classifier-b")
    replaced = world.driver.update("classifier", renamed, world.props(), logical_id="Classifier")
    assert replaced.status == "SUCCESS" and replaced.physical_resource_id == "classifier-b", replaced.reason
    events_before = world.driver.cloudformation.calls["DescribeStackEvents"]
    # WHEN CloudFormation's cleanup (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) sends Delete for the old one
    deleted = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    # THEN it is confirmed from the stack's events and the old endpoint is deleted, the new one kept
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.driver.cloudformation.calls["DescribeStackEvents"] > events_before
    assert [e["EndpointName"] for e in world.sm.list_endpoints()["Endpoints"]] == ["classifier-b"]


def test_3_rollback_cleanup_delete_of_the_new_endpoint_is_confirmed(world: World) -> None:
    # GIVEN a replacement that succeeded, then another resource of the stack update failed: the
    # stack rolls back to the old endpoint and its cleanup deletes the new one
    world.create()
    renamed = world.props("model-a-v2", name="classifier-b")
    assert (
        world.driver.update("classifier", renamed, world.props(), logical_id="Classifier").status == "SUCCESS"
    )
    new = world.driver.revert_replacement("Classifier")
    assert world.driver.cloudformation.status == "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    # WHEN CloudFormation sends Delete for the new endpoint
    deleted = world.driver.delete(new, renamed, logical_id="Classifier")
    # THEN it is confirmed (the stack's events show its delete) and only the new endpoint goes
    assert deleted.status == "SUCCESS", deleted.reason
    assert [e["EndpointName"] for e in world.sm.list_endpoints()["Endpoints"]] == ["classifier"]


def test_3_create_rollback_delete_is_confirmed_without_the_physical_id_in_describe_stack_resource(
    world: World,
) -> None:
    # GIVEN a Create that failed after CreateEndpoint (SageMaker's creation failed)
    world.sim.fail_next_create("classifier", "CapacityError: no ml.c5.xlarge capacity")
    created = world.driver.create(world.props(), logical_id="Classifier")
    assert created.status == "FAILED" and created.physical_resource_id == "classifier", created.reason
    # WHEN the stack's rollback (ROLLBACK_IN_PROGRESS) sends Delete with that physical id, which
    # DescribeStackResource does not report for a failed creation (the undocumented side)
    deleted = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    # THEN the stack's events confirm it, and nothing is left
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.driver.cloudformation.calls["DescribeStackEvents"] >= 1
    assert world.sm.list_endpoints()["Endpoints"] == [] and world.configs() == []


def test_3_the_generic_custom_resource_type_is_confirmed(world: World) -> None:
    # GIVEN the endpoint declared as AWS::CloudFormation::CustomResource
    props = world.props()
    # WHEN it is created, updated and deleted
    created = world.driver.create(props, logical_id="Classifier", resource_type=GENERIC)
    updated = world.driver.update(
        "classifier", world.props("model-a-v2"), props, logical_id="Classifier", resource_type=GENERIC
    )
    deleted = world.driver.delete(
        "classifier", world.props("model-a-v2"), logical_id="Classifier", resource_type=GENERIC
    )
    # THEN each is confirmed and carried out
    assert [created.status, updated.status, deleted.status] == ["SUCCESS"] * 3, (created, updated, deleted)
    assert world.sm.list_endpoints()["Endpoints"] == []


# ------------------------------------------------------------------ a check that cannot be completed --
def test_3_check_denied_answers_failed_naming_it_and_changes_nothing(world: World) -> None:
    # GIVEN DescribeStackResource refused to the provider's role
    world.faults.error(
        "cloudformation", "DescribeStackResource", "AccessDenied", "not authorized", status=403
    )
    # WHEN a Create arrives
    response = world.driver.create(world.props(), logical_id="Classifier")
    # THEN it answers FAILED (never left unanswered), naming the check, and nothing was created
    assert response.status == "FAILED"
    assert response.reason.startswith(
        "Could not confirm the request with CloudFormation (DescribeStackResource: AccessDenied"
    ), response.reason
    check_response_limits(response)
    assert world.mutations() == 0


def test_3_check_throttled_past_the_deadline_answers_failed_in_time(world: World) -> None:
    # GIVEN DescribeStackResource throttled for longer than the request may take
    world.faults.outage("cloudformation", "DescribeStackResource", 4000, code="Throttling", status=400)
    # WHEN a Create with a 1800 s ServiceTimeout arrives
    response = world.driver.create(world.props(), logical_id="Classifier", service_timeout=1800)
    # THEN it answers FAILED before CloudFormation gives up, naming the throttled check
    assert response.status == "FAILED" and response.answered and not response.timed_out
    assert response.reason.startswith("Could not confirm the request with CloudFormation before"), (
        response.reason
    )
    assert "DescribeStackResource: Throttling" in response.reason
    assert world.mutations() == 0


def test_3_the_check_is_journaled_and_not_repeated_by_lambdas_retry(world: World) -> None:
    # GIVEN a Create whose first invocation dies right after CreateEndpoint
    world.faults.kill_after("sagemaker", "CreateEndpoint")
    # WHEN Lambda retries the event
    response = world.driver.create(world.props(), logical_id="Classifier")
    # THEN the retry finishes from the journal without asking CloudFormation again
    assert response.status == "SUCCESS" and response.retries == 1, response.reason
    assert world.driver.cloudformation.calls["DescribeStackResource"] == 1


def test_3_a_forged_duplicate_of_an_answered_request_gets_no_answer_at_its_own_url(world: World) -> None:
    # GIVEN a Create that was answered
    created = world.driver.create(world.props(), logical_id="Classifier")
    assert created.status == "SUCCESS"
    genuine_path = f"/{world.driver.stack_name}/{created.request_id}"
    forged_url = world.driver.response_url("somewhere-else")
    # WHEN its event is replayed with the same ids and another ResponseURL
    event = world.driver.event(
        "Create", world.props(), logical_id="Classifier", request_id=created.request_id
    )
    event["ResponseURL"] = forged_url
    world.driver.forge(event)
    # THEN the recorded answer goes (again) only to the URL CloudFormation gave, never to the new one
    paths = [body.path for body in world.driver.all_responses]
    assert paths == [genuine_path, genuine_path], paths


def test_3_a_forged_event_takes_nothing_on_its_way_for_a_genuine_request(world: World) -> None:
    # GIVEN a wake-up link on its way for a genuine request (the test kit's wake-up queue)
    world.create()
    assert world.driver.scheduled is not None
    link = {"SageMakerRolloutWakeUp": {"key": "genuine-request", "token": "t", "link": "l1"}}
    world.driver.scheduled.message(link, 600.0)
    # WHEN a forged Delete is delivered (dropped: CloudFormation is not deleting the resource)
    response = world.driver.forge(
        world.driver.event(
            "Delete", world.props(), logical_id="Classifier", physical_resource_id="classifier"
        )
    )
    # THEN it is not answered and the genuine request's link is still on its way: the test kit
    # runs a forged event as Lambda would, in a container of its own, draining nothing (found by
    # the soak: the driver's delivery loop took a genuine Create's watchdog link)
    assert not response.answered
    assert world.driver.scheduled.wakeups_for("genuine-request") == [link["SageMakerRolloutWakeUp"]]
