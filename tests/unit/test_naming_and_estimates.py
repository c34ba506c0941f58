"""Derived names and worst-case rollout estimates."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sagemaker_rollout.naming import config_name, default_endpoint_name, stack_name_of
from sagemaker_rollout.spec import estimate_create, estimate_rollout

NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/0f1e2d3c-aaaa-bbbb-cccc-000000000000"


@pytest.mark.parametrize(
    ("stack", "logical"),
    [("prod", "Classifier"), ("a" * 128, "Endpoint"), ("my_stack--x", "E"), ("s", "L" * 255)],
    ids=["short", "long-stack", "odd-chars", "long-logical-id"],
)
def test_default_endpoint_name_valid_and_deterministic(stack: str, logical: str) -> None:
    # GIVEN a stack id and logical id WHEN the name is derived twice
    first = default_endpoint_name(STACK.format(stack), logical)
    second = default_endpoint_name(STACK.format(stack).replace("0f1e", "9999"), logical)
    # THEN it is valid for SageMaker and depends on stack name and logical id only
    assert NAME.fullmatch(first), first
    assert len(first) <= 63
    assert first == second


def test_default_endpoint_name_long_names_stay_distinct() -> None:
    a = default_endpoint_name(STACK.format("x" * 100), "EndpointA")
    b = default_endpoint_name(STACK.format("x" * 100), "EndpointB")
    assert a != b


def test_config_name_fits_and_depends_on_endpoint_and_content() -> None:
    name = config_name("e" * 63, "abcdef0123456789")
    assert len(name) <= 63 and NAME.fullmatch(name)
    assert name == config_name("e" * 63, "abcdef0123456789")  # same content, same name
    assert name != config_name("e" * 63, "abcdef0123456780")  # other content
    assert name != config_name("e" * 62, "abcdef0123456789")  # other endpoint, same first 50 chars


def test_stack_name_of_arn() -> None:
    assert stack_name_of(STACK.format("prod")) == "prod"


FLEET = 300 + 600 + 480  # launch allowance + download allowance + SageMaker's 8-minute health check
ROLLBACK = 300
INSTANCES = [{"VariantName": "a", "InstanceType": "ml.c5.large", "InitialInstanceCount": 6}]


@pytest.mark.parametrize(
    ("config", "variants", "strategy", "worst"),
    [
        ({}, [], "AllAtOnce (no guardrails)", FLEET + ROLLBACK),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600},
                    "TerminationWaitInSeconds": 120,
                }
            },
            [],
            "AllAtOnce",
            FLEET + 600 + 120 + ROLLBACK,
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "LINEAR",
                        "WaitIntervalInSeconds": 100,
                        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                    }
                }
            },
            [],
            "Linear",
            FLEET + 4 * 100 + ROLLBACK,
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                    "WaitIntervalInSeconds": 60,
                }
            },
            INSTANCES,
            "Rolling",
            3 * (FLEET + 60) + ROLLBACK,
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": 300,
                        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    }
                }
            },
            [
                {"VariantName": "a", "ModelDataDownloadTimeoutInSeconds": 900},
                {"VariantName": "b", "ContainerStartupHealthCheckTimeoutInSeconds": 120},
            ],
            "Canary",
            300 + 900 + 480 + 2 * 300 + ROLLBACK,
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600},
                    "MaximumExecutionTimeoutInSeconds": 1200,
                }
            },
            [],
            "AllAtOnce",
            1200 + ROLLBACK,
        ),
    ],
    ids=[
        "no-guardrails",
        "all-at-once-final-bake",
        "linear-4-steps",
        "rolling-3-batches-each-provisioned",
        "canary-slowest-variant-timeouts",
        "capped-by-execution-timeout",
    ],
)
def test_estimate_rollout_worst_case_is_the_sum_of_its_parts(
    config: dict[str, Any], variants: list[dict[str, Any]], strategy: str, worst: int
) -> None:
    # GIVEN a deployment config and variants WHEN the rollout is estimated
    estimate = estimate_rollout(config, variants)
    # THEN the worst case counts launch, download and health-check timeouts (or their defaults),
    # every bake including the final one, the termination wait and a rollback, and shows its parts
    assert estimate.strategy == strategy
    assert estimate.worst_case_seconds == worst
    assert sum(seconds for _, seconds in estimate.parts) == worst
    assert len(estimate.part_paths) == len(estimate.parts)


def test_estimate_parts_name_timeouts_and_defaults() -> None:
    # GIVEN one variant with a download timeout and none for the health check
    estimate = estimate_rollout({}, [{"VariantName": "a", "ModelDataDownloadTimeoutInSeconds": 1200}])
    parts = dict(estimate.parts)
    # THEN the parts say where each figure comes from
    assert parts["download the model, ModelDataDownloadTimeoutInSeconds 1200 s"] == 1200
    assert parts["pass the container health check, not set: SageMaker's 8-minute default"] == 480
    assert estimate.dominant() == (
        "download the model, ModelDataDownloadTimeoutInSeconds 1200 s",
        1200,
        "ProductionVariants[0].ModelDataDownloadTimeoutInSeconds",
    )


def test_estimate_create_has_no_update_steps() -> None:
    # GIVEN a create WHEN estimated THEN provisioning only: no traffic shifting, bakes or rollback
    estimate = estimate_create([{"VariantName": "a", "ContainerStartupHealthCheckTimeoutInSeconds": 600}])
    assert estimate.strategy == "Create"
    assert estimate.worst_case_seconds == 300 + 600 + 600
    assert not any("bake" in step or "shift" in step or "roll" in step for step in estimate.steps)
