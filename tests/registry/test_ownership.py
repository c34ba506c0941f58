"""Who owns an endpoint under the registry type (issue 20, cause 1; cause 6's stated delete rule and
cause 7's adoption exception).

The resource *is* its primary identifier: ownership follows the endpoint name and the type's own
record of what it created (its tag value and the journal), never the logical id, which CloudFormation's
contract tests change with every operation. A Create is a retry only when the journal holds that
request. The type never touches a custom resource's endpoint, nor the custom resource the type's;
endpoints the type created before (the custom resource's tags, its stack and logical id) stay its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from registry_kit import props

from sagemaker_rollout.naming import (
    ADOPTABLE_TAG,
    MANAGED_BY_CUSTOM_RESOURCE,
    MANAGED_BY_REGISTRY_TYPE,
    MANAGED_BY_TAG,
    owner_tags,
)
from sagemaker_rollout.rollout.request import Ownership, RequestKind, RolloutRequest
from sagemaker_rollout_testing import stringify

CANARY = {"wait": 300, "kind": "CANARY"}
MUTATIONS = (
    "CreateEndpointConfig",
    "CreateEndpoint",
    "UpdateEndpoint",
    "DeleteEndpoint",
    "AddTags",
    "DeleteTags",
)


def tags_of(sm: Any, name: str) -> dict[str, str]:
    arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def endpoint_names(sm: Any) -> list[str]:
    return sorted(
        e["EndpointName"] for e in sm.list_endpoints()["Endpoints"] if e["EndpointStatus"] != "Deleting"
    )


def mutations(sim: Any) -> int:
    return sum(sim.calls[op] for op in MUTATIONS)


def someone_elses_endpoint(sm: Any, name: str, tags: list[dict[str, str]]) -> None:
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "model-a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config", Tags=tags)


def run(
    registry: Any, action: str, token: str, desired: Mapping[str, Any], logical_id: str = "Classifier"
) -> dict[str, Any]:
    """One operation with a token of the caller's choosing (to send the same request again)."""
    context = None
    for _ in range(200):
        event = registry.request(
            action, token=token, logical_id=logical_id, desired=desired, callback_context=context
        )
        result = registry.invoke(event)
        if result is None:
            continue
        if result["status"] != "IN_PROGRESS":
            return dict(result)
        context = result["callbackContext"]
        registry.clock.advance(float(result.get("callbackDelaySeconds") or 0))
    raise AssertionError(f"{action} did not finish")


# ------------------------------------------------------------------ the identifier, not the logical id --
def test_a_delete_with_another_logical_id_deletes_the_endpoint_and_its_configs(
    registry: Any, session: Any
) -> None:
    """GIVEN an endpoint the type created under one logical id
    WHEN a delete arrives with another logical id (the contract runner sends a fresh one per operation)
    THEN the endpoint and its configs are deleted (not "left alone"), and the name can be created again."""
    sm = session.client("sagemaker")
    created = registry.create("CreatedAs", props(**CANARY))
    assert created.ok, created.message
    assert tags_of(sm, "classifier")[MANAGED_BY_TAG] == MANAGED_BY_REGISTRY_TYPE

    deleted = registry.delete("DeletedAs", created.model)

    assert deleted.ok, deleted.message
    assert endpoint_names(sm) == []
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []
    assert registry.create("CreatedAgainAs", props(**CANARY)).ok


def test_a_create_is_a_retry_only_when_the_journal_holds_that_request(
    registry: Any, session: Any, sim: Any
) -> None:
    """GIVEN a create that died after CreateEndpointConfig, and meanwhile another create (another
    token) of the same name that created the endpoint
    WHEN the first create is delivered again
    THEN it fails AlreadyExists (the journal says the endpoint is the other request's), the other
    one succeeded; a second create of an existing name fails AlreadyExists at once, and the same
    request sent again after its success gets its recorded answer."""
    first = str(uuid.uuid4())
    registry.kill_after("sagemaker", "CreateEndpointConfig")
    assert (
        registry.invoke(registry.request("CREATE", token=first, logical_id="First", desired=props(**CANARY)))
        is None
    )

    other = run(registry, "CREATE", str(uuid.uuid4()), props(**CANARY), logical_id="Other")
    assert other["status"] == "SUCCESS", other
    resumed = run(registry, "CREATE", first, props(**CANARY), logical_id="First")

    assert (resumed["status"], resumed["errorCode"]) == ("FAILED", "AlreadyExists"), resumed
    before = mutations(sim)
    again = registry.create("Third", props(**CANARY))
    assert (again.status, again.error_code) == ("FAILED", "AlreadyExists")
    assert mutations(sim) == before
    token = str(uuid.uuid4())
    registry.delete("Cleanup", {"EndpointName": "classifier"})
    done = run(registry, "CREATE", token, props(**CANARY), logical_id="Fourth")
    assert done["status"] == "SUCCESS"
    assert run(registry, "CREATE", token, props(**CANARY), logical_id="Fourth") == done


