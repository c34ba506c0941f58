"""The registry type's execution role and the custom resource's say the same thing where they do the
same thing (issue 20, cause 6).

``registry/resource-role.yaml`` (the role CloudFormation assumes to run the type's handlers) and
``template.yaml``'s ``EndpointProviderRole`` (with the role policies attached to it) are compared
statement by statement, by ``Sid``. Each one's own ownership-tag value (``managed-by``) stands for
itself, the journal table for itself; every other difference must be one of
:data:`INTENDED_DIFFERENCES`, and each of those is checked to be exactly what it says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from registry_kit import REGISTRY

from sagemaker_rollout.naming import MANAGED_BY_CUSTOM_RESOURCE, MANAGED_BY_REGISTRY_TYPE
from sagemaker_rollout.registry_type.protocol import HANDLER_PERMISSIONS

INTENDED_DIFFERENCES: dict[str, str] = {
    # Only the custom resource: a Lambda function of the provider stack.
    "WriteOwnLogs": "custom resource only: its log group (CloudFormation logs the type's handlers)",
    "WriteTraces": "custom resource only: the function's X-Ray traces",
    "ContinueInFreshInvocation": "custom resource only: self-invocation (the type's waits are callbacks)",
    "SendFailedContinuations": "custom resource only: its dead-letter queue",
    "ResumeFromDeadLetters": "custom resource only: its dead-letter queue's event source",
    "ScheduleOwnWakeUps": "custom resource only: its wake-up queue (the type's waits are callbacks)",
    "ResumeOnWakeUps": "custom resource only: its wake-up queue's event source",
    # Both, differently.
    "RolloutJournal": "the type also reads a page of creation records with BatchGetItem (its list handler)",
    "ChangeOnlyOwnedResources": "the type also accepts the custom resource's value (what it created before)",
    "RetagOnlyOwnedResources": "the type also accepts the custom resource's value (what it created before)",
    "ReleaseOnlyOwnedEndpoints": "the type also accepts the custom resource's value (what it adopted before)",
}
"""Statements that differ on purpose (``Sid``: why)."""

CLOUDFORMATION_READS = "cloudformation:"
"""CloudFormation reads may differ: the custom resource also confirms each request with
CloudFormation before acting (contract section 9, issue 21); the type, whose requests come from
CloudFormation itself, reads a stack's status only for the Delete of an adopted endpoint."""

_LEGACY = ("ChangeOnlyOwnedResources", "RetagOnlyOwnedResources", "ReleaseOnlyOwnedEndpoints")
_OWN = "<own managed-by value>"
_JOURNAL = "<the rollout journal table>"


def _yaml(name: str) -> Any:
    from sagemaker_rollout_tools import cfn_yaml

    return cfn_yaml.load((REGISTRY.parent / name).read_text(encoding="utf-8"))


def _statements(policies: Any) -> Iterator[dict[str, Any]]:
    for policy in policies or []:
        yield from policy["PolicyDocument"]["Statement"]


def provider_role() -> dict[str, dict[str, Any]]:
    """EndpointProviderRole's statements, with those of the role policies and managed policies
    attached to it, by Sid."""
    resources = _yaml("template.yaml")["Resources"]
    role = {"Ref": "EndpointProviderRole"}
    found = list(_statements(resources["EndpointProviderRole"]["Properties"]["Policies"]))
    for resource in resources.values():
        properties = resource.get("Properties") or {}
        attached = resource.get("Type") == "AWS::IAM::RolePolicy" and properties.get("RoleName") == role
        roles = properties.get("Roles") or []
        managed = resource.get("Type") == "AWS::IAM::ManagedPolicy" and role in roles
        if attached or managed:
            found.extend(_statements([properties]))
    return {s["Sid"]: s for s in found}


def registry_role() -> dict[str, dict[str, Any]]:
    role = _yaml("registry/resource-role.yaml")["Resources"]["ExecutionRole"]["Properties"]
    return {s["Sid"]: s for s in _statements(role["Policies"])}


