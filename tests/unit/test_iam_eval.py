"""The test-kit IAM evaluator: each rule of the IAM user guide it implements, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout_testing.iam_eval import (
    AuthRequest,
    UnsupportedPolicyError,
    action_matches,
    arn_matches,
    condition_holds,
    evaluate,
    role_statements,
)

EP = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/classifier"


def _allow(action: Any = "sagemaker:*", resource: Any = "*", **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": "A", "Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


# -------------------------------------------------------------------------- evaluation logic --
def test_iam_eval_implicit_deny_without_a_matching_allow() -> None:
    # GIVEN no statement for the action WHEN evaluated THEN implicitly denied
    decision = evaluate([_allow("sagemaker:DescribeEndpoint")], AuthRequest("sagemaker:DeleteEndpoint", EP))
    assert decision.effect == "ImplicitDeny" and not decision.allowed


def test_iam_eval_explicit_deny_wins_over_allow_in_any_order() -> None:
    # GIVEN an Allow and a Deny for the same request, in both orders
    deny = {"Sid": "D", "Effect": "Deny", "Action": "sagemaker:DeleteEndpoint", "Resource": EP}
    for statements in ([_allow(), deny], [deny, _allow()]):
        # WHEN evaluated THEN the explicit deny decides
        decision = evaluate(statements, AuthRequest("sagemaker:DeleteEndpoint", EP))
        assert decision.effect == "ExplicitDeny" and decision.sid == "D"


def test_iam_eval_allow_names_the_first_matching_statement() -> None:
    decision = evaluate([_allow("s3:*"), _allow()], AuthRequest("sagemaker:DeleteEndpoint", EP))
    assert decision.allowed and decision.sid == "A"


# ----------------------------------------------------------------------------------- actions --
@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpoint", True),
        ("SageMaker:describeendpoint", "sagemaker:DescribeEndpoint", True),
        ("sagemaker:Describe*", "sagemaker:DescribeEndpointConfig", True),
        ("sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", False),
        ("sagemaker:Describe?ndpoint", "sagemaker:DescribeEndpoint", True),
        ("*", "lambda:InvokeFunction", True),
        ("sagemaker:*", "sagemaker-geospatial:GetTile", False),
    ],
)
def test_iam_eval_action_matching(pattern: str, action: str, matches: bool) -> None:
    assert action_matches(pattern, action) is matches


def test_iam_eval_not_action_matches_every_other_action() -> None:
    statement = {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}
    assert evaluate([statement], AuthRequest("sagemaker:DeleteEndpoint", EP)).allowed
    assert not evaluate([statement], AuthRequest("iam:PassRole", "*")).allowed


# --------------------------------------------------------------------------------- resources --
@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        ("*", EP, True),
        ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/*", EP, True),
        ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/ml-*", EP, False),
        ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/*", EP + "-config", True),
        ("arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/*", EP, False),
        ("arn:aws:sagemaker:*:123456789012:endpoint/classifier", EP, True),
        ("arn:aws:sagemaker:us-*:123456789012:endpoint/classifier", EP, True),
        ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/Classifier", EP, False),
        (
            "arn:aws:iam::123456789012:role/*SageMaker*",
            "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-X",
            True,
        ),
        ("arn:aws:iam::123456789012:role/*SageMaker*", "arn:aws:iam::123456789012:role/Admin", False),
        (
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*",
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b",
            True,
        ),
    ],
    ids=[
        "star",
        "prefix-star",
        "other-prefix",
        "star-crosses-slash",
        "other-resource-type",
        "region-wildcard",
        "partial-region-wildcard",
        "case-sensitive",
        "role-path",
        "role-outside-pattern",
        "alarm-name-with-colon",
    ],
)
def test_iam_eval_resource_matching(pattern: str, arn: str, matches: bool) -> None:
    assert arn_matches(pattern, arn) is matches


def test_iam_eval_not_resource_matches_every_other_resource() -> None:
    statement = {"Effect": "Allow", "Action": "sagemaker:*", "NotResource": EP}
    assert not evaluate([statement], AuthRequest("sagemaker:DeleteEndpoint", EP)).allowed
    assert evaluate([statement], AuthRequest("sagemaker:DeleteEndpoint", EP + "2")).allowed


# -------------------------------------------------------------------------------- conditions --
OWNED = {"aws:ResourceTag/sagemaker-rollout:managed-by": "sagemaker-rollout"}


@pytest.mark.parametrize(
    ("condition", "context", "holds"),
    [
        ({"StringEquals": {"aws:ResourceTag/owner": "me"}}, {"aws:ResourceTag/owner": "me"}, True),
        ({"StringEquals": {"aws:ResourceTag/owner": "me"}}, {"aws:ResourceTag/owner": "Me"}, False),
        ({"StringEquals": {"aws:ResourceTag/owner": "me"}}, {}, False),
        ({"StringEquals": {"AWS:RESOURCETAG/owner": "me"}}, {"aws:ResourceTag/owner": "me"}, True),
        ({"StringEquals": {"aws:ResourceTag/owner": ["you", "me"]}}, {"aws:ResourceTag/owner": "me"}, True),
        ({"StringEqualsIgnoreCase": {"k": "ME"}}, {"k": "me"}, True),
        ({"StringNotEquals": {"k": "me"}}, {"k": "you"}, True),
        ({"StringNotEquals": {"k": "me"}}, {"k": "me"}, False),
        ({"StringNotEquals": {"k": "me"}}, {}, True),
        ({"StringLike": {"k": "sagemaker-rollout:*"}}, {"k": "sagemaker-rollout:x"}, True),
        ({"StringLike": {"k": "a?c"}}, {"k": "abc"}, True),
        ({"StringNotLike": {"k": "a*"}}, {"k": "abc"}, False),
        ({"StringEqualsIfExists": {"k": "me"}}, {}, True),
        ({"StringEqualsIfExists": {"k": "me"}}, {"k": "you"}, False),
        ({"ArnLike": {"k": "arn:aws:iam::*:role/*"}}, {"k": "arn:aws:iam::1:role/x"}, True),
        ({"ArnNotLike": {"k": "arn:aws:iam::*:role/*"}}, {"k": "arn:aws:iam::1:user/x"}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": True}, False),
        ({"Null": {"aws:RequestTag/a": "false"}}, {"aws:RequestTag/a": "x"}, True),
        ({"Null": {"aws:RequestTag/a": "false"}}, {}, False),
        ({"Null": {"aws:RequestTag/a": "true"}}, {}, True),
        ({"StringEquals": {"a": "1", "b": "2"}}, {"a": "1"}, False),
        ({"StringEquals": {"a": "1"}, "StringLike": {"b": "2*"}}, {"a": "1", "b": "20"}, True),
        ({"ForAllValues:StringLike": {"aws:TagKeys": "x:*"}}, {"aws:TagKeys": ["x:a", "x:b"]}, True),
        ({"ForAllValues:StringLike": {"aws:TagKeys": "x:*"}}, {"aws:TagKeys": ["x:a", "team"]}, False),
        ({"ForAllValues:StringLike": {"aws:TagKeys": "x:*"}}, {}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}, {"aws:TagKeys": ["y", "x"]}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}, {"aws:TagKeys": ["y"]}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}, {}, False),
        ({"StringEquals": {"aws:TagKeys": "x"}}, {"aws:TagKeys": ["x", "y"]}, False),
    ],
    ids=[
        "equals",
        "equals-case-sensitive-value",
        "absent-key-positive-false",
        "key-name-case-insensitive",
        "values-or",
        "ignore-case",
        "not-equals",
        "not-equals-same",
        "absent-key-negated-true",
        "like-star",
        "like-question",
        "not-like",
        "if-exists-absent",
        "if-exists-present",
        "arn-like",
        "arn-not-like",
        "bool-false",
        "bool-mismatch",
        "null-false-present",
        "null-false-absent",
        "null-true-absent",
        "keys-and",
        "operators-and",
        "for-all-values",
        "for-all-values-one-outside",
        "for-all-values-absent",
        "for-any-value",
        "for-any-value-none",
        "for-any-value-absent",
        "single-valued-operator-on-a-set",
    ],
)
def test_iam_eval_condition_operators(
    condition: dict[str, Any], context: dict[str, Any], holds: bool
) -> None:
    assert condition_holds(condition, context) is holds


@pytest.mark.parametrize(
    ("operator", "keys", "holds"),
    [
        ("ForAllValues:StringNotLike", ["team", "cost"], True),
        ("ForAllValues:StringNotLike", ["team", "sagemaker-rollout:adoptable"], False),
        ("ForAllValues:StringNotLike", [], True),
        ("ForAnyValue:StringNotLike", ["team", "sagemaker-rollout:stack-id"], True),
        ("ForAnyValue:StringNotLike", ["sagemaker-rollout:stack-id"], False),
        ("ForAllValues:StringNotEquals", ["sagemaker-rollout:x"], True),
    ],
    ids=["all-outside", "one-inside", "absent", "any-outside", "none-outside", "not-equals"],
)
def test_iam_eval_negated_set_operators(operator: str, keys: list[str], holds: bool) -> None:
    # GIVEN a negated operator over a multivalued key (IAM user guide, "Evaluation logic for
    # negated matching condition operators") WHEN evaluated THEN each request value is tested
    # against every policy value (NOR), then ForAllValues / ForAnyValue combine the results
    pattern = "sagemaker-rollout:*" if operator.endswith("Like") else "sagemaker-rollout:y"
    context = {"aws:TagKeys": keys} if keys else {}
    assert condition_holds({operator: {"aws:TagKeys": pattern}}, context) is holds


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericLessThan": {"k": "1"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"ForAllValues:BinaryEquals": {"aws:TagKeys": "eA=="}},
    ],
)
def test_iam_eval_unsupported_operators_are_refused_not_guessed(condition: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicyError):
        condition_holds(
            condition, {"k": "0", "aws:CurrentTime": "x", "aws:SourceIp": "1.2.3.4", "aws:TagKeys": ["y"]}
        )


def test_iam_eval_resource_based_policies_are_refused() -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}
    with pytest.raises(UnsupportedPolicyError):
        evaluate([statement], AuthRequest("sqs:SendMessage", "*"))


def test_iam_eval_conditioned_allow_on_owned_resource() -> None:
    # GIVEN an Allow conditioned on the ownership tag
    statements = [_allow("sagemaker:DeleteEndpoint", EP, StringEquals={**OWNED})]
    # WHEN the resource carries it / does not THEN allowed / implicitly denied
    assert evaluate(statements, AuthRequest("sagemaker:DeleteEndpoint", EP, OWNED)).allowed
    assert not evaluate(statements, AuthRequest("sagemaker:DeleteEndpoint", EP, {})).allowed


# ------------------------------------------------------------------------------ the template --
def test_iam_eval_role_statements_resolve_intrinsics_and_collect_role_policies() -> None:
    # GIVEN a role with an inline policy and a RolePolicy, using Sub, Ref, GetAtt and Join
    template = {
        "Parameters": {"Prefix": {"Type": "String", "Default": ""}},
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": ["sagemaker:DescribeEndpoint"],
                                        "Resource": {
                                            "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:"
                                            "${AWS::AccountId}:endpoint/${Prefix}*"
                                        },
                                    }
                                ]
                            },
                        }
                    ]
                },
            },
            "Table": {"Type": "AWS::DynamoDB::Table"},
            "Extra": {
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {
                    "RoleName": {"Ref": "Role"},
                    "PolicyDocument": {
                        "Statement": {
                            "Effect": "Allow",
                            "Action": "dynamodb:PutItem",
                            "Resource": [
                                {"Fn::GetAtt": ["Table", "Arn"]},
                                {"Fn::Join": ["", [{"Fn::GetAtt": "Table.Arn"}, "/index/*"]]},
                            ],
                        }
                    },
                },
            },
            "Other": {
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {"RoleName": {"Ref": "OtherRole"}, "PolicyDocument": {"Statement": []}},
            },
        },
    }
    # WHEN resolved for an account, a region and a prefix
    statements = role_statements(
        template, "Role", account_id="123456789012", region="eu-west-1", parameters={"Prefix": "ml-"}
    )
    # THEN both policies apply, with every intrinsic resolved
    assert statements[0]["Resource"] == "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/ml-*"
    assert statements[1]["Resource"] == [
        "arn:aws:dynamodb:eu-west-1:123456789012:table/Table",
        "arn:aws:dynamodb:eu-west-1:123456789012:table/Table/index/*",
    ]
    assert len(statements) == 2