# ------------------------------------------------------------- the custom resource and the registry type --
def test_the_registry_type_never_touches_a_custom_resource_endpoint(
    registry: Any, session: Any, sim: Any
) -> None:
    """GIVEN an endpoint a custom resource owns, even one of the very stack and logical id asking
    WHEN the type reads, updates or deletes it
    THEN each answers NotFound and nothing changes."""
    sm = session.client("sagemaker")
    theirs = owner_tags(registry.stack_id, "Other", "classifier")
    someone_elses_endpoint(sm, "classifier", theirs)
    before = mutations(sim)

    read = registry.read({"EndpointName": "classifier"})
    updated = registry.update("Classifier", props("model-a-v2", **CANARY), props(**CANARY))
    deleted = registry.delete("Classifier", {"EndpointName": "classifier"})

    assert (read["status"], read["errorCode"]) == ("FAILED", "NotFound")
    assert (updated.status, updated.error_code) == ("FAILED", "NotFound")
    assert (deleted.status, deleted.error_code) == ("FAILED", "NotFound")
    assert mutations(sim) == before
    assert registry.list_models() == []


def test_the_custom_resource_never_takes_the_registry_types_endpoint(
    registry: Any, provider_driver: Any, session: Any
) -> None:
    """GIVEN an endpoint the type created from stack S, logical id Classifier
    WHEN a custom resource of that same stack and logical id creates or deletes that name
    THEN its Create fails (the endpoint is managed by another resource) and its Delete leaves it."""
    sm = session.client("sagemaker")
    assert registry.create("Classifier", props(**CANARY)).ok
    provider_driver.stack_id = registry.stack_id
    provider_driver.cloudformation.set_stack_id(registry.stack_id)  # CloudFormation confirms its requests
    mine = RolloutRequest(RequestKind.UPDATE, registry.stack_id, "Classifier", "r")
    assert mine.ownership is Ownership.STACK_RESOURCE and not mine.owns(tags_of(sm, "classifier"))

    created = provider_driver.create(stringify(props(**CANARY)), logical_id="Classifier")
    deleted = provider_driver.delete("classifier", stringify(props(**CANARY)), logical_id="Classifier")

    assert created.status == "FAILED" and "already exists and is managed by" in created.reason
    assert deleted.status == "SUCCESS"
    assert sm.describe_endpoint(EndpointName="classifier")["EndpointStatus"] == "InService"


def test_endpoints_the_type_created_before_its_own_tag_value_stay_manageable(
    registry: Any, session: Any, sim: Any
) -> None:
    """GIVEN an endpoint the type created before this change: the custom resource's tags (managed-by
    sagemaker-rollout, its stack and logical id) and no creation record in the journal
    WHEN its stack resource reads, updates and deletes it
    THEN all succeed (the update rolls out), while another logical id of the stack gets NotFound."""
    sm = session.client("sagemaker")
    assert registry.create("Classifier", props(**CANARY)).ok
    arn = sm.describe_endpoint(EndpointName="classifier")["EndpointArn"]
    configs = [c["EndpointConfigArn"] for c in sm.list_endpoint_configs()["EndpointConfigs"]]
    for resource in (arn, *configs):  # what the type wrote before it had a value of its own
        sm.add_tags(ResourceArn=resource, Tags=[{"Key": MANAGED_BY_TAG, "Value": MANAGED_BY_CUSTOM_RESOURCE}])
    session.client("dynamodb").update_item(
        TableName=registry.journal_table,
        Key={"pk": {"S": "endpoint#classifier"}},
        UpdateExpression="REMOVE created_by",
    )

    other = registry.update("Another", props("model-a-v2", **CANARY), props(**CANARY))
    updated = registry.update("Classifier", props("model-a-v2", **CANARY), props(**CANARY))
    read = registry.read({"EndpointName": "classifier"})

    assert (other.status, other.error_code) == ("FAILED", "NotFound")
    assert updated.ok, updated.message
    assert tags_of(sm, "classifier")[MANAGED_BY_TAG] == MANAGED_BY_CUSTOM_RESOURCE  # not retagged
    # The update recorded it in the journal: read (drift detection sends no stack) and list find it.
    assert read["status"] == "SUCCESS", read
    assert read["resourceModel"]["ProductionVariants"][0]["ModelName"] == "model-a-v2"
    assert registry.list_models() == [{"EndpointName": "classifier"}]
    deleted = registry.delete("Classifier", updated.model)
    assert deleted.ok, deleted.message
    assert endpoint_names(sm) == []


# --------------------------------------------------------------------------------- adopted endpoints --
def test_adoption_is_the_one_exception_and_a_delete_without_stack_deletes(
    registry: Any, session: Any
) -> None:
    """GIVEN an endpoint nobody manages whose owner consented to its adoption
    WHEN the type creates that name without AdoptExistingEndpoint THEN AlreadyExists;
    WITH it THEN the type adopts it (the documented exception), and Cloud Control API's delete (no
    stack to ask whether it is a rollback) deletes it, as the stated rule says."""
    sm = session.client("sagemaker")
    someone_elses_endpoint(sm, "classifier", [{"Key": ADOPTABLE_TAG, "Value": "true"}])

    refused = registry.create("Classifier", props(**CANARY))
    adopted = registry.create("Classifier", props(**CANARY, AdoptExistingEndpoint=True))

    assert (refused.status, refused.error_code) == ("FAILED", "AlreadyExists")
    assert adopted.ok, adopted.message
    assert "AdoptExistingEndpoint" not in (adopted.model or {})
    assert tags_of(sm, "classifier")[MANAGED_BY_TAG] == MANAGED_BY_REGISTRY_TYPE
    assert registry.list_models() == [{"EndpointName": "classifier"}]
    deleted = registry.operation("DELETE", None, adopted.model)  # no logical id, no stack
    assert deleted.ok, deleted.message
    assert endpoint_names(sm) == []
