"""``AdoptExistingEndpoint``: taking over an existing endpoint, refusing it, and releasing it.

Contract section 8: a Create with ``AdoptExistingEndpoint: true`` takes over an existing endpoint
that no other stack owns and whose owner tagged it ``sagemaker-rollout:adoptable`` = ``true``; it
tags it as owned and converges it with the guarded rollout (none when it already runs the requested
content), and keeps its original config. The rollback Delete of a failed adoption releases it.

Every scenario drives the real handler through the CloudFormation driver on moto + the simulator;
the functional suites' autouse IAM audit decides every call the provider makes against its role
(so AddTags / DeleteTags of adoption and release are checked against the tag conditions too).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from iam_audit import ACCOUNT_ID, REGION, statements_for
from world import ALARM, World, check_response_limits

from sagemaker_rollout.naming import ADOPTABLE_TAG, OWNER_TAG_KEYS, STACK_ID_TAG
from sagemaker_rollout.spec import parse_endpoint_properties
from sagemaker_rollout_testing.iam_eval import AuthRequest, evaluate

LEGACY = "legacy-config"


def _existing(
    world: World,
    model: str = "model-a-v1",
    instance_type: str = "ml.c5.xlarge",
    *,
    tags: dict[str, str] | None = None,
    settle: bool = True,
) -> str:
    """An endpoint made outside the provider (AWS::SageMaker::Endpoint, a script), on ``LEGACY``.

    Its config has the content the template's properties for (``model``, ``instance_type``) ask
    for. Returns its ARN.
    """
    content = parse_endpoint_properties(world.props(model, instance_type)).config
    world.sm.create_endpoint_config(EndpointConfigName=LEGACY, **content)
    tagged = {ADOPTABLE_TAG: "true", "owner": "data-science"} if tags is None else tags
    arn = world.sm.create_endpoint(
        EndpointName="classifier",
        EndpointConfigName=LEGACY,
        Tags=[{"Key": k, "Value": v} for k, v in tagged.items()],
    )["EndpointArn"]
    if settle:
        world.clock.sleep(600)
    return str(arn)


def _adopt(world: World, model: str = "model-a-v1", instance_type: str = "ml.c5.xlarge", **extra: Any) -> Any:
    props = world.props(model, instance_type, AdoptExistingEndpoint=True, **extra)
    return world.driver.create(props, logical_id="Classifier")


def _owned(tags: dict[str, str]) -> bool:
    return all(key in tags for key in OWNER_TAG_KEYS)


# ---------------------------------------------------------------------------------------------
# Adoption that succeeds
# ---------------------------------------------------------------------------------------------


def test_adopt_same_content_tags_it_without_rollout_and_keeps_its_config(world: World) -> None:
    # GIVEN an endpoint its owner offered for adoption, already running the requested content
    arn = _existing(world)
    # WHEN the stack creates the resource with AdoptExistingEndpoint
    response = _adopt(world, tags={"team": "ml"})
    # THEN it succeeds on the running config: no new config, no UpdateEndpoint, no CreateEndpoint
    assert response.status == "SUCCESS", response.reason
    assert response.physical_resource_id == "classifier"
    assert response.data["EndpointConfigName"] == LEGACY
    assert response.data["EndpointArn"] == arn
    assert world.sim.calls["UpdateEndpoint"] == 0 and world.sim.calls["CreateEndpoint"] == 1  # the owner's
    assert world.configs() == [LEGACY]
    # AND the endpoint carries the ownership tags and the template's Tags; the owner's tags stay
    tags = world.tags(arn)
    assert _owned(tags) and tags["team"] == "ml"
    assert tags[ADOPTABLE_TAG] == "true" and tags["owner"] == "data-science"
    # AND the journal knows the adoption succeeded (a later Delete deletes, not releases)
    adoption = world.journal().endpoint("classifier").adoption
    assert adoption is not None and adoption.config == LEGACY and adoption.adopted is True
    check_response_limits(response)


def test_adopt_different_content_rolls_out_guarded_and_restores_autoscaling(world: World) -> None:
    # GIVEN an adoptable endpoint with target tracking on model-a (and the consumer stack in moto)
    world.driver.create_stack()
    arn = _existing(world)
    world.autoscale()
    scaling_before = world.scaling()
    # WHEN adopted with a new model and instance type (autoscaling blocks that update)
    response = _adopt(world, "model-a-v2", "ml.c5.2xlarge")
    # THEN one guarded UpdateEndpoint rolled it to the provider's config, verified
    assert response.status == "SUCCESS", response.reason
    assert world.sim.calls["UpdateEndpoint"] == 1
    endpoint = world.endpoint()
    assert endpoint["EndpointConfigName"] == response.data["EndpointConfigName"] != LEGACY
    assert endpoint["EndpointArn"] == arn
    # AND autoscaling is exactly as before, and the original config is kept
    assert world.scaling() == scaling_before
    assert world.configs() == sorted([LEGACY, endpoint["EndpointConfigName"]])
    assert world.journal().endpoint("classifier").suspended_by is None
    # WHEN a later stack update rolls out again
    update = world.driver.update(
        "classifier",
        world.props("model-a-v3", "ml.c5.2xlarge", AdoptExistingEndpoint=True),
        world.props("model-a-v2", "ml.c5.2xlarge", AdoptExistingEndpoint=True),
        logical_id="Classifier",
    )
    # THEN the provider's previous config goes, the original one (not the provider's) stays
    assert update.status == "SUCCESS", update.reason
    assert world.configs() == sorted([LEGACY, update.data["EndpointConfigName"]])
    # WHEN the stack is deleted later THEN the adopted endpoint is deleted like any it owns
    # (contract section 4), with the provider's configs; the original config is never deleted
    world.driver.set_stack_status("DELETE_IN_PROGRESS")
    deleted = world.driver.delete(
        "classifier", world.props("model-a-v3", AdoptExistingEndpoint=True), logical_id="Classifier"
    )
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sim.calls["DeleteEndpoint"] == 1
    assert world.sm.list_endpoints()["Endpoints"] == []
    assert world.configs() == [LEGACY]
    assert world.journal().endpoint("classifier").adoption is None


def test_adopt_busy_endpoint_waits_until_it_settles(world: World) -> None:
    # GIVEN an adoptable endpoint still Creating
    _existing(world, settle=False)
    assert world.endpoint()["EndpointStatus"] == "Creating"
    # WHEN adopted THEN the provider waits for it (no AddTags on a busy endpoint), then adopts
    response = _adopt(world)
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointStatus"] == "InService"
    assert world.sim.calls["UpdateEndpoint"] == 0


def test_adopt_flag_without_an_endpoint_creates_one_deleted_with_the_stack(world: World) -> None:
    # GIVEN no endpoint of that name WHEN the resource is created with AdoptExistingEndpoint
    response = _adopt(world)
    # THEN the endpoint is simply created (nothing to adopt), and deleted with the stack
    assert response.status == "SUCCESS", response.reason
    assert world.sim.calls["CreateEndpoint"] == 1 and world.sim.calls["AddTags"] == 0
    assert world.journal().endpoint("classifier").adoption is None
    deleted = world.driver.delete(
        "classifier", world.props(AdoptExistingEndpoint=True), logical_id="Classifier"
    )
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sm.list_endpoints()["Endpoints"] == [] and world.configs() == []


# ---------------------------------------------------------------------------------------------
# Refusals: nothing touched, the rollback Delete leaves the endpoint alone
# ---------------------------------------------------------------------------------------------

OTHER_STACK = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/other/0f0e0d0c"


@pytest.mark.parametrize(
    ("tags", "adopt", "reason"),
    [
        (
            {ADOPTABLE_TAG: "true"},
            False,
            "EndpointName: endpoint classifier already exists and is not managed by this stack "
            f"resource; to bring it under the provider, tag it {ADOPTABLE_TAG}=true and set "
            "AdoptExistingEndpoint: true",
        ),
        (
            {"owner": "data-science"},
            True,
            "AdoptExistingEndpoint: endpoint classifier lacks its owner's consent, the tag "
            f"{ADOPTABLE_TAG}=true;",
        ),
        (
            {ADOPTABLE_TAG: "false"},
            True,
            "AdoptExistingEndpoint: endpoint classifier lacks its owner's consent, the tag "
            f"{ADOPTABLE_TAG}=true (it is 'false')",
        ),
        (
            {
                ADOPTABLE_TAG: "true",
                STACK_ID_TAG: OTHER_STACK,
                "sagemaker-rollout:logical-id": "Legacy",
                "sagemaker-rollout:managed-by": "sagemaker-rollout",
            },
            True,
            f"EndpointName: endpoint classifier already exists and is managed by resource Legacy of stack "
            f"{OTHER_STACK}; choose another EndpointName",
        ),
    ],
    ids=["no-property", "no-consent", "consent-refused", "another-stack"],
)
def test_adopt_refused_names_the_property_and_touches_nothing(
    world: World, tags: dict[str, str], adopt: bool, reason: str
) -> None:
    # GIVEN an existing endpoint that may not be adopted
    arn = _existing(world, tags=tags)
    before = world.mutations()
    # WHEN the resource is created
    props = world.props(AdoptExistingEndpoint=adopt)
    response = world.driver.create(props, logical_id="Classifier")
    # THEN it fails in one line that names the property and what to do
    assert response.status == "FAILED"
    assert response.reason.startswith(reason), response.reason
    check_response_limits(response)
    # AND nothing was changed, and the failed Create does not name the endpoint
    assert world.mutations() == before
    assert world.tags(arn) == tags
    assert response.physical_resource_id != "classifier"
    # AND CloudFormation's rollback Delete (with that physical id) leaves it alone
    deleted = world.driver.delete(response.physical_resource_id, props, logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.endpoint()["EndpointStatus"] == "InService" and world.tags(arn) == tags
    assert world.mutations() == before


def test_adopt_failed_endpoint_is_refused(world: World) -> None:
    # GIVEN an adoptable endpoint SageMaker failed to create
    world.sim.fail_next_create("classifier", "CapacityError: no ml.c5.xlarge capacity")
    arn = _existing(world)
    assert world.endpoint()["EndpointStatus"] == "Failed"
    before = world.mutations()
    # WHEN adopted THEN refused before anything changes: only deletion is possible
    response = _adopt(world)
    assert response.status == "FAILED"
    assert response.reason.startswith(
        "AdoptExistingEndpoint: endpoint classifier is Failed and SageMaker only lets a Failed "
        "endpoint be deleted"
    ), response.reason
    assert world.mutations() == before and not _owned(world.tags(arn))


def test_adopt_only_on_create(world: World) -> None:
    # GIVEN a resource whose EndpointName changes to an existing, adoptable endpoint
    world.create(name="classifier-v0")
    _existing(world)
    # WHEN the Update asks for adoption THEN it is refused: only a Create adopts
    response = world.driver.update(
        "classifier-v0",
        world.props(AdoptExistingEndpoint=True),
        world.props(name="classifier-v0"),
        logical_id="Classifier",
    )
    assert response.status == "FAILED"
    assert response.reason.startswith("AdoptExistingEndpoint: endpoint classifier is not managed"), (
        response.reason
    )
    assert response.physical_resource_id == "classifier-v0"
    assert not _owned(world.tags(world.endpoint()["EndpointArn"]))


# ---------------------------------------------------------------------------------------------
# Failed adoption, then CloudFormation's rollback Delete: the endpoint is released
# ---------------------------------------------------------------------------------------------


def _assert_released(world: World, arn: str, scaling_before: list[dict[str, Any]]) -> None:
    endpoint = world.endpoint()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == LEGACY
    tags = world.tags(arn)
    assert not set(OWNER_TAG_KEYS) & set(tags), tags
    assert tags[ADOPTABLE_TAG] == "true" and tags["owner"] == "data-science"
    assert world.scaling() == scaling_before
    assert world.configs() == [LEGACY]
    assert world.sim.calls["DeleteEndpoint"] == 0
    assert world.journal().endpoint("classifier").adoption is None


def test_failed_adoption_alarm_rollback_then_rollback_delete_releases(world: World) -> None:
    # GIVEN an adoptable, autoscaled endpoint, and the rollback alarm firing during the canary's bake
    arn = _existing(world)
    world.autoscale()
    scaling_before = world.scaling()
    world.alarm_at(400)
    # WHEN adopted with new content
    response = _adopt(world, "model-a-v2", "ml.c5.2xlarge")
    # THEN the adoption fails naming the alarm, physical id = the endpoint, SageMaker rolled it back
    assert response.status == "FAILED"
    assert response.reason.startswith(f"Rolled back: alarm {ALARM} fired"), response.reason
    assert response.physical_resource_id == "classifier"
    assert world.endpoint()["EndpointConfigName"] == LEGACY
    # WHEN CloudFormation's rollback Delete arrives with that physical id
    updates = world.sim.calls["UpdateEndpoint"]
    deleted = world.driver.delete(
        "classifier",
        world.props("model-a-v2", "ml.c5.2xlarge", AdoptExistingEndpoint=True),
        logical_id="Classifier",
    )
    # THEN the endpoint is released, not deleted: original config, autoscaling, owner's tags
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sim.calls["UpdateEndpoint"] == updates  # already back on its config: no update
    _assert_released(world, arn, scaling_before)


def test_failed_adoption_access_denied_on_update_then_rollback_delete_releases(world: World) -> None:
    # GIVEN an adoptable endpoint and UpdateEndpoint denied (e.g. its config outside the policy)
    arn = _existing(world)
    world.faults.error("sagemaker", "UpdateEndpoint", "AccessDeniedException", "not authorized", status=400)
    # WHEN adopted with new content THEN the adoption fails naming the call
    response = _adopt(world, "model-a-v2")
    assert response.status == "FAILED"
    assert response.reason.startswith("UpdateEndpoint: AccessDeniedException"), response.reason
    assert response.physical_resource_id == "classifier"
    assert _owned(world.tags(arn))
    # WHEN the rollback Delete arrives THEN the endpoint is released as it was
    deleted = world.driver.delete(
        "classifier", world.props("model-a-v2", AdoptExistingEndpoint=True), logical_id="Classifier"
    )
    assert deleted.status == "SUCCESS", deleted.reason
    _assert_released(world, arn, [])


def test_failed_adoption_left_on_new_config_is_moved_back_on_release(world: World) -> None:
    # GIVEN an adoptable, autoscaled endpoint; the adoption's UpdateEndpoint is accepted, then the
    # provider cannot read the endpoint any more (DescribeEndpoint denied): the Create fails while
    # SageMaker finishes the update on the provider's config
    arn = _existing(world)
    world.autoscale()
    scaling_before = world.scaling()

    def deny() -> None:
        world.faults.error("sagemaker", "DescribeEndpoint", "AccessDeniedException", "denied")

    world.faults.then("sagemaker", "UpdateEndpoint", deny)
    response = _adopt(world, "model-a-v2", "ml.c5.2xlarge")
    assert response.status == "FAILED"
    assert response.reason.startswith("DescribeEndpoint: AccessDeniedException"), response.reason
    world.clock.advance(3600)
    assert world.endpoint()["EndpointConfigName"] != LEGACY
    # WHEN the rollback Delete arrives
    deleted = world.driver.delete(
        "classifier",
        world.props("model-a-v2", "ml.c5.2xlarge", AdoptExistingEndpoint=True),
        logical_id="Classifier",
    )
    # THEN the endpoint is moved back (one more UpdateEndpoint, autoscaling suspended around it and
    # restored), the provider's config is removed, and the ownership tags go
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sim.calls["UpdateEndpoint"] == 2
    _assert_released(world, arn, scaling_before)


@pytest.mark.parametrize("fault", ["kill", "lost-response"])
def test_release_interrupted_after_delete_tags_is_finished(world: World, fault: str) -> None:
    # GIVEN a failed adoption (UpdateEndpoint refused)
    arn = _existing(world)
    world.faults.error("sagemaker", "UpdateEndpoint", "ValidationException", "refused", status=400)
    assert _adopt(world, "model-a-v2").status == "FAILED"
    # WHEN the release's invocation dies right after DeleteTags took effect, or its answer is lost
    if fault == "kill":
        world.faults.kill_after("sagemaker", "DeleteTags")
    else:
        world.faults.error("sagemaker", "DeleteTags", "InternalFailure", status=500, after=True)
    props = world.props("model-a-v2", AdoptExistingEndpoint=True)
    deleted = world.driver.delete("classifier", props, logical_id="Classifier")
    # THEN the retry (Lambda's, or the engine's) reads the tags first and finishes: released,
    # DeleteTags not repeated (IAM would refuse it once the endpoint is no longer owned), one answer
    assert deleted.status == "SUCCESS", deleted.reason
    assert deleted.answers == 1
    assert world.sim.calls["DeleteTags"] == 1
    _assert_released(world, arn, [])


# ---------------------------------------------------------------------------------------------
# Successful adoption, then a Delete: the stack's status decides (delete, or release on rollback)
# ---------------------------------------------------------------------------------------------


def _adopted_new_content(world: World, *, stack: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """An autoscaled adoptable endpoint adopted with new content (rolled out, SUCCESS)."""
    if stack:
        world.driver.create_stack()
    arn = _existing(world)
    world.autoscale()
    scaling_before = world.scaling()
    response = _adopt(world, "model-a-v2", "ml.c5.2xlarge")
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] != LEGACY
    assert world.sim.calls["UpdateEndpoint"] == 1
    return arn, scaling_before


def _delete_adopted(world: World) -> Any:
    props = world.props("model-a-v2", "ml.c5.2xlarge", AdoptExistingEndpoint=True)
    return world.driver.delete("classifier", props, logical_id="Classifier")


def _describe_stacks_calls(world: World) -> int:
    return world.faults.calls.count(("cloudformation", "DescribeStacks"))


@pytest.mark.parametrize(
    "status",
    [
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "IMPORT_ROLLBACK_IN_PROGRESS",
    ],
)
def test_adopted_endpoint_delete_under_rollback_releases_it_on_its_original_config(
    world: World, status: str
) -> None:
    """Migration stage 2 failing on another resource after the adoption succeeded: the rollback's
    Delete of the new custom resource must leave the endpoint the retained resource describes."""
    # GIVEN an endpoint adopted with new content (the provider's config, guarded rollout)
    arn, scaling_before = _adopted_new_content(world)
    # WHEN the stack rolls back and CloudFormation sends Delete to the custom resource
    world.driver.set_stack_status(status)
    deleted = _delete_adopted(world)
    # THEN it is released, not deleted: back on the config it ran when adopted (one more
    # UpdateEndpoint), autoscaling as before, the provider's config gone, ownership tags removed
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sim.calls["UpdateEndpoint"] == 2
    _assert_released(world, arn, scaling_before)
    # AND the answer says why, naming the stack status
    assert status in deleted.reason and deleted.reason.startswith("Released") and LEGACY in deleted.reason
    assert _describe_stacks_calls(world) == 1
    check_response_limits(deleted)


@pytest.mark.parametrize("status", ["DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"])
def test_adopted_endpoint_delete_with_the_stack_or_removed_by_an_update_deletes_it(
    world: World, status: str
) -> None:
    # GIVEN an endpoint adopted with new content
    _adopted_new_content(world)
    # WHEN the stack is deleted, or a successful update removed the resource (cleanup)
    world.driver.set_stack_status(status)
    deleted = _delete_adopted(world)
    # THEN the endpoint is deleted like any it owns; the original config is never deleted
    assert deleted.status == "SUCCESS", deleted.reason
    assert deleted.reason == ""
    assert world.sim.calls["DeleteEndpoint"] == 1
    assert world.sm.list_endpoints()["Endpoints"] == []
    assert world.configs() == [LEGACY]
    assert world.journal().endpoint("classifier").adoption is None


@pytest.mark.parametrize(
    ("denied", "expected"),
    [(True, "AccessDenied"), (False, "does not exist")],
    ids=["access-denied", "stack-not-found"],
)
def test_adopted_endpoint_delete_when_stack_status_is_unreadable_releases_with_reason(
    world: World, denied: bool, expected: str
) -> None:
    # GIVEN an adopted endpoint, and DescribeStacks refused (or answering that the stack does not
    # exist: CloudFormation's answer for a stack id it does not know, API reference DescribeStacks)
    arn, scaling_before = _adopted_new_content(world, stack=denied)
    world.driver.set_stack_status("DELETE_IN_PROGRESS")
    if denied:
        world.faults.error("cloudformation", "DescribeStacks", "AccessDenied", "not authorized", status=403)
    else:
        stack = world.driver.stack_id
        world.faults.error(
            "cloudformation", "DescribeStacks", "ValidationError", f"Stack with id {stack} does not exist"
        )
    # WHEN CloudFormation sends Delete
    deleted = _delete_adopted(world)
    # THEN the safe side: released (never deleted), and the answer says DescribeStacks failed and why
    assert deleted.status == "SUCCESS", deleted.reason
    _assert_released(world, arn, scaling_before)
    assert "DescribeStacks" in deleted.reason and expected in deleted.reason, deleted.reason
    assert deleted.reason.startswith("Released endpoint classifier")
    assert _describe_stacks_calls(world) == 1  # a permanent error is not retried


def test_adopted_endpoint_delete_retries_transient_describe_stacks(world: World) -> None:
    # GIVEN an adopted endpoint, the stack being deleted, DescribeStacks throttled twice
    _adopted_new_content(world)
    world.driver.set_stack_status("DELETE_IN_PROGRESS")
    world.faults.error("cloudformation", "DescribeStacks", "Throttling", "Rate exceeded", times=2)
    # WHEN CloudFormation sends Delete THEN the read is retried and the endpoint deleted
    deleted = _delete_adopted(world)
    assert deleted.status == "SUCCESS", deleted.reason
    assert _describe_stacks_calls(world) == 3
    assert world.sm.list_endpoints()["Endpoints"] == []


def test_adopted_endpoint_release_killed_after_update_endpoint_resumes_the_release(world: World) -> None:
    # GIVEN an adopted endpoint whose stack rolls back, and the release's invocation dying right
    # after its UpdateEndpoint (back to the original config) was accepted; by then the stack status
    # reads DELETE_IN_PROGRESS (had the retry asked again, it would delete)
    arn, scaling_before = _adopted_new_content(world)
    world.driver.set_stack_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    world.faults.then(
        "sagemaker", "UpdateEndpoint", lambda: world.driver.set_stack_status("DELETE_IN_PROGRESS")
    )
    world.faults.kill_after("sagemaker", "UpdateEndpoint")
    # WHEN CloudFormation sends Delete
    deleted = _delete_adopted(world)
    # THEN Lambda's retry follows the journaled decision: the release is finished, one answer, the
    # endpoint moved back once, never deleted, and the stack status was read only once
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.faults.injected["kill"] == 1 and deleted.answers == 1
    assert world.sim.calls["UpdateEndpoint"] == 2
    assert _describe_stacks_calls(world) == 1
    _assert_released(world, arn, scaling_before)


def test_delete_of_an_endpoint_never_adopted_does_not_read_the_stack(world: World) -> None:
    # GIVEN an endpoint the provider created (no adoption in the journal)
    assert world.driver.create(world.props(), logical_id="Classifier").status == "SUCCESS"
    world.faults.calls.clear()
    # WHEN deleted THEN it is deleted as before, without reading the stack's status (only the check
    # that CloudFormation sent the Delete)
    deleted = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sim.calls["DeleteEndpoint"] == 1
    assert [call for call in world.faults.calls if call[0] == "cloudformation"] == [
        ("cloudformation", "DescribeStackResource")
    ]


# ---------------------------------------------------------------------------------------------
# Crashes, retries, duplicates, transient errors
# ---------------------------------------------------------------------------------------------


def test_adopt_killed_after_add_tags_is_finished_by_the_retry(world: World) -> None:
    # GIVEN the invocation dies right after AddTags (the ownership tags) took effect
    arn = _existing(world)
    world.faults.kill_after("sagemaker", "AddTags")
    # WHEN adopted with new content
    response = _adopt(world, "model-a-v2")
    # THEN Lambda's retry goes on from the journal: tagged once, one rollout, one answer
    assert response.status == "SUCCESS", response.reason
    assert world.faults.injected["kill"] == 1 and response.answers == 1
    assert world.sim.calls["AddTags"] == 1
    assert world.sim.calls["UpdateEndpoint"] == 1
    assert _owned(world.tags(arn))
    assert world.configs() == sorted([LEGACY, response.data["EndpointConfigName"]])


def test_adopt_killed_after_update_endpoint_does_not_roll_out_twice(world: World) -> None:
    # GIVEN the invocation dies right after the adoption's UpdateEndpoint was accepted
    _existing(world)
    world.faults.kill_after("sagemaker", "UpdateEndpoint")
    # WHEN adopted with new content THEN the retry waits for that rollout, verifies it, succeeds
    response = _adopt(world, "model-a-v2")
    assert response.status == "SUCCESS", response.reason
    assert world.sim.calls["UpdateEndpoint"] == 1
    assert world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]
    assert LEGACY in world.configs()


@pytest.mark.parametrize("after", [False, True], ids=["refused-503", "lost-response-500"])
def test_adopt_transient_error_on_add_tags_is_retried(world: World, after: bool) -> None:
    # GIVEN AddTags answering 5xx once (before it acted, or after: a lost response)
    arn = _existing(world)
    world.faults.error("sagemaker", "AddTags", "ServiceUnavailable", status=503, after=after)
    # WHEN adopted THEN the step is retried and the adoption succeeds, tagged once in effect
    response = _adopt(world)
    assert response.status == "SUCCESS", response.reason
    assert _owned(world.tags(arn))
    assert world.sim.calls["AddTags"] == 1  # reached SageMaker once
    assert world.faults.calls.count(("sagemaker", "AddTags")) == (1 if after else 2)
    assert world.sim.calls["UpdateEndpoint"] == 0


def test_adopt_duplicate_create_delivery_adopts_once(world: World) -> None:
    # GIVEN the same adopting Create delivered twice
    arn = _existing(world)
    event = world.driver.event(
        "Create", world.props("model-a-v2", AdoptExistingEndpoint=True), logical_id="Classifier"
    )
    first, second = world.driver.send(event, deliveries=2)
    # THEN both get the same answer; the endpoint was tagged and rolled out once
    assert first.status == second.status == "SUCCESS", first.reason
    assert first.data == second.data
    assert world.sim.calls["AddTags"] == 1 and world.sim.calls["UpdateEndpoint"] == 1
    assert _owned(world.tags(arn))


# ---------------------------------------------------------------------------------------------
# IAM: the policy itself keeps adoption and release to their tags
# ---------------------------------------------------------------------------------------------

_ENDPOINT = f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:endpoint/classifier"
_OWNED = {f"aws:ResourceTag/{k}": "x" for k in OWNER_TAG_KEYS} | {
    "aws:ResourceTag/sagemaker-rollout:managed-by": "sagemaker-rollout",
    f"aws:ResourceTag/{ADOPTABLE_TAG}": "true",
}


@pytest.mark.parametrize(
    ("action", "resource_tags", "keys", "allowed"),
    [
        ("sagemaker:DeleteTags", _OWNED, list(OWNER_TAG_KEYS), True),
        ("sagemaker:DeleteTags", _OWNED, ["team"], True),
        ("sagemaker:DeleteTags", _OWNED, [ADOPTABLE_TAG], False),
        ("sagemaker:DeleteTags", _OWNED, [*OWNER_TAG_KEYS, ADOPTABLE_TAG], False),
        ("sagemaker:DeleteTags", {f"aws:ResourceTag/{ADOPTABLE_TAG}": "true"}, list(OWNER_TAG_KEYS), False),
        ("sagemaker:AddTags", _OWNED, ["team"], True),
        ("sagemaker:AddTags", _OWNED, [STACK_ID_TAG], False),
        ("sagemaker:AddTags", {f"aws:ResourceTag/{ADOPTABLE_TAG}": "true"}, list(OWNER_TAG_KEYS), True),
        (
            "sagemaker:AddTags",
            {f"aws:ResourceTag/{ADOPTABLE_TAG}": "true"},
            [*OWNER_TAG_KEYS, ADOPTABLE_TAG],
            False,
        ),
    ],
    ids=[
        "release",
        "retag-user-key",
        "owner-consent-untouchable",
        "release-with-consent-key",
        "release-unowned",
        "retag-owned",
        "rewrite-ownership",
        "adopt-consenting",
        "adopt-and-touch-consent",
    ],
)
def test_policy_keeps_adoption_and_release_to_the_ownership_tags(
    action: str, resource_tags: dict[str, str], keys: list[str], allowed: bool
) -> None:
    # GIVEN the provider role's policy and a tagging request on an endpoint
    statements = statements_for(f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:p")
    context: dict[str, Any] = {**resource_tags, "aws:TagKeys": keys}
    if action == "sagemaker:AddTags":
        value = {"sagemaker-rollout:managed-by": "sagemaker-rollout"}
        context |= {f"aws:RequestTag/{k}": value.get(k, "v") for k in keys}
    request = AuthRequest(action, _ENDPOINT, context)
    # WHEN evaluated THEN only the ownership keys move, and only with consent or ownership
    assert evaluate(statements, request).allowed is allowed, request
    # AND an endpoint another stack already adopted cannot be re-tagged by a second adoption
    if (
        action == "sagemaker:AddTags"
        and allowed
        and "aws:ResourceTag/sagemaker-rollout:stack-id" not in context
    ):
        owned_elsewhere = {**context, "aws:ResourceTag/sagemaker-rollout:stack-id": OTHER_STACK}
        assert not evaluate(statements, replace(request, context=owned_elsewhere)).allowed
