"""Derived names and worst-case rollout estimates."""

from __future__ import annotations

import re

import pytest
from sagemaker_rollout.naming import config_name, default_endpoint_name, stack_name_of
from sagemaker_rollout.spec import estimate_rollout

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


def test_config_name_fits_and_carries_digest() -> None:
    name = config_name("e" * 63, "abcdef0123456789")
    assert len(name) <= 63 and name.endswith("-abcdef012345") and NAME.fullmatch(name)


def test_stack_name_of_arn() -> None:
    assert stack_name_of(STACK.format("prod")) == "prod"


@pytest.mark.parametrize(
    ("config", "variants", "strategy", "worst"),
    [
        ({}, [], "AllAtOnce (no guardrails)", 900),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600},
                    "TerminationWaitInSeconds": 120,
                }
            },
            [],
            "AllAtOnce",
            600 + 600 + 120 + 300,
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
            600 + 4 * 100 + 300,
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                    "WaitIntervalInSeconds": 60,
                }
            },
            [{"VariantName": "a", "InstanceType": "ml.c5.large", "InitialInstanceCount": 6}],
            "Rolling",
            3 * 660 + 300,
        ),
    ],
    ids=["no-guardrails", "all-at-once", "linear-4-steps", "rolling-3-batches"],
)
def test_estimate_rollout_worst_case(config: dict, variants: list, strategy: str, worst: int) -> None:  # type: ignore[type-arg]
    estimate = estimate_rollout(config, variants)
    assert estimate.strategy == strategy
    assert estimate.worst_case_seconds == worst
