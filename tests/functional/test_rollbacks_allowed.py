"""Issue 21, point 4: the way back is open when the way forward was allowed.

An update allowed by ``AllowUnguardedRollout: true`` (a change of the variant set, which deployment
guardrails cannot do) succeeds; when another resource of the same stack update fails, CloudFormation's
rollback Update carries the old properties, without the switch, and the switch of
``OldResourceProperties`` allows the way back (as does an update without ``DeploymentConfig``, all at
once by definition, or one that re-created an endpoint deleted out of band: during a stack rollback
the way back to what ran before is never refused for guardrails alone). ``AllowIrreversibleChanges``
is the documented exception: SageMaker cannot make the reverse change, so that rollback answers
FAILED naming it.
"""

from __future__ import annotations

from typing import Any

from world import World, check_response_limits


def _variants(world: World) -> set[str]:
    config = world.sm.describe_endpoint_config(EndpointConfigName=world.endpoint()["EndpointConfigName"])
    return {v["VariantName"] for v in config["ProductionVariants"]}


def _without_model_b(world: World) -> dict[str, Any]:
    """The guarded properties with variant model-b removed, allowed by AllowUnguardedRollout."""
    props = world.props(AllowUnguardedRollout=True)
    props["ProductionVariants"] = props["ProductionVariants"][:1]
    return props


