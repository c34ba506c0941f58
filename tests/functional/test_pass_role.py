"""PassRole narrowed (issue 13): an ExecutionRoleArn the role may not pass is refused before any change."""

from __future__ import annotations

from world import World

ADMIN = "arn:aws:iam::123456789012:role/Admin"


def test_pass_role_pattern_reaches_the_function_from_the_template(world: World) -> None:
    # GIVEN the driver built from template.yaml WHEN the function's environment is read
    # THEN the PassRole pattern is the parameter's default, for this account and partition
    assert world.driver.environment["SAGEMAKER_ROLLOUT_PASSABLE_ROLES"] == (
        "arn:aws:iam::123456789012:role/*SageMaker*"
    )


def test_pass_role_execution_role_outside_the_pattern_fails_before_any_change(world: World) -> None:
    # GIVEN a Create whose endpoint config would hand SageMaker an administrator role
    before = world.mutations()
    # WHEN the provider handles it
    response = world.driver.create(world.props(ExecutionRoleArn=ADMIN), logical_id="Classifier")
    # THEN it fails with one line naming ExecutionRoleArn and the allowed pattern, having changed nothing
    assert response.status == "FAILED"
    assert "ExecutionRoleArn" in response.reason and "*SageMaker*" in response.reason, response.reason
    assert world.mutations() == before and world.configs() == []


def test_pass_role_execution_role_inside_the_pattern_is_used(world: World) -> None:
    # GIVEN the account's SageMaker execution role WHEN created THEN the provider proceeds
    response = world.driver.create(
        world.props(ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMakerRole"), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
