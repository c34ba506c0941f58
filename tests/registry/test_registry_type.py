"""The registry type ``SageMakerRollout::SageMaker::Endpoint`` driven as CloudFormation drives it.

Requests in the CloudFormation CLI library's shape through its entry point, progress events,
callbacks after the requested delay on the simulated clock, the handler timeout enforced
(:class:`~sagemaker_rollout_testing.registry.RegistryDriver`); SageMaker is the simulator over moto.
The engine and the journal are the custom resource's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from registry_kit import ALARM, REGISTRY, props

from sagemaker_rollout.registry_type.frontend import (
    HANDLER_PERMISSIONS,
    HANDLER_TIMEOUT_MINUTES,
)
from sagemaker_rollout.registry_type.live import WRITE_ONLY
from sagemaker_rollout.rollout.state import CONTINUATION_KEY
from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
from sagemaker_rollout_testing import stringify


def contains(actual: Any, expected: Any) -> bool:
    """``expected`` is found in ``actual`` (objects: every expected key, recursively)."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and contains(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(contains(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def readable(properties: Mapping[str, Any]) -> dict[str, Any]:
    """What a read can return. moto's endpoint configs do not keep ``ExecutionRoleArn`` (its
    FakeEndpointConfig has no such field), which DescribeEndpointConfig returns on AWS (API
    reference, DescribeEndpointConfig, response element ExecutionRoleArn): left out here only."""
    return {k: v for k, v in properties.items() if k not in (*WRITE_ONLY, "ExecutionRoleArn")}


def running_config(sm: Any) -> str:
    return str(sm.describe_endpoint(EndpointName="classifier")["EndpointConfigName"])


def model_of(sm: Any) -> str:
    config = sm.describe_endpoint_config(EndpointConfigName=running_config(sm))
    return str(config["ProductionVariants"][0]["ModelName"])


# ---------------------------------------------------------------------------------- long rollouts --
def test_three_hour_linear_rollout_succeeds_through_callbacks(
    registry: Any, session: Any, clock: Any, sim: Any
) -> None:
    """GIVEN an endpoint of the type and an update whose linear rollout bakes 4 x 45 minutes
    WHEN CloudFormation runs the update handler with its callbacks
    THEN it succeeds after more than three hours, far beyond a custom resource's hour, on the new
    config, and every wait was an IN_PROGRESS event carrying only the journal key and token."""
    sm = session.client("sagemaker")
    created = registry.create("Classifier", props())
    assert created.ok, created.message

    # The custom resource could not carry it: its request has at most 3600 s.
    with pytest.raises(PropertyError, match="3600 s time limit"):
        parse_endpoint_properties(stringify(props("model-a-v2")))

    updated = registry.update("Classifier", props("model-a-v2"), props())

    assert updated.ok, updated.message
    assert 3 * 3600 < updated.duration < HANDLER_TIMEOUT_MINUTES["update"] * 60
    assert model_of(sm) == "model-a-v2"
    assert updated.model is not None and updated.model["EndpointConfigName"] == running_config(sm)
    waits = updated.events[:-1]
    assert waits and all(e["status"] == "IN_PROGRESS" for e in waits)
    for event in waits:
        assert set(event["callbackContext"]) == {CONTINUATION_KEY}
        assert set(event["callbackContext"][CONTINUATION_KEY]) == {"key", "token"}
        assert 1 <= event["callbackDelaySeconds"] <= 900
    # Callbacks follow the rollout's timeline (issue 23), not a busy loop: a few per 45-minute bake.
    assert updated.invocations < 40
    config = updated.model["EndpointConfigName"]
    settled = next(
        t.time for t in sim.history("classifier") if t.status == "InService" and t.config == config
    )
    assert updated.finished - settled <= 30  # the end of the last bake is known: SUCCESS at once


def test_alarm_in_last_step_rolls_back_then_cloudformation_rolls_the_stack_back(
    registry: Any, session: Any, clock: Any, sim: Any
) -> None:
    """GIVEN a three-hour linear update
    WHEN the rollback alarm fires during its last step (after 100 % of traffic moved)
    THEN the update fails NotStabilized naming the alarm, the endpoint is back on its old config,
    AND CloudFormation's rollback (an update back to the previous properties) succeeds without a
    rollout and leaves no config of the failed update behind."""
    sm = session.client("sagemaker")
    cw = session.client("cloudwatch")
    assert registry.create("Classifier", props()).ok
    old_config = running_config(sm)
    # 300 s provisioning, then traffic moves 25 % every 2700 s: the last step starts at 8400 s.
    clock.call_later(
        10_000, lambda: cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="test")
    )

    failed = registry.update("Classifier", props("model-a-v2"), props())

    assert failed.status == "FAILED"
    assert failed.error_code == "NotStabilized"
    assert failed.message.startswith(f"Rolled back: alarm {ALARM} fired"), failed.message
    assert failed.duration > 10_000
    assert running_config(sm) == old_config

    cw.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="test")
    updates_before = sim.calls["UpdateEndpoint"]
    rolled_back = registry.update("Classifier", props(), props("model-a-v2"))

    assert rolled_back.ok, rolled_back.message
    assert sim.calls["UpdateEndpoint"] == updates_before  # already on the previous config
    assert running_config(sm) == old_config
    configs = [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]]
    assert configs == [old_config]


