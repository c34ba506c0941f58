"""``SmokeTest``'s rules (contract section 9): one-line refusals, where it runs, the mixed-fleet rule."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout.spec import PropertyError
from sagemaker_rollout.spec.smoke import (
    DEFAULT_COUNT,
    SmokeTest,
    calls_to_reach,
    function_allowed,
    parse_smoke_test,
    smoke_bakes,
)
from sagemaker_rollout.spec.timeline import update_timeline

ARN = "arn:aws:lambda:us-east-1:123456789012:function:smoke-check"
VARIANTS = [{"VariantName": "a", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 4}]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("yes", "SmokeTest: must be an object: FunctionArn or Invoke, and optionally Count"),
        ({}, "SmokeTest: needs exactly one of FunctionArn (a Lambda) and Invoke (InvokeEndpoint)"),
        ({"FunctionArn": ARN, "Invoke": {"Body": "{}"}}, "SmokeTest: needs exactly one of"),
        (
            {"Invoke": {"Body": "{}"}, "Retries": 2},
            "SmokeTest.Retries: unknown; allowed: FunctionArn, Invoke, Count",
        ),
        ({"Invoke": {}}, "SmokeTest.Invoke.Body: is required"),
        ({"Invoke": {"Body": 3}}, "SmokeTest.Invoke.Body: 3 must be a string"),
        (
            {"Invoke": {"Body": "{}", "ExpectStatus": 42}},
            "SmokeTest.Invoke.ExpectStatus: 42 must be a whole number from 100 to 599",
        ),
        (
            {"Invoke": {"Body": "{}"}, "Count": "0"},
            "SmokeTest.Count: '0' must be a whole number from 1 to 100",
        ),
        ({"FunctionArn": "smoke-check"}, "SmokeTest.FunctionArn: 'smoke-check' is not a Lambda function ARN"),
    ],
)
def test_a_bad_smoke_test_is_refused_in_one_line_naming_the_property(raw: Any, message: str) -> None:
    # GIVEN a SmokeTest a user may write  WHEN it is parsed
    # THEN the reason is one line naming the property and what is allowed
    with pytest.raises(PropertyError) as caught:
        parse_smoke_test(raw, function_pattern="smoke-*")
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_values_arrive_as_strings_from_cloudformation() -> None:
    # GIVEN a custom resource's properties (CloudFormation sends every scalar as a string)
    parsed = parse_smoke_test({"Invoke": {"Body": "{}", "ExpectStatus": "204"}, "Count": "5"})
    # THEN they are typed
    assert parsed == SmokeTest(body="{}", expect_status=204, count=5)
    assert parse_smoke_test({"Invoke": {"Body": "{}"}}) == SmokeTest(body="{}", count=DEFAULT_COUNT)


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [("", False), ("smoke-*", True), ("smoke-?heck", True), ("other-*", False), ("*", True)],
)
def test_only_functions_matching_the_stack_pattern_may_be_named(pattern: str, allowed: bool) -> None:
    assert function_allowed(ARN, pattern) is allowed
    if not allowed:
        with pytest.raises(PropertyError, match="is not a function this provider may invoke"):
            parse_smoke_test({"FunctionArn": ARN}, function_pattern=pattern)


@pytest.mark.parametrize(("share", "needed"), [(1.0, 1), (0.5, 5), (0.25, 11), (0.1, 29), (0.05, 59)])
def test_calls_needed_to_reach_a_share_of_the_fleet_with_95_percent(share: float, needed: int) -> None:
    # THEN needed calls reach it with >= 95 %, one fewer does not
    assert calls_to_reach(share) == needed
    assert 1 - (1 - share) ** needed >= 0.95
    if needed > 1:
        assert 1 - (1 - share) ** (needed - 1) < 0.95


def test_where_a_smoke_test_runs_on_a_canary_linear_and_rolling_timeline() -> None:
    canary = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 25},
            },
            "TerminationWaitInSeconds": 600,
        }
    }
    bakes = smoke_bakes(update_timeline(canary, VARIANTS).parts, 3)
    # the canary bake (25 %: 11 calls needed) is skipped with 3 calls; the final bake runs; the
    # termination wait is not a watched bake
    assert [(b.name, b.share, b.runs) for b in bakes] == [
        ("bake the canary", 0.25, False),
        ("final bake", 1.0, True),
    ]
    assert [b.runs for b in smoke_bakes(update_timeline(canary, VARIANTS).parts, 11)] == [True, True]
    linear = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "WaitIntervalInSeconds": 60,
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            }
        }
    }
    assert [(b.share, b.mixed) for b in smoke_bakes(update_timeline(linear, VARIANTS).parts, 5)] == [
        (0.5, True),
        (1.0, False),
    ]
    rolling = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 120,
        }
    }
    shares = [b.share for b in smoke_bakes(update_timeline(rolling, VARIANTS).parts, 3)]
    assert shares == [0.25, 0.5, 0.75, 1.0]


def test_invoke_is_refused_on_an_asynchronous_endpoint() -> None:
    # GIVEN an asynchronous endpoint (invoked with InvokeEndpointAsync)
    from sagemaker_rollout.spec import parse_endpoint_properties

    props = {
        "ProductionVariants": [
            {"VariantName": "a", "ModelName": "m", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 1}
        ],
        "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://bucket/out"}},
    }
    # WHEN it carries an Invoke smoke test THEN it is refused naming the property; FunctionArn is allowed
    with pytest.raises(PropertyError, match=r"^SmokeTest\.Invoke: an asynchronous endpoint"):
        parse_endpoint_properties({**props, "SmokeTest": {"Invoke": {"Body": "{}"}}})
    spec = parse_endpoint_properties({**props, "SmokeTest": {"FunctionArn": ARN}}, smoke_functions="smoke-*")
    assert spec.smoke_test is not None and spec.smoke_test.function_arn == ARN
