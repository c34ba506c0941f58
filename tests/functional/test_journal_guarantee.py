"""Issue 21, points 1 and 2: the journal is inside the guarantee.

DynamoDB throttling and 5xx bursts longer than one call's quick retries (about 31 s) are waited out on
the request's clock; when the journal stays unavailable until the answer margin, CloudFormation still
gets one answer with a one-line reason, autoscaling is restored from the snapshot the invocation
holds, or (holding none) the answer says the restore is pending and the next request for the endpoint
restores it, waiting for the endpoint to settle. Once CreateEndpoint was intended, the answer names
the endpoint. Each test fails on the code before the fix (the journal's ClientError escaped the
engine: crhelper's FAILED with botocore's text and a made-up physical id, nothing restored).
"""

from __future__ import annotations

from typing import Any

from world import World, check_response_limits

THROTTLED = "ProvisionedThroughputExceededException"
SHORT = 900
"""A ServiceTimeout whose answer margin (780 s after the request starts) falls inside the first
invocation (900 s): the invocation that holds the state is the one that must answer."""


def _quick(props: dict[str, Any]) -> dict[str, Any]:
    """Short model download and health-check limits and a short bake, so a rollout fits ``SHORT``."""
    for variant in props["ProductionVariants"]:
        variant["ModelDataDownloadTimeoutInSeconds"] = 60
        variant["ContainerStartupHealthCheckTimeoutInSeconds"] = 60
    return props


def _journal_outage_after(world: World, service: str, operation: str, seconds: float, **kw: Any) -> None:
    """Every DynamoDB call fails (throttled) for ``seconds``, from right after ``operation`` took effect."""

    def start() -> None:
        world.faults.outage("dynamodb", "*", seconds, code=THROTTLED, status=400, **kw)

    world.faults.then(service, operation, start)


def _no_botocore_text(response: Any) -> None:
    check_response_limits(response)
    assert "An error occurred" not in response.reason and "when calling the" not in response.reason


def test_1_a_90_s_journal_outage_right_after_update_endpoint_is_waited_out(world: World) -> None:
    # GIVEN an autoscaled endpoint, and DynamoDB throttling every call for 90 s right after the
    # rollout's UpdateEndpoint (three times the quick retries of one call)
    world.create()
    world.autoscale()
    before = world.scaling()
    _journal_outage_after(world, "sagemaker", "UpdateEndpoint", 90)
    # WHEN an instance-type change rolls out (autoscaling deregistered around it)
    response = world.driver.update(
        "classifier", world.props("model-a-v2", "ml.c5.2xlarge"), world.props(), logical_id="Classifier"
    )
    # THEN the outage is waited out: one SUCCESS, autoscaling back as it was, nothing left suspended
    assert response.status == "SUCCESS", response.reason
    assert response.answers == 1
    assert world.scaling() == before
    assert world.journal().endpoint("classifier").suspended_by is None


def test_1_journal_unavailable_until_the_margin_restores_the_held_snapshot_and_answers_one_line(
    world: World,
) -> None:
    # GIVEN an autoscaled endpoint, and DynamoDB throttled for good right after UpdateEndpoint of a
    # rollout whose answer margin falls inside this invocation
    world.create()
    world.autoscale()
    before = world.scaling()
    _journal_outage_after(world, "sagemaker", "UpdateEndpoint", 3000)
    new = _quick(world.props("model-a-v2", "ml.c5.2xlarge", wait=60, alarms=False))
    # WHEN the instance-type change rolls out
    response = world.driver.update(
        "classifier", new, world.props(), logical_id="Classifier", service_timeout=SHORT
    )
    # THEN one FAILED answer, before CloudFormation's limit, one line naming the journal call and the
    # endpoint, never botocore's text; autoscaling restored from the snapshot the invocation held
    assert response.status == "FAILED" and response.answers == 1
    assert response.elapsed < SHORT
    assert response.reason.startswith(
        f"Rollout journal unavailable until the answer deadline (DynamoDB UpdateItem: {THROTTLED})"
    ), response.reason
    assert "autoscaling restored" in response.reason
    _no_botocore_text(response)
    assert world.scaling() == before
    # AND once DynamoDB is back, CloudFormation's rollback Update brings the old config back and ends
    # with autoscaling as it was and nothing left suspended in the journal
    world.clock.advance(3000)
    world.faults.clear()
    rollback = world.driver.update("classifier", world.props(), new, logical_id="Classifier")
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.endpoint()["EndpointConfigName"] == world.configs()[0]
    assert world.scaling() == before
    assert world.journal().endpoint("classifier").suspended_by is None


