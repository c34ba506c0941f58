"""IAM's SimulatePrincipalPolicy for moto (which lacks it), decided by the test kit's evaluator.

Installed with the simulator's other patches (:class:`~sagemaker_rollout_testing.simulator._moto.MotoBridge`).
The role's identity policies as moto stores them, its inline policies and the default version of
each attached managed policy, are decided with :func:`sagemaker_rollout_testing.iam_eval.evaluate`
for every action on every resource, as the IAM API reference describes the operation
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html):

* ``ResourceArns`` defaults to ``*`` ("If this parameter is not provided, then the value defaults to
  * (all resources)"); each action is evaluated for each resource;
* one ``EvaluationResult`` per pair: ``EvalActionName``, ``EvalResourceName``, ``EvalDecision``
  (``allowed``, ``explicitDeny`` or ``implicitDeny``: an explicit deny in any statement wins, else an
  allow allows, else the request is implicitly denied), ``MatchedStatements`` (the deciding
  statements' policy, ``SourcePolicyId`` and ``SourcePolicyType``) and ``MissingContextValues``;
* a permissions boundary, if the role has one, must allow too (IAM user guide, "Permissions
  boundaries for IAM entities": the effective permissions are the intersection);
* ``ContextEntries`` become the request context of every evaluation;
* a ``PolicySourceArn`` that names no role of the account is ``NoSuchEntity`` (the operation's
  Errors); a policy the evaluator cannot decide (an operator it does not implement) is
  ``PolicyEvaluation`` ("The request failed because a provided policy could not be successfully
  evaluated"), never a guess. Users and groups are not modelled: the provider simulates roles only.

The answer is never truncated (``IsTruncated`` false).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.responses import IamResponse

from sagemaker_rollout_testing.iam_eval import AuthRequest, UnsupportedPolicyError, evaluate

__all__ = ["simulate_principal_policy"]


class _PolicyEvaluationError(IAMException):
    code = "PolicyEvaluation"


class _InvalidInputError(IAMException):
    code = "InvalidInput"


def _statements(document: Any) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    found = parsed.get("Statement", []) if isinstance(parsed, Mapping) else []
    return [dict(s) for s in (found if isinstance(found, list) else [found])]


def _default_version(policy: Any) -> Any:
    return next((v.document for v in policy.versions if v.is_default_version), policy.versions[0].document)


def _policies(backend: Any, role: Any) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(SourcePolicyId, SourcePolicyType, statements) of the role's identity policies."""
    for name, document in role.policies.items():
        yield name, "role", _statements(document)
    for policy in role.managed_policies.values():
        kind = "aws-managed" if ":aws:policy/" in policy.arn else "user-managed"
        yield policy.name, kind, _statements(_default_version(policy))


def _context(entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for entry in entries:
        values = [str(v) for v in entry.get("ContextKeyValues") or []]
        kind = str(entry.get("ContextKeyType") or "string")
        context[str(entry["ContextKeyName"])] = (
            values if kind.endswith("List") else (values[0] if values else "")
        )
    return context


def _decide(
    policies: list[tuple[str, str, list[dict[str, Any]]]], request: AuthRequest
) -> tuple[str, list[dict[str, str]]]:
    """The decision and the statements that made it (by policy)."""
    allows: list[dict[str, str]] = []
    denies: list[dict[str, str]] = []
    for policy_id, kind, statements in policies:
        for statement in statements:
            effect = evaluate([statement], request).effect
            source = {"SourcePolicyId": policy_id, "SourcePolicyType": kind}
            if effect == "ExplicitDeny":
                denies.append(source)
            elif effect == "Allow":
                allows.append(source)
    if denies:
        return "explicitDeny", denies
    if allows:
        return "allowed", allows
    return "implicitDeny", []


def simulate_principal_policy(response: IamResponse) -> ActionResult:
    """moto's ``IamResponse.simulate_principal_policy`` (see the module)."""
    backend = response.backend
    source = str(response._get_param("PolicySourceArn") or "")
    actions = [str(a) for a in response._get_param("ActionNames", []) or []]
    resources = [str(r) for r in response._get_param("ResourceArns", []) or []] or ["*"]
    context = _context(list(response._get_param("ContextEntries", []) or []))
    if ":role/" not in source:
        raise _InvalidInputError(f"the test kit simulates roles only, not {source}")
    try:
        role = backend.get_role_by_arn(source)
    except NotFoundException:
        name = source.rsplit("/", 1)[-1]
        raise NotFoundException(f"The role with name {name} cannot be found.") from None
    policies = list(_policies(backend, role))
    boundary = None
    if role.permissions_boundary_arn:
        kind = "aws-managed" if ":aws:policy/" in role.permissions_boundary_arn else "user-managed"
        managed = backend.get_policy(role.permissions_boundary_arn)
        boundary = [(managed.name, kind, _statements(_default_version(managed)))]
    results = []
    for action in actions:
        for resource in resources:
            request = AuthRequest(action, resource, context, "SimulatePrincipalPolicy")
            try:
                decision, matched = _decide(policies, request)
                if boundary is not None and decision == "allowed":
                    bounded, _ = _decide(boundary, request)
                    decision = "allowed" if bounded == "allowed" else bounded
            except UnsupportedPolicyError as error:
                raise _PolicyEvaluationError(f"test kit: {error}") from None
            results.append(
                {
                    "EvalActionName": action,
                    "EvalResourceName": resource,
                    "EvalDecision": decision,
                    "MatchedStatements": matched,
                    "MissingContextValues": [],
                }
            )
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})
