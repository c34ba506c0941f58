"""May SageMaker read the brake? Checked with IAM's policy simulation before a braked rollout (issue 24).

SageMaker reads rollback alarms with the endpoint's execution role (developer guide, "Auto-Rollback
Configuration and Monitoring"); before a guarded rollout that carries the provider's brake changes
anything, the provider asks IAM (SimulatePrincipalPolicy, which the test kit answers from the
role's policies in moto: ``sagemaker_rollout_testing.simulator.iam``) whether the config's
``ExecutionRoleArn`` may ``cloudwatch:DescribeAlarms`` the brake (``rollout/brake_role.py``).
Every provider call is decided against its IAM role (the functional suites' audit).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from world import ROLE, World

from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX

ALARM_READER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def _execution_role(world: World, policy: dict[str, Any] | None) -> str:
    """The world's execution role (``ROLE``) in moto's IAM, with ``policy`` inline (None: no policy)."""
    iam = world.session.client("iam")
    name = ROLE.rsplit("/", 1)[1]
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"])
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="policy", PolicyDocument=json.dumps(policy))
    assert arn == ROLE
    return arn


def _created(world: World) -> tuple[dict[str, Any], str]:
    before = world.props(ExecutionRoleArn=ROLE)
    response = world.driver.create(before, logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    return before, world.endpoint()["EndpointConfigName"]


def _update(world: World, before: dict[str, Any], **extra: Any) -> Any:
    after = world.props("model-a-v2", ExecutionRoleArn=ROLE, **extra)
    return world.driver.update("classifier", after, before, logical_id="Classifier")


def _brakes(world: World) -> list[str]:
    alarms = world.cw.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"]
    return [a["AlarmName"] for a in alarms]


def _simulations(world: World) -> int:
    return world.faults.calls.count(("iam", "SimulatePrincipalPolicy"))


@pytest.mark.parametrize(
    ("policy", "decision"),
    [
        (None, "implicitDeny"),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    *ALARM_READER["Statement"],
                    {
                        "Effect": "Deny",
                        "Action": "cloudwatch:Describe*",
                        "Resource": f"arn:aws:cloudwatch:*:*:alarm:{BRAKE_ALARM_PREFIX}*",
                    },
                ],
            },
            "explicitDeny",
        ),
    ],
    ids=["no-permission", "denied-on-the-brake"],
)
def test_a_role_that_may_not_read_the_brake_fails_before_any_change(
    world: World, policy: dict[str, Any] | None, decision: str
) -> None:
    # GIVEN an endpoint whose config's execution role may not cloudwatch:DescribeAlarms the brake
    _execution_role(world, policy)
    before, old_config = _created(world)
    updates, configs = world.sim.calls["UpdateEndpoint"], world.configs()
    # WHEN a guarded rollout (a canary with a bake: it carries the provider's brake) is requested
    response = _update(world, before)
    # THEN it fails with one line naming the property, the role and what SageMaker needs
    assert response.status == "FAILED"
    assert response.reason.startswith(
        f"ExecutionRoleArn: role SageMakerRole may not cloudwatch:DescribeAlarms ({decision}), which "
        "SageMaker needs to see the rollback alarms (the provider's brake among them)"
    ), response.reason
    assert "\n" not in response.reason
    assert world.history()[0]["state"]["failure_code"] == "InvalidRequest"
    # AND nothing changed: no UpdateEndpoint, no new config, no brake alarm, the old config runs
    assert world.sim.calls["UpdateEndpoint"] == updates
    assert world.configs() == configs
    assert _brakes(world) == []
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert _simulations(world) == 1


def test_a_role_that_may_read_the_brake_rolls_out(world: World) -> None:
    # GIVEN an endpoint whose execution role may cloudwatch:DescribeAlarms on any alarm
    _execution_role(world, ALARM_READER)
    before, old_config = _created(world)
    # WHEN a guarded rollout is requested
    response = _update(world, before)
    # THEN IAM was asked once, the rollout went on with its brake, and it succeeded
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] != old_config
    assert _simulations(world) == 1
    state = world.history()[0]["state"]
    assert state["brake_reader"] == "allowed"
    assert not any("DescribeAlarms" in note for note in state["notes"]), state["notes"]


def test_access_denied_on_the_simulation_rolls_out_with_a_note(world: World) -> None:
    # GIVEN an execution role that may read alarms, and IAM refusing the provider's simulation
    _execution_role(world, ALARM_READER)
    before, old_config = _created(world)
    world.faults.error("iam", "SimulatePrincipalPolicy", "AccessDenied", "not authorized", status=403)
    # WHEN a guarded rollout is requested
    response = _update(world, before)
    # THEN the check could not be made: the rollout goes on, and the request's history says so
    assert response.status == "SUCCESS", response.reason
    assert world.endpoint()["EndpointConfigName"] != old_config
    state = world.history()[0]["state"]
    assert state["brake_reader"] == "unchecked"
    assert (
        "cloudwatch:DescribeAlarms of the brake not checked: SimulatePrincipalPolicy AccessDenied "
        "(SageMakerRole)" in state["notes"]
    ), state["notes"]


def test_a_role_iam_does_not_know_rolls_out_with_a_note(world: World) -> None:
    # GIVEN an execution role that does not exist in IAM (the check cannot be made)
    before, _ = _created(world)
    # WHEN a guarded rollout is requested
    response = _update(world, before)
    # THEN it goes on, noted
    assert response.status == "SUCCESS", response.reason
    notes = world.history()[0]["state"]["notes"]
    assert "cloudwatch:DescribeAlarms of the brake not checked: role not found (SageMakerRole)" in notes


def test_a_config_without_an_execution_role_rolls_out_without_asking(world: World) -> None:
    # GIVEN an endpoint whose config names no ExecutionRoleArn
    before = world.props()
    assert world.driver.create(before, logical_id="Classifier").status == "SUCCESS"
    # WHEN a guarded rollout is requested
    response = world.driver.update("classifier", world.props("model-a-v2"), before, logical_id="Classifier")
    # THEN IAM is not asked (no role to ask about); the rollout goes on, logged but not noted in the
    # answer (the common case: a note on every answer would say nothing to act on)
    assert response.status == "SUCCESS", response.reason
    assert _simulations(world) == 0
    assert world.history()[0]["state"]["brake_reader"]
    notes = " ".join(world.history()[0]["state"]["notes"])
    assert "not checked" not in notes and "not checked" not in response.reason, notes


def test_an_unguarded_rollout_does_not_ask(world: World) -> None:
    # GIVEN an endpoint whose rollouts carry no DeploymentConfig (no brake can stop them)
    _execution_role(world, None)
    before = world.props(ExecutionRoleArn=ROLE)
    del before["DeploymentConfig"]
    assert world.driver.create(before, logical_id="Classifier").status == "SUCCESS"
    after = world.props("model-a-v2", ExecutionRoleArn=ROLE)
    del after["DeploymentConfig"]
    # WHEN it rolls out
    response = world.driver.update("classifier", after, before, logical_id="Classifier")
    # THEN no brake, no question: the role's missing permission does not matter
    assert response.status == "SUCCESS", response.reason
    assert _simulations(world) == 0


# ---- the check can die after its call, be retried, or meet a 503 ---------------------------------


def test_killed_right_after_the_simulation_the_retry_finishes(world: World) -> None:
    # GIVEN an execution role that may read the brake, and the invocation dying right after IAM answered
    _execution_role(world, ALARM_READER)
    before, old_config = _created(world)
    world.faults.kill_after("iam", "SimulatePrincipalPolicy")
    # WHEN a guarded rollout is requested
    response = _update(world, before)
    # THEN Lambda's retry asks again (the answer died with the process: a read), rolls out once and
    # answers once
    assert response.status == "SUCCESS", response.reason
    assert world.faults.injected["kill"] == 1 and response.answers == 1
    assert _simulations(world) == 2
    assert world.sim.calls["UpdateEndpoint"] == 1
    assert world.endpoint()["EndpointConfigName"] != old_config
    assert world.history()[0]["state"]["brake_reader"] == "allowed"


def test_a_503_on_the_simulation_is_retried(world: World) -> None:
    # GIVEN an execution role that may not read the brake, and IAM answering 503 twice
    _execution_role(world, None)
    before, old_config = _created(world)
    world.faults.error("iam", "SimulatePrincipalPolicy", "ServiceUnavailable", times=2, status=503)
    # WHEN a guarded rollout is requested
    response = _update(world, before)
    # THEN the call is tried again and IAM's answer decides: refused, nothing changed
    assert world.faults.injected["error:ServiceUnavailable"] == 2
    assert _simulations(world) == 3
    assert response.status == "FAILED"
    assert response.reason.startswith(
        "ExecutionRoleArn: role SageMakerRole may not cloudwatch:DescribeAlarms"
    )
    assert world.endpoint()["EndpointConfigName"] == old_config