def _normal(value: Any, own: str) -> Any:
    """A statement's parts in a comparable form: lists sorted, the role's own managed-by value and
    the journal table's reference replaced by placeholders."""
    if isinstance(value, Mapping):
        if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] == "RolloutJournalTable":
            return _JOURNAL
        if set(value) == {"Fn::Sub"} and str(value["Fn::Sub"]).endswith(":table/${JournalTableName}"):
            return _JOURNAL
        return {k: _normal(v, own) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_normal(v, own) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return _OWN if value == own else value


def _actions(statement: Mapping[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


PROVIDER = provider_role()
REGISTRY_ROLE = registry_role()
SIDS = sorted(set(PROVIDER) | set(REGISTRY_ROLE))


@pytest.mark.parametrize("sid", SIDS)
def test_the_two_roles_agree_statement_by_statement_except_the_listed_differences(sid: str) -> None:
    """GIVEN one Sid of either role WHEN compared (own managed-by value and journal normalised)
    THEN the two statements are the same, or the difference is the one listed for it."""
    mine, theirs = REGISTRY_ROLE.get(sid), PROVIDER.get(sid)
    if mine is None or theirs is None:
        present = mine or theirs
        assert present is not None
        only_cfn = all(a.startswith(CLOUDFORMATION_READS) for a in _actions(present))
        custom_resource_only = INTENDED_DIFFERENCES.get(sid, "").startswith("custom resource only")
        assert custom_resource_only or only_cfn, f"{sid}: in one role only, and not listed so"
        assert mine is None or only_cfn, f"{sid}: listed as the custom resource's only"
        return
    a = _normal(mine, MANAGED_BY_REGISTRY_TYPE)
    b = _normal(theirs, MANAGED_BY_CUSTOM_RESOURCE)
    if sid == "RolloutJournal":
        assert _actions(mine) - _actions(theirs) == {"dynamodb:BatchGetItem"}
        assert _actions(theirs) <= _actions(mine)
        a = {**a, "Action": sorted(_actions(theirs))}
    if sid in _LEGACY:
        key = "aws:ResourceTag/sagemaker-rollout:managed-by"
        assert sorted(mine["Condition"]["StringEquals"][key]) == sorted(
            [MANAGED_BY_REGISTRY_TYPE, MANAGED_BY_CUSTOM_RESOURCE]
        )
        a = json.loads(json.dumps(a))
        a["Condition"]["StringEquals"][key] = _OWN
    if all(x.startswith(CLOUDFORMATION_READS) for x in _actions(mine) | _actions(theirs)):
        return  # CloudFormation reads may differ (see CLOUDFORMATION_READS)
    assert a == b, f"{sid} differs: registry {json.dumps(a)} vs custom resource {json.dumps(b)}"


def test_every_listed_difference_is_still_a_difference() -> None:
    """The list above stays honest: each Sid it names exists, and differs as it says."""
    for sid in INTENDED_DIFFERENCES:
        assert sid in PROVIDER or sid in REGISTRY_ROLE, f"{sid}: listed but in neither role"


def test_the_registry_role_lets_delete_finish_for_an_adopted_endpoint() -> None:
    """The Delete of an adopted endpoint reads its stack's status (DescribeStacks) and, on a rollback,
    releases it (UpdateEndpoint back, autoscaling suspended and restored, DeleteTags): the delete
    handler's permissions list all of it and the role grants them."""
    granted = {a for s in REGISTRY_ROLE.values() for a in _actions(s)}
    release = {
        "cloudformation:DescribeStacks",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteTags",
        "sagemaker:DescribeEndpointConfig",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:RegisterScalableTarget",
    }
    assert release <= set(HANDLER_PERMISSIONS["delete"])
    assert set(HANDLER_PERMISSIONS["delete"]) <= granted
