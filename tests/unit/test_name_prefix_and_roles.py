"""ResourceNamePrefix in default names (issue 9.2) and the ExecutionRoleArn pattern (issue 13)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sagemaker_rollout.macro.naming import default_endpoint_name_expression as macro_default_name
from sagemaker_rollout.naming import NAME_PREFIX_ENV, config_name, default_endpoint_name
from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties

SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/1c2fa620-982a-11e3-aff7-50e2416294e0"
UUID = "1c2fa620-982a-11e3-aff7-50e2416294e0"


def _evaluate_join(name: dict[str, Any]) -> str:
    """Evaluate the macro's Fn::Join / Select / Split over the stack id, as CloudFormation would."""

    def value(node: Any) -> Any:
        if isinstance(node, str):
            return node
        ((function, argument),) = node.items()
        if function == "Ref":
            return STACK.format("app")
        if function == "Fn::Split":
            return value(argument[1]).split(argument[0])
        if function == "Fn::Select":
            return value(argument[1])[argument[0]]
        if function == "Fn::Join":
            return argument[0].join(value(v) for v in argument[1])
        raise AssertionError(function)

    return str(value(name))


@pytest.mark.parametrize("prefix", ["", "ml-", "team-a-prod-", "p" * 25, "p" * 26, "q" * 40])
@pytest.mark.parametrize(("stack", "logical_id"), [("app", "Classifier"), ("S" * 128, "L" * 255)])
def test_prefix_provider_default_name_starts_with_prefix_fits_and_is_deterministic(
    prefix: str, stack: str, logical_id: str
) -> None:
    # GIVEN a prefix and a stack WHEN the provider derives the default endpoint name
    name = default_endpoint_name(STACK.format(stack), logical_id, prefix)
    # THEN it starts with the prefix, is a valid SageMaker name of at most 63 characters, and is stable
    assert name.startswith(prefix) and SAGEMAKER_NAME.fullmatch(name) and len(name) <= 63
    assert name == default_endpoint_name(STACK.format(stack), logical_id, prefix)
    # AND the configs derived from it keep the prefix too (IAM's endpoint-config/<prefix>* pattern)
    assert config_name(name, "ab" * 32).startswith(prefix)


def test_prefix_provider_default_name_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the template's SAGEMAKER_ROLLOUT_NAME_PREFIX WHEN no prefix is passed THEN it is used
    monkeypatch.setenv(NAME_PREFIX_ENV, "team-b-")
    assert default_endpoint_name(STACK.format("app"), "Classifier") == "team-b-app-Classifier"
    monkeypatch.delenv(NAME_PREFIX_ENV)
    assert default_endpoint_name(STACK.format("app"), "Classifier") == "app-Classifier"


@pytest.mark.parametrize("prefix", ["", "ml-", "p" * 25, "p" * 26, "q" * 40])
@pytest.mark.parametrize("logical_id", ["Classifier", "L" * 255])
def test_prefix_macro_default_name_starts_with_prefix_and_fits(prefix: str, logical_id: str) -> None:
    # GIVEN a prefix WHEN the macro writes the default name and CloudFormation evaluates it
    name = _evaluate_join(macro_default_name(logical_id, prefix))
    # THEN it starts with the prefix, ends with (part of) the stack's UUID, and is a valid name
    assert name.startswith(prefix) and SAGEMAKER_NAME.fullmatch(name) and len(name) <= 63, name
    assert name.endswith(UUID if len(prefix) < 26 else UUID.split("-")[-1])


def test_prefix_macro_default_name_without_prefix_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no prefix in the macro's environment WHEN the default name is written THEN it is as before
    monkeypatch.delenv(NAME_PREFIX_ENV, raising=False)
    assert _evaluate_join(macro_default_name("Classifier")) == f"classifier-{UUID}"
    monkeypatch.setenv(NAME_PREFIX_ENV, "ml-")
    assert _evaluate_join(macro_default_name("Classifier")) == f"ml-classifier-{UUID}"


# ----------------------------------------------------------------------------- ExecutionRoleArn --
PROPS: dict[str, Any] = {
    "ProductionVariants": [
        {"VariantName": "a", "ModelName": "m", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": "1"}
    ]
}
PATTERN = "arn:aws:iam::123456789012:role/*SageMaker*"


@pytest.mark.parametrize(
    ("role", "ok"),
    [
        ("arn:aws:iam::123456789012:role/SageMakerRole", True),
        ("arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000", True),
        ("arn:aws:iam::123456789012:role/Admin", False),
        ("arn:aws:iam::123456789012:role/sagemakerrole", False),
        ("arn:aws:iam::210987654321:role/SageMakerRole", False),
    ],
    ids=["named", "console-convention", "admin", "case-sensitive", "other-account"],
)
def test_roles_execution_role_outside_the_pattern_is_refused_before_any_change(role: str, ok: bool) -> None:
    # GIVEN an endpoint config passing ExecutionRoleArn to SageMaker
    properties = {**PROPS, "ExecutionRoleArn": role}
    # WHEN validated against the provider's PassRole pattern
    if ok:
        assert (
            parse_endpoint_properties(properties, passable_roles=PATTERN).config["ExecutionRoleArn"] == role
        )
        return
    with pytest.raises(PropertyError) as caught:
        parse_endpoint_properties(properties, passable_roles=PATTERN)
    # THEN one line names ExecutionRoleArn and the allowed pattern
    message = str(caught.value)
    assert "ExecutionRoleArn" in message and PATTERN in message and "\n" not in message
    # AND without a pattern (macro, lint) the property is not judged
    parse_endpoint_properties(properties)


def test_roles_intrinsic_execution_role_is_left_to_the_provider() -> None:
    properties = {**PROPS, "ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}
    parse_endpoint_properties(properties, allow_intrinsics=True, passable_roles=PATTERN)
