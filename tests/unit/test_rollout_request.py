"""A request's provider-only fields (time limit, ownership rule, smoke-test functions): kept by the
journal, never taken from a custom-resource event."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout.rollout.request import (
    OWNERSHIP_KEY,
    PROVIDER_KEYS,
    SMOKE_FUNCTIONS_KEY,
    TIME_LIMIT_KEY,
    Ownership,
    RequestKind,
    RolloutRequest,
)

EVENT: dict[str, Any] = {
    "RequestType": "Update",
    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
    "LogicalResourceId": "Endpoint",
    "RequestId": "r-1",
    "PhysicalResourceId": "classifier",
    "ResourceType": "Custom::SageMakerEndpoint",
    "ResourceProperties": {"EndpointName": "classifier"},
    "OldResourceProperties": {"EndpointName": "classifier"},
}
FIELDS = {TIME_LIMIT_KEY: 129600, OWNERSHIP_KEY: Ownership.PRIMARY_IDENTIFIER.value, SMOKE_FUNCTIONS_KEY: "*"}


def test_the_journal_keeps_the_provider_fields_of_a_request() -> None:
    # GIVEN a request a front end set every provider field of (the registry type's)
    request = RolloutRequest(
        kind=RequestKind.UPDATE,
        stack_id=EVENT["StackId"],
        logical_id="Endpoint",
        request_id="r-1",
        explicit_time_limit=129600,
        ownership=Ownership.PRIMARY_IDENTIFIER,
        smoke_functions="smoke-*",
    )
    # WHEN stored and read back THEN each field is what was set
    back = RolloutRequest.from_record(request.to_record())
    assert (back.explicit_time_limit, back.ownership, back.smoke_functions) == (
        129600,
        Ownership.PRIMARY_IDENTIFIER,
        "smoke-*",
    )
    # AND an empty pattern (the type configuration's default: no function) stays empty, not unset
    empty = RolloutRequest(**{**request.__dict__, "smoke_functions": ""})
    none = RolloutRequest.from_record(empty.to_record())
    assert none.smoke_functions == ""


@pytest.mark.parametrize("key", PROVIDER_KEYS)
def test_a_custom_resource_event_cannot_set_a_provider_field(key: str) -> None:
    # GIVEN a custom-resource event carrying one of the provider's own fields
    event = {**EVENT, key: FIELDS[key]}
    # WHEN the custom resource's front end reads it
    request = RolloutRequest.from_event(event)
    # THEN the field decides nothing (the custom resource's defaults), and it is not stored either
    assert request.explicit_time_limit is None
    assert request.ownership is Ownership.STACK_RESOURCE
    assert request.smoke_functions is None
    assert key not in request.to_record()