# -------------------------------------------------------------------------------- killed invocation --
@pytest.mark.parametrize(
    ("service", "operation", "skip"),
    [
        ("sagemaker", "UpdateEndpoint", 0),  # the change is issued, the process dies before its event
        ("dynamodb", "UpdateItem", 6),  # mid-journal: a lease or a token moved on
        ("sagemaker", "DescribeEndpoint", 5),  # while polling
    ],
)
def test_invocation_killed_between_callbacks_resumes_safely(
    registry: Any, session: Any, sim: Any, service: str, operation: str, skip: int
) -> None:
    """GIVEN an update of the type
    WHEN one handler invocation dies after an AWS call (its event is never returned) and
    CloudFormation delivers the same request or callback context again
    THEN the update still succeeds, SageMaker's update was issued exactly once."""
    sm = session.client("sagemaker")
    assert registry.create("Classifier", props(wait=300, kind="CANARY")).ok
    updates = sim.calls["UpdateEndpoint"]
    registry.kill_after(service, operation, skip=skip)

    updated = registry.update(
        "Classifier", props("model-a-v2", wait=300, kind="CANARY"), props(wait=300, kind="CANARY")
    )

    assert updated.killed == 1
    assert updated.ok, updated.message
    assert sim.calls["UpdateEndpoint"] == updates + 1
    assert model_of(sm) == "model-a-v2"


# ------------------------------------------------------------------------------------------ drift --
def test_read_reports_out_of_band_weight_change_as_drift(registry: Any, session: Any, clock: Any) -> None:
    """GIVEN an endpoint created by the type
    WHEN someone changes a variant's weight outside CloudFormation
    THEN the read handler (what drift detection compares) returns the live weight."""
    sm = session.client("sagemaker")
    desired = props(wait=300, kind="CANARY")
    created = registry.create("Classifier", desired)
    assert created.ok
    before = registry.read(created.model)
    assert before["resourceModel"]["ProductionVariants"][0]["InitialVariantWeight"] == 1.0

    sm.update_endpoint_weights_and_capacities(
        EndpointName="classifier",
        DesiredWeightsAndCapacities=[{"VariantName": "model-a", "DesiredWeight": 3.0}],
    )
    clock.advance(600)

    after = registry.read(created.model)
    assert after["status"] == "SUCCESS"
    variant = after["resourceModel"]["ProductionVariants"][0]
    assert variant["InitialVariantWeight"] == 3.0  # differs from the template's 1.0: drift
    assert variant["InstanceType"] == "ml.c5.xlarge" and variant["InitialInstanceCount"] == 4


def test_read_counts_autoscaling_within_its_range_as_no_drift(registry: Any, session: Any, sim: Any) -> None:
    """GIVEN an endpoint of the type whose variant autoscales between 2 and 6 instances
    WHEN autoscaling moves it to 6, then the count leaves that range (out of band, to 8)
    THEN read reports the template's count for the first (no drift) and 8 for the second."""
    desired = props(wait=300, kind="CANARY")
    created = registry.create("Classifier", desired)
    assert created.ok
    session.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/classifier/variant/model-a",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=2,
        MaxCapacity=6,
    )

    sim.set_variant_capacity("classifier", "model-a", 6)
    assert registry.read(created.model)["resourceModel"]["ProductionVariants"][0]["InitialInstanceCount"] == 4
    sim.set_variant_capacity("classifier", "model-a", 8)
    assert registry.read(created.model)["resourceModel"]["ProductionVariants"][0]["InitialInstanceCount"] == 8


# ------------------------------------------------------------------------------ contract checks --
def test_create_then_read_returns_what_was_created(registry: Any) -> None:
    """Handler contract: read after create returns the created properties (write-only ones aside)."""
    desired = props(wait=300, kind="CANARY", Tags=[{"Key": "team", "Value": "ml"}])
    created = registry.create("Classifier", desired)
    assert created.ok, created.message
    assert created.model is not None and created.model["EndpointName"] == "classifier"

    read = registry.read({"EndpointName": "classifier"})

    assert read["status"] == "SUCCESS"
    assert contains(read["resourceModel"], readable(desired)), read["resourceModel"]
    assert read["resourceModel"]["EndpointArn"] == created.model["EndpointArn"]
    assert read["resourceModel"]["EndpointConfigName"] == created.model["EndpointConfigName"]