def _forward(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    world.create()
    old, new = world.props(), _without_model_b(world)
    forward = world.driver.update("classifier", new, old, logical_id="Classifier")
    assert forward.status == "SUCCESS", forward.reason
    assert _variants(world) == {"model-a"}
    return old, new


def test_4_rollback_of_an_update_allowed_by_allow_unguarded_rollout_succeeds(world: World) -> None:
    # GIVEN an update allowed by AllowUnguardedRollout (model-b removed) that succeeded
    old, new = _forward(world)
    # WHEN another resource of the same stack update fails and CloudFormation rolls back: an Update
    # back to the old properties (guarded, no switch), the switch in OldResourceProperties
    rollback = world.driver.update("classifier", old, new, logical_id="Classifier", rollback=True)
    # THEN the way back is allowed (unguarded, as the way forward was) and the stack ends rolled back
    assert rollback.status == "SUCCESS", rollback.reason
    assert _variants(world) == {"model-a", "model-b"}
    assert world.driver.cloudformation.status == "UPDATE_ROLLBACK_COMPLETE"


def _rolled_back(world: World, old: dict[str, Any], new: dict[str, Any]) -> None:
    """The forward update to ``new`` (model-a alone) succeeds; CloudFormation's rollback Update back
    to ``old`` then succeeds too, both variants serve again and the stack ends rolled back."""
    forward = world.driver.update("classifier", new, old, logical_id="Classifier")
    assert forward.status == "SUCCESS", forward.reason
    assert _variants(world) == {"model-a"}
    rollback = world.driver.update("classifier", old, new, logical_id="Classifier", rollback=True)
    assert rollback.status == "SUCCESS", rollback.reason
    assert _variants(world) == {"model-a", "model-b"}
    assert world.driver.cloudformation.status == "UPDATE_ROLLBACK_COMPLETE"


def test_4_rollback_of_an_all_at_once_update_without_deployment_config_succeeds(world: World) -> None:
    # GIVEN a guarded endpoint (model-a, model-b) updated without DeploymentConfig to model-a alone:
    # an all-at-once update, allowed without any switch (found by the stateful test, issue 21)
    world.create()
    old, new = world.props(), world.props()
    del new["DeploymentConfig"]
    new["ProductionVariants"] = new["ProductionVariants"][:1]
    # WHEN the stack rolls back to the guarded properties (the variant set changes back)
    # THEN the way back is as unguarded as the way forward was, and the stack ends rolled back
    _rolled_back(world, old, new)


def test_4_rollback_of_an_update_that_recreated_a_deleted_endpoint_succeeds(world: World) -> None:
    # GIVEN a guarded endpoint (model-a, model-b) deleted out of band, then a stack update to model-a
    # alone (guarded): the endpoint is created anew, no rollout to guard (found by the soak)
    world.create()
    old, new = world.props(), world.props()
    new["ProductionVariants"] = new["ProductionVariants"][:1]
    world.sim.delete_out_of_band("classifier")
    # WHEN the stack rolls back to the properties that ran before (the variant set changes back)
    # THEN the way back is allowed unguarded, as the way forward was, and the stack ends rolled back
    _rolled_back(world, old, new)


def test_4_continue_update_rollback_completes_a_rollback_that_failed(world: World) -> None:
    # GIVEN the same update, and a first rollback attempt that cannot tell it is a rollback (its
    # DescribeStacks is refused): refused, naming why, and the stack is UPDATE_ROLLBACK_FAILED
    old, new = _forward(world)
    world.faults.error("cloudformation", "DescribeStacks", "AccessDenied", "not authorized", status=403)
    first = world.driver.update("classifier", old, new, logical_id="Classifier", rollback=True)
    assert first.status == "FAILED"
    assert "AllowUnguardedRollout" in first.reason and "DescribeStacks: AccessDenied" in first.reason, (
        first.reason
    )
    check_response_limits(first)
    assert world.driver.cloudformation.status == "UPDATE_ROLLBACK_FAILED"
    assert _variants(world) == {"model-a"}  # nothing was touched
    # WHEN the operator runs continue-update-rollback (CloudFormation sends the rollback Update again)
    world.driver.continue_update_rollback()
    again = world.driver.update("classifier", old, new, logical_id="Classifier")
    # THEN it completes
    assert again.status == "SUCCESS", again.reason
    assert _variants(world) == {"model-a", "model-b"}
    assert world.driver.cloudformation.status == "UPDATE_ROLLBACK_COMPLETE"


def test_4_a_forward_update_that_drops_the_switch_stays_refused(world: World) -> None:
    # GIVEN the same update, then a new forward update (not a rollback) back to both variants with
    # the DeploymentConfig and without the switch
    old, new = _forward(world)
    response = world.driver.update("classifier", old, new, logical_id="Classifier", rollback=False)
    # THEN it is refused as any guarded change of the variant set is, nothing touched
    assert response.status == "FAILED"
    assert "set AllowUnguardedRollout: true" in response.reason, response.reason
    assert _variants(world) == {"model-a"}


def _serverless(world: World) -> dict[str, Any]:
    props = world.props(alarms=False)
    del props["DeploymentConfig"]
    props["ProductionVariants"] = [
        {
            "VariantName": "model-a",
            "ModelName": "model-a-v1",
            "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
        }
    ]
    return props


def test_4_allow_irreversible_changes_rollback_answers_failed_naming_the_change(world: World) -> None:
    # GIVEN a serverless endpoint moved to instances with AllowIrreversibleChanges: true
    serverless = _serverless(world)
    assert world.driver.create(serverless, logical_id="Classifier").status == "SUCCESS"
    instances = world.props(alarms=False, AllowIrreversibleChanges=True)
    del instances["DeploymentConfig"]
    instances["ProductionVariants"] = instances["ProductionVariants"][:1]
    forward = world.driver.update("classifier", instances, serverless, logical_id="Classifier")
    assert forward.status == "SUCCESS", forward.reason
    # WHEN the stack rolls back (another resource failed)
    rollback = world.driver.update(
        "classifier", serverless, instances, logical_id="Classifier", rollback=True
    )
    # THEN the documented exception: FAILED naming the change SageMaker cannot reverse (the README
    # shows the recovery with continue-update-rollback --resources-to-skip)
    assert rollback.status == "FAILED"
    assert rollback.reason.startswith("ProductionVariants[0].ServerlessConfig"), rollback.reason
    assert "cannot convert it to serverless" in rollback.reason
    assert world.driver.cloudformation.status == "UPDATE_ROLLBACK_FAILED"
