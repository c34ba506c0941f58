"""The demo's miniature CloudFormation: CloudFormation's rules for the SageMaker types it models.

Each test deploys rendered templates through :class:`SimulatedStack` in the simulated account (moto
and the SageMaker simulator) and asserts what SageMaker holds afterwards.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sagemaker_rollout_testing.demo import DemoWorld, StackError, simulated_account

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
}


def template(
    *,
    revision: str = "1",
    endpoint_name: str | None = "demo-endpoint",
    model_name: str | None = None,
    config_name: str | None = None,
    policies: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A plain model + endpoint config + endpoint, with resources the demo does not simulate."""
    model: dict[str, Any] = {
        "ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        "PrimaryContainer": {
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1",
            "ContainerHostname": "main",
            "Environment": {
                "WORKERS": 10,
                "METRICS": True,
                "REVISION": revision,
                "API_ROOT": {"Fn::GetAtt": ["Api", "RootResourceId"]},
            },
        },
    }
    if model_name:
        model["ModelName"] = model_name
    config: dict[str, Any] = {
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1,
            }
        ]
    }
    if config_name:
        config["EndpointConfigName"] = config_name
    endpoint: dict[str, Any] = {"EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}}
    if endpoint_name:
        endpoint["EndpointName"] = endpoint_name
    resources: dict[str, Any] = {
        "Role": ROLE,
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "Model": {"Type": "AWS::SageMaker::Model", "Properties": model},
        "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": config},
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": endpoint},
    }
    for logical_id, policy in (policies or {}).items():
        resources[logical_id].update({"DeletionPolicy": policy, "UpdateReplacePolicy": policy})
    return {"Resources": copy.deepcopy(resources)}


@pytest.fixture
def world() -> Any:
    with simulated_account("stack-test") as world:
        yield world


def configs(world: DemoWorld) -> list[str]:
    listed = world.client("sagemaker").list_endpoint_configs()["EndpointConfigs"]
    return sorted(c["EndpointConfigName"] for c in listed)


def test_values_are_converted_and_opaque_attributes_resolve(world: DemoWorld) -> None:
    # GIVEN Environment values that are a number, a boolean and an attribute of a resource the demo
    # does not simulate (API Gateway's RootResourceId)
    outcome = world.stack.deploy(template(), {})
    # THEN the stack is created and SageMaker holds the strings CloudFormation would send
    assert outcome.ok, outcome.reason
    model = world.stack.resources["Model"].physical_id
    container = world.client("sagemaker").describe_model(ModelName=model)["PrimaryContainer"]
    assert container["Environment"]["WORKERS"] == "10"
    assert container["Environment"]["METRICS"] == "true"
    assert container["Environment"]["API_ROOT"].endswith("-RootResourceId")
    described = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    assert described["EndpointStatus"] == "InService"
    # Ref of AWS::SageMaker::Endpoint is the ARN
    assert world.stack.resources["Endpoint"].ref_value == described["EndpointArn"]


def test_new_model_replaces_model_and_config_and_updates_endpoint_in_place(world: DemoWorld) -> None:
    assert world.stack.deploy(template(), {}).ok
    arn = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")["EndpointArn"]
    old_config = world.stack.resources["Config"].physical_id
    updates = world.sim.calls["UpdateEndpoint"]
    # WHEN the model changes (generated names)
    outcome = world.stack.deploy(template(revision="2"), {})
    # THEN one UpdateEndpoint moves the same endpoint to a new config; the old config is deleted
    assert outcome.ok, outcome.reason
    described = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    assert world.sim.calls["UpdateEndpoint"] == updates + 1
    assert described["EndpointArn"] == arn
    assert described["EndpointConfigName"] == world.stack.resources["Config"].physical_id != old_config
    assert configs(world) == [described["EndpointConfigName"]]


def test_replacing_a_fixed_model_name_fails_the_update_and_rolls_back(world: DemoWorld) -> None:
    assert world.stack.deploy(template(model_name="fixed-model"), {}).ok
    before = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    # WHEN the model changes but keeps its custom name
    outcome = world.stack.deploy(template(model_name="fixed-model", revision="2"), {})
    # THEN CloudFormation's refusal fails the update, nothing is rolled out
    assert not outcome.ok and outcome.failed_resource == "Model"
    assert "CloudFormation cannot update a stack when a custom-named resource requires replacing" in str(
        outcome.reason
    )
    after = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    assert after["EndpointConfigName"] == before["EndpointConfigName"]
    environment = world.client("sagemaker").describe_model(ModelName="fixed-model")["PrimaryContainer"]
    assert environment["Environment"]["REVISION"] == "1"


def test_a_new_fixed_name_is_a_replacement_cloudformation_accepts(world: DemoWorld) -> None:
    assert world.stack.deploy(template(model_name="model-1"), {}).ok
    outcome = world.stack.deploy(template(model_name="model-2", revision="2"), {})
    assert outcome.ok, outcome.reason
    names = [m["ModelName"] for m in world.client("sagemaker").list_models()["Models"]]
    assert names == ["model-2"]


def test_endpoint_name_change_replaces_the_endpoint(world: DemoWorld) -> None:
    assert world.stack.deploy(template(endpoint_name="first"), {}).ok
    outcome = world.stack.deploy(template(endpoint_name="second"), {})
    assert outcome.ok, outcome.reason
    assert world.sim.endpoint_status("second") == "InService"
    assert world.sim.endpoint_status("first") is None


