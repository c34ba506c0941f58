"""Whether an execution role may read the provider's brake alarm: IAM's policy simulation (issue 24).

SageMaker watches a deployment's rollback alarms with the endpoint's execution role: "Ensure that
your IAM execution role has permission to perform the ``cloudwatch:DescribeAlarms`` action on the
auto-rollback alarms you specify" (SageMaker developer guide, "Auto-Rollback Configuration and
Monitoring", https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html).
A role that may not read the brake leaves SageMaker blind to it, and the deadline abort
(:mod:`sagemaker_rollout.aws.brake`) would trip an alarm nobody watches.

IAM answers the question without acting: SimulatePrincipalPolicy evaluates the identity policies of
``PolicySourceArn`` (inline and attached) for each of ``ActionNames`` on each of ``ResourceArns``, and
"does not perform the API operations; it only checks the authorization"; each result's
``EvalDecision`` is ``allowed``, ``explicitDeny`` or ``implicitDeny`` (IAM API reference,
SimulatePrincipalPolicy and EvaluationResult:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html). The caller
needs ``iam:SimulatePrincipalPolicy`` on the role (Service Authorization Reference, "Actions, resources,
and condition keys for AWS Identity and Access Management": the ``role`` resource type).

The resource is the brake's own ARN, ``arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>``
(the ``alarm`` resource type of the Service Authorization Reference, "Actions, resources, and
condition keys for Amazon CloudWatch", which the provider's own brake statements use). That
DescribeAlarms can be scoped to alarms is what its API reference implies: information about composite
alarms needs the permission "scoped to ``*``" and cannot be returned "if your
``cloudwatch:DescribeAlarms`` permission has a narrower scope"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html). A role
allowed on ``*`` (the usual grant, e.g. ``AmazonSageMakerFullAccess``) is allowed on the brake's ARN
too; one allowed only on other alarms is not, which is what SageMaker would meet. (Were DescribeAlarms
not scoped at all, a role allowed only on named alarms would pass here and still fail SageMaker: the
one case this check cannot catch.)

The simulation covers identity policies (and the role's permissions boundary), not service control
policies of another account or session policies ("The policy simulator results can differ from your
live Amazon Web Services environment", API reference): an ``allowed`` is IAM's best answer, not proof.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sagemaker_rollout.aws.calls import call
from sagemaker_rollout.clock import Clock

__all__ = ["ACTION", "ALLOWED", "alarm_arn", "decision"]

ACTION = "cloudwatch:DescribeAlarms"
ALLOWED = "allowed"
"""SimulatePrincipalPolicy's ``EvalDecision`` for an allowed request (the others: ``explicitDeny``,
``implicitDeny``)."""


def alarm_arn(endpoint_arn: str, alarm_name: str) -> str:
    """The alarm's ARN in the endpoint's partition, region and account (the brake lives beside it)."""
    parts = endpoint_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"{endpoint_arn!r} is not an ARN")
    partition, region, account = parts[1], parts[3], parts[4]
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{alarm_name}"


def _verdict(results: Sequence[Mapping[str, Any]]) -> str:
    """One decision from the evaluation results: any deny wins, all must allow."""
    decisions = [
        str(r.get("EvalDecision", ""))
        for r in results
        if str(r.get("EvalActionName", "")).lower() == ACTION.lower()
    ]
    if not decisions:
        return ""
    if "explicitDeny" in decisions:
        return "explicitDeny"
    return ALLOWED if all(d == ALLOWED for d in decisions) else "implicitDeny"


def decision(iam: Any, clock: Clock, role_arn: str, alarm: str) -> str:
    """``role_arn``'s decision for ``cloudwatch:DescribeAlarms`` on ``alarm`` ('' if IAM gave none).

    Retried like every call (:func:`~sagemaker_rollout.aws.calls.call`); an error that is not
    transient (``NoSuchEntity``, ``AccessDenied``, ``InvalidInput``) is raised for the caller to
    judge.
    """
    answer = call(
        clock,
        iam.simulate_principal_policy,
        PolicySourceArn=role_arn,
        ActionNames=[ACTION],
        ResourceArns=[alarm],
    )
    return _verdict(list(answer.get("EvaluationResults") or []))