def test_delete_then_read_is_not_found_and_list_follows(registry: Any, session: Any) -> None:
    """Handler contract: list finds what exists (only endpoints the provider manages); after delete,
    read answers NotFound, list no longer finds it, and another delete answers NotFound."""
    sm = session.client("sagemaker")
    sm.create_endpoint_config(
        EndpointConfigName="someone-elses",
        ProductionVariants=[
            {
                "VariantName": "a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="someone-elses", EndpointConfigName="someone-elses")
    created = registry.create("Classifier", props(wait=300, kind="CANARY"))
    assert created.ok
    assert registry.list_models() == [{"EndpointName": "classifier"}]

    deleted = registry.delete("Classifier", created.model)

    assert deleted.ok, deleted.message
    read = registry.read({"EndpointName": "classifier"})
    assert (read["status"], read["errorCode"]) == ("FAILED", "NotFound")
    assert registry.list_models() == []
    again = registry.delete("Classifier", created.model)
    assert (again.status, again.error_code) == ("FAILED", "NotFound")


def test_create_of_an_existing_endpoint_fails_already_exists_untouched(
    registry: Any, session: Any, sim: Any
) -> None:
    """Handler contract: a create whose endpoint exists fails AlreadyExists before any change."""
    sm = session.client("sagemaker")
    sm.create_endpoint_config(
        EndpointConfigName="theirs",
        ProductionVariants=[
            {
                "VariantName": "a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="classifier", EndpointConfigName="theirs")
    mutations = sum(sim.calls[op] for op in ("CreateEndpointConfig", "UpdateEndpoint", "AddTags"))

    created = registry.create("Classifier", props(wait=300, kind="CANARY"))

    assert (created.status, created.error_code) == ("FAILED", "AlreadyExists")
    assert "EndpointName" in created.message
    assert sum(sim.calls[op] for op in ("CreateEndpointConfig", "UpdateEndpoint", "AddTags")) == mutations


@pytest.mark.parametrize(
    ("action", "properties", "configuration", "code", "named"),
    [
        ("UPDATE", props(wait=300, kind="CANARY"), None, "NotFound", "EndpointName"),
        ("CREATE", {**props(), "ProductionVariants": []}, None, "InvalidRequest", "ProductionVariants"),
        ("CREATE", props(), {}, "InvalidTypeConfiguration", "JournalTableName"),
    ],
)
def test_refusals_name_the_property(
    registry: Any, action: str, properties: dict[str, Any], configuration: Any, code: str, named: str
) -> None:
    """An update of a missing endpoint, invalid properties and a missing type configuration fail
    with the contract's error code and a reason naming what to fix."""
    previous = properties if action == "UPDATE" else None
    result = registry.operation(action, "Classifier", properties, previous, type_configuration=configuration)
    assert (result.status, result.error_code) == ("FAILED", code)
    assert named in result.message


def test_handler_timeout_is_enforced(registry: Any, sim: Any) -> None:
    """GIVEN a create handler whose timeout is shorter than SageMaker takes
    THEN CloudFormation (the driver) fails the operation at the timeout, and the schema gives
    create and update CloudFormation's maximum, 2160 minutes."""
    assert HANDLER_TIMEOUT_MINUTES["create"] == HANDLER_TIMEOUT_MINUTES["update"] == 2160
    assert registry.schema["handlers"]["update"]["timeoutInMinutes"] == 2160
    sim.set_timings(create=3 * 3600.0)
    registry.schema["handlers"]["create"]["timeoutInMinutes"] = 60

    result = registry.create("Classifier", props(wait=300, kind="CANARY"))

    assert result.status == "FAILED" and "timed out" in result.message
    assert 3600 <= result.duration < 3600 + 400


# ------------------------------------------------------------------------------ the project files --
def test_schema_handlers_and_execution_role_agree() -> None:
    """Every handler permission is granted by resource-role.yaml, and the schema's handler lists are
    the runtime's table."""
    from sagemaker_rollout_tools import cfn_yaml

    schema = json.loads((REGISTRY / "sagemakerrollout-sagemaker-endpoint.json").read_text())
    for name, permissions in HANDLER_PERMISSIONS.items():
        assert schema["handlers"][name]["permissions"] == sorted(set(permissions))
    role = cfn_yaml.load((REGISTRY / "resource-role.yaml").read_text())
    granted = {
        action
        for policy in role["Resources"]["ExecutionRole"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    needed = {p for permissions in HANDLER_PERMISSIONS.values() for p in permissions}
    assert sorted(needed - granted) == []
    assert sorted(granted - needed) == []


def test_registry_lock_pins_what_the_tests_run() -> None:
    """The registry zip's lock (requirements.lock) pins the runtime and the CloudFormation CLI
    library at the versions the development environment, hence these tests, use."""
    import importlib.metadata
    import re

    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (REGISTRY / "requirements.lock").read_text(), re.M))
    assert "cloudformation-cli-python-lib" in pins and "crhelper" in pins
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name