def test_1_journal_unreadable_holding_no_snapshot_answers_restore_pending_and_the_next_request_restores(
    world: World,
) -> None:
    # GIVEN an autoscaled endpoint; the rollout's invocation dies right after it deregistered the
    # autoscaling, and from then on DynamoDB is throttled past the request's answer margin
    world.create()
    world.autoscale()
    before = world.scaling()
    _journal_outage_after(world, "application-autoscaling", "DeregisterScalableTarget", 3000)
    world.faults.kill_after("application-autoscaling", "DeregisterScalableTarget")
    new = _quick(world.props("model-a-v2", "ml.c5.2xlarge", wait=60, alarms=False))
    # WHEN Lambda retries the event (the retry can read nothing: it holds no snapshot)
    response = world.driver.update(
        "classifier", new, world.props(), logical_id="Classifier", service_timeout=SHORT
    )
    # THEN one FAILED answer saying the restore is pending, naming the endpoint, recorded nowhere
    assert response.status == "FAILED" and response.answers == 1, response.reason
    assert "autoscaling restore pending: journal unavailable" in response.reason, response.reason
    assert response.physical_resource_id == "classifier"
    _no_botocore_text(response)
    assert world.scaling() == []  # (deregistered, not restored yet)
    # AND the next request for the endpoint (CloudFormation's rollback Update) restores it first
    world.clock.advance(3000)
    world.faults.clear()
    rollback = world.driver.update("classifier", world.props(), new, logical_id="Classifier")
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.scaling() == before
    assert world.journal().endpoint("classifier").suspended_by is None


def test_1_the_rollback_update_waits_for_the_endpoint_to_settle_then_restores_the_orphaned_autoscaling(
    world: World,
) -> None:
    """The stack of issue 21, point 1: UPDATE_ROLLBACK_COMPLETE with an unscaled variant."""
    # GIVEN an autoscaled endpoint whose rollout (deregistered, UpdateEndpoint issued, slow to
    # provision) loses its invocation and its journal until the answer margin
    world.create()
    world.autoscale()
    before = world.scaling()
    world.sim.set_timings(provision=2400)
    _journal_outage_after(world, "sagemaker", "UpdateEndpoint", 1000)
    world.faults.kill_after("sagemaker", "UpdateEndpoint")
    new = _quick(world.props("model-a-v2", "ml.c5.2xlarge", wait=60, alarms=False))
    failed = world.driver.update(
        "classifier", new, world.props(), logical_id="Classifier", service_timeout=SHORT
    )
    assert failed.status == "FAILED" and "autoscaling restore pending" in failed.reason, failed.reason
    # WHEN CloudFormation's rollback Update arrives while the endpoint is still Updating
    world.clock.advance(200)
    world.faults.clear()
    world.sim.set_timings(provision=300)  # (the rollback's own update provisions as usual)
    assert world.endpoint()["EndpointStatus"] == "Updating"
    rollback = world.driver.update("classifier", world.props(), new, logical_id="Classifier")
    # THEN it waits for the endpoint to settle, restores the orphaned autoscaling, rolls back, and the
    # stack ends with the variant scaled as before (not UPDATE_ROLLBACK_COMPLETE with it unscaled)
    assert rollback.status == "SUCCESS", rollback.reason
    assert world.scaling() == before
    assert world.journal().endpoint("classifier").suspended_by is None
    running = world.sm.describe_endpoint_config(EndpointConfigName=world.endpoint()["EndpointConfigName"])
    assert running["ProductionVariants"][0]["InstanceType"] == "ml.c5.xlarge"


def test_2_journal_lost_after_create_endpoint_answers_with_the_endpoint_name_and_the_rollback_deletes_it(
    world: World,
) -> None:
    # GIVEN DynamoDB throttled for good right after CreateEndpoint, past the request's answer margin
    _journal_outage_after(world, "sagemaker", "CreateEndpoint", 3000)
    props = _quick(world.props(wait=60, alarms=False))
    # WHEN the Create runs
    response = world.driver.create(props, logical_id="Classifier", service_timeout=SHORT)
    # THEN the FAILED answer names the endpoint (not a made-up id) in one line
    assert response.status == "FAILED" and response.answers == 1
    assert response.physical_resource_id == "classifier", response.physical_resource_id
    _no_botocore_text(response)
    # AND CloudFormation's rollback Delete of that id deletes the endpoint: nothing left running
    world.clock.advance(3000)
    world.faults.clear()
    deleted = world.driver.delete(response.physical_resource_id, props, logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    assert world.sm.list_endpoints()["Endpoints"] == []
    assert world.configs() == []


def test_2_journal_unreadable_from_the_start_of_a_create_still_names_the_endpoint(world: World) -> None:
    # GIVEN DynamoDB throttled from before the Create arrives until past its answer margin
    world.faults.outage("dynamodb", "*", 3000, code=THROTTLED, status=400)
    props = _quick(world.props(wait=60, alarms=False))
    # WHEN the Create arrives (and Lambda retries it)
    response = world.driver.create(props, logical_id="Classifier", service_timeout=SHORT)
    # THEN one FAILED answer, naming the endpoint the request would create, nothing created
    assert response.status == "FAILED" and response.answers == 1
    assert response.physical_resource_id == "classifier"
    assert "autoscaling restore pending: journal unavailable" in response.reason
    _no_botocore_text(response)
    assert world.sm.list_endpoints()["Endpoints"] == []
