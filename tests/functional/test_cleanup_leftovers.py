"""Issue 21, point 5: clean-up errors are retried, and what is left is said and retried later.

Before the fix, one AccessDenied on DeleteEndpointConfig during a Delete's clean-up was swallowed:
SUCCESS with an empty reason, and the config stayed in the account for good.
"""

from __future__ import annotations

from world import World, check_response_limits


def test_5_one_access_denied_during_the_clean_up_is_retried(world: World) -> None:
    # GIVEN an endpoint, and DeleteEndpointConfig refused once
    world.create()
    world.faults.error(
        "sagemaker", "DeleteEndpointConfig", "AccessDeniedException", "not authorized", status=400
    )
    # WHEN the stack deletes the resource
    deleted = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    # THEN the clean-up tries again and nothing is left
    assert deleted.status == "SUCCESS" and deleted.reason == "", deleted.reason
    assert world.configs() == []


def test_5_a_config_that_cannot_be_deleted_is_named_kept_in_the_journal_and_deleted_by_a_later_request(
    world: World,
) -> None:
    # GIVEN an endpoint, and DeleteEndpointConfig refused for the whole request
    world.create()
    config = world.endpoint()["EndpointConfigName"]
    world.faults.error(
        "sagemaker", "DeleteEndpointConfig", "AccessDeniedException", "not authorized", times=20
    )
    # WHEN the stack deletes the resource
    deleted = world.driver.delete("classifier", world.props(), logical_id="Classifier")
    # THEN the endpoint is gone and the answer names the config left, and why
    assert deleted.status == "SUCCESS", deleted.reason
    assert config in deleted.reason and "DeleteEndpointConfig: AccessDeniedException" in deleted.reason
    check_response_limits(deleted)
    assert world.sm.list_endpoints()["Endpoints"] == [] and world.configs() == [config]
    # AND history shows it, and the journal keeps it for the next request for the endpoint
    assert any(config in " ".join(entry["state"].get("leftovers", [])) for entry in world.history())
    assert config in world.journal().endpoint("classifier").leftovers
    # WHEN a later request for the endpoint runs (the stack is created again) with the access back
    world.faults.clear()
    created = world.driver.create(world.props("model-a-v2"), logical_id="Classifier")
    # THEN it deletes the config left behind, and the journal forgets it
    assert created.status == "SUCCESS", created.reason
    assert config not in world.configs()
    assert world.journal().endpoint("classifier").leftovers == {}


def test_5_an_update_that_cannot_delete_the_previous_config_says_so_in_its_success(world: World) -> None:
    # GIVEN an endpoint, and DeleteEndpointConfig refused for the whole update
    world.create()
    previous = world.endpoint()["EndpointConfigName"]
    world.faults.error(
        "sagemaker", "DeleteEndpointConfig", "AccessDeniedException", "not authorized", times=20
    )
    # WHEN the update rolls out
    updated = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    # THEN it succeeds, naming the previous config it had to leave
    assert updated.status == "SUCCESS", updated.reason
    assert previous in updated.reason and updated.reason.startswith(
        "endpoint config(s) left for the next request"
    )
    # AND the next request deletes it
    world.faults.clear()
    retagged = world.driver.update(
        "classifier",
        world.props("model-a-v2", tags={"team": "ml"}),
        world.props("model-a-v2"),
        logical_id="Classifier",
    )
    assert retagged.status == "SUCCESS" and retagged.reason == "", retagged.reason
    assert previous not in world.configs()