def test_retained_pair_is_left_in_aws_and_removed_from_the_stack(world: DemoWorld) -> None:
    # GIVEN the config and endpoint marked Retain (the migration's stage 1)
    retained = template(policies={"Config": "Retain", "Endpoint": "Retain"})
    assert world.stack.deploy(template(), {}).ok
    assert world.stack.deploy(retained, {}).ok
    arn = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")["EndpointArn"]
    # WHEN a template without them is deployed
    without = copy.deepcopy(retained)
    del without["Resources"]["Config"], without["Resources"]["Endpoint"]
    outcome = world.stack.deploy(without, {})
    # THEN they are no longer stack resources, but the endpoint and its config still exist
    assert outcome.ok, outcome.reason
    assert "Endpoint" not in world.stack.resources and "Config" not in world.stack.resources
    described = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    assert described["EndpointArn"] == arn and described["EndpointStatus"] == "InService"
    assert configs(world) == [described["EndpointConfigName"]]
    # AND deleting the stack leaves them too
    assert world.stack.delete().ok
    assert world.sim.endpoint_status("demo-endpoint") == "InService"


def test_update_replace_policy_retain_keeps_the_replaced_config(world: DemoWorld) -> None:
    assert world.stack.deploy(template(policies={"Config": "Retain"}), {}).ok
    old = world.stack.resources["Config"].physical_id
    assert world.stack.deploy(template(revision="2", policies={"Config": "Retain"}), {}).ok
    assert old in configs(world) and len(configs(world)) == 2


def test_changing_a_resource_type_is_refused(world: DemoWorld) -> None:
    assert world.stack.deploy(template(), {}).ok
    changed = template()
    changed["Resources"]["Api"]["Type"] = "AWS::ApiGateway::Stage"
    outcome = world.stack.deploy(changed, {})
    assert not outcome.ok and "Update of resource type is not permitted" in str(outcome.reason)


def test_properties_that_are_not_a_mapping_are_a_template_error(world: DemoWorld) -> None:
    """Found by the fuzz (tests/fuzz): ``Properties: !Ref AWS::NoValue`` was a TypeError."""
    broken = template()
    broken["Resources"]["Model"]["Properties"] = {"Ref": "AWS::NoValue"}
    with pytest.raises(StackError, match=r"Resources\.Model\.Properties must be a mapping"):
        world.stack.deploy(broken, {})


def test_stage2_as_cloudformation_runs_it(world: DemoWorld) -> None:
    """GIVEN a deployed pair with DeletionPolicy Retain and an alarm on the endpoint's name WHEN a
    template without the pair is deployed, with a resource under a new logical id and the alarm's
    reference rewritten to it (the same value) THEN, as CloudFormation documents it
    (docs/migrating.md, "What CloudFormation does at stage 2"): the new resource is created first,
    the alarm is not updated (its properties resolve to the same values), and in the cleanup phase
    the retained pair leaves the stack but stays in AWS; the stack reports each status on the way
    to DescribeStacks."""
    alarm = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": "demo-5xx",
            "Namespace": "AWS/SageMaker",
            "MetricName": "Invocation5XXErrors",
            "Dimensions": [{"Name": "EndpointName", "Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}}],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
    }
    first = template(policies={"Endpoint": "Retain", "Config": "Retain"})
    first["Resources"]["Alarm"] = alarm
    assert world.stack.deploy(first, {}).ok
    endpoint = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    alarm_arn = world.stack.resources["Alarm"].attributes["Arn"]
    statuses: list[str] = []
    original = world.driver.set_stack_status
    world.driver.set_stack_status = lambda status: (statuses.append(status), original(status))[1]
    events: list[str] = []
    world.stack.notify = lambda kind, text: events.append(text)
    # the stage-2 shape, with an opaque stand-in for the adopting resource (named after the endpoint)
    second = copy.deepcopy(first)
    del second["Resources"]["Endpoint"], second["Resources"]["Config"]
    second["Resources"]["EndpointRollout"] = {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "x"}}
    second["Resources"]["Alarm"]["Properties"]["Dimensions"][0]["Value"] = "demo-endpoint"
    calls_before = world.sim.calls["DeleteEndpoint"]
    outcome = world.stack.deploy(second, {})
    assert outcome.ok, outcome.reason
    created = next(i for i, e in enumerate(events) if e.startswith("EndpointRollout"))
    removed = next(
        i for i, e in enumerate(events) if "retained (DeletionPolicy: Retain), removed from the stack" in e
    )
    assert created < removed  # creates first, removals in the cleanup phase
    assert statuses == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"]
    assert not any(e.startswith("Alarm") for e in events)  # same values: not updated
    assert world.stack.resources["Alarm"].attributes["Arn"] == alarm_arn
    assert "Endpoint" not in world.stack.resources and "Config" not in world.stack.resources
    assert world.sim.calls["DeleteEndpoint"] == calls_before
    described = world.client("sagemaker").describe_endpoint(EndpointName="demo-endpoint")
    assert described["EndpointArn"] == endpoint["EndpointArn"] and described["EndpointStatus"] == "InService"
