"""The template hands its security parameters to the functions (issues 9.2 and 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return json.loads(json.dumps(cfn_yaml.load(str(REPO / "template.yaml")), default=str))


def _env(template: dict[str, Any], function: str) -> dict[str, Any]:
    return template["Resources"][function]["Properties"]["Environment"]["Variables"]


def test_template_security_parameters_and_their_defaults(template: dict[str, Any]) -> None:
    # GIVEN the parameters WHEN read THEN the prefix, role pattern and response hosts have safe defaults
    parameters = template["Parameters"]
    assert parameters["ResourceNamePrefix"]["Default"] == ""
    assert parameters["PassableRoleNamePattern"]["Default"] == "*SageMaker*"
    assert parameters["AllowedResponseUrlHosts"]["Default"] == ""


def test_template_security_values_reach_both_functions(template: dict[str, Any]) -> None:
    # GIVEN the provider and the macro WHEN their environments are read
    provider, macro = _env(template, "EndpointProviderFunction"), _env(template, "RolloutMacroFunction")
    # THEN both know the prefix (default names), the provider its PassRole pattern and response hosts
    assert provider["SAGEMAKER_ROLLOUT_NAME_PREFIX"] == {"Ref": "ResourceNamePrefix"}
    assert macro["SAGEMAKER_ROLLOUT_NAME_PREFIX"] == {"Ref": "ResourceNamePrefix"}
    assert provider["SAGEMAKER_ROLLOUT_RESPONSE_HOSTS"] == {"Ref": "AllowedResponseUrlHosts"}
    roles = provider["SAGEMAKER_ROLLOUT_PASSABLE_ROLES"]["Fn::Sub"]
    assert roles == "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${PassableRoleNamePattern}"
    # AND the PassRole statement uses exactly the same pattern (the validator and IAM agree)
    policies = template["Resources"]["EndpointProviderRole"]["Properties"]["Policies"]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    (pass_role,) = [s for s in statements if "iam:PassRole" in s["Action"]]
    assert pass_role["Resource"] == {"Fn::Sub": roles}


def test_template_security_provider_has_no_resource_based_policy(template: dict[str, Any]) -> None:
    # GIVEN the template WHEN Lambda permissions are looked for THEN none exists: only principals of
    # this account allowed lambda:InvokeFunction by their own policies can invoke the provider
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::Lambda::Permission" not in kinds
