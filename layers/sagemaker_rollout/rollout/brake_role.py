"""Before a braked rollout changes anything: may SageMaker read the brake? (issue 24)

A helper of the ``READ`` step (:mod:`.create`), called right after it decides ``state.brake``; not a
step module.

**Which role.** SageMaker reads the rollback alarms with "your IAM execution role" (developer guide,
"Auto-Rollback Configuration and Monitoring": "Ensure that your IAM execution role has permission to
perform the ``cloudwatch:DescribeAlarms`` action on the auto-rollback alarms you specify";
:mod:`sagemaker_rollout.aws.alarm_reader`). The endpoint's execution role is the endpoint config's
``ExecutionRoleArn``, "an IAM role that Amazon SageMaker AI can assume to perform actions on your
behalf" (API reference, CreateEndpointConfig ``ExecutionRoleArn``): the one role the request names
and the provider passes (``iam:PassRole`` within ``PassableRoleNamePattern``). That role is checked.
SageMaker's documentation does not say which role it uses when the config has none (each model has
its own ``ExecutionRoleArn``, "to access model artifacts and docker image for deployment on ML
compute instances": API reference, CreateModel); the provider neither passes nor reads those roles,
so such a rollout is not checked (noted, as below).

**What it does.** IAM's SimulatePrincipalPolicy for ``cloudwatch:DescribeAlarms`` on the brake's ARN
(:func:`sagemaker_rollout.aws.alarm_reader.decision`). The brake is a metric alarm, and
``DescribeAlarms`` can be granted on metric alarms by ARN (only composite alarms need a permission
"scoped to *": CloudWatch API reference, DescribeAlarms), so the question is asked about that ARN: a
role granted ``*`` and one granted the brake's ARN (or a pattern matching it) both pass.

* ``allowed``: the rollout goes on;
* ``implicitDeny`` / ``explicitDeny``: the request fails before any change (FailCode
  ``InvalidRequest``), one line naming ``ExecutionRoleArn`` and what the role needs;
* the check cannot be made (no ``ExecutionRoleArn``; the role not found, ``NoSuchEntity``; the
  provider's role may not simulate it, ``AccessDenied``, e.g. a role outside
  ``PassableRoleNamePattern``; any other error that is not transient; no decision in the answer):
  the rollout goes on, with a warning in the log and a note in the request's history (appended to a
  failure's reason). This is the safe side of not knowing: a refusal on a guess would block a
  rollout SageMaker may well watch, while the user's own rollback alarms need the same permission
  and the guardrails document it (the developer guide's note above); refusing is kept for what IAM
  itself says.

A transient error (throttling, a 5xx) is retried by :func:`~sagemaker_rollout.aws.calls.call`, then
left to the engine, which runs ``READ`` again: the check is a read, so asking again is safe. Its
outcome is journaled (``state.brake_reader``, checkpointed at once): a request resumed after it, or
``READ`` run again later in the request (an endpoint busy, an adoption), does not ask again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.aws import alarm_reader
from sagemaker_rollout.aws.calls import AWS_ERRORS, error_code, is_transient, short
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Fail, FailCode
from sagemaker_rollout.rollout.state import RolloutState

__all__ = ["CHECKED", "UNCHECKED", "brake_reader_refusal"]

CHECKED = "allowed"
"""``state.brake_reader``: IAM allowed the role to read the brake."""
UNCHECKED = "unchecked"
"""``state.brake_reader``: the check could not be made (the rollout went on, noted)."""


def _role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1] if ":role/" in role_arn else role_arn


def _unchecked(
    ctx: StepContext, state: RolloutState, why: str, extra: Mapping[str, Any], *, noted: bool = True
) -> None:
    """Go on without the check: logged, and (``noted``) in the request's notes, which its answer and
    ``history`` show. A config without ``ExecutionRoleArn`` (the common case) is only logged: a note
    on every such answer would say nothing the user can act on."""
    ctx.log.warning("brake alarm readability not checked", extra={"why": why, **extra})
    ctx.notify("brake", f"cloudwatch:DescribeAlarms of the brake not checked: {why}")
    if noted:
        state.notes.append(f"cloudwatch:DescribeAlarms of the brake not checked: {why}")
    state.brake_reader = UNCHECKED
    ctx.checkpoint()


def brake_reader_refusal(ctx: StepContext, state: RolloutState, endpoint_arn: str) -> Fail | None:
    """A Fail when IAM says the endpoint's execution role may not read ``state.brake``; else None.

    Only for a rollout that carries the brake, once per request (see the module).
    """
    if not state.brake or state.brake_reader:
        return None
    role = str(ctx.spec.config.get("ExecutionRoleArn") or "")
    if not role:
        _unchecked(ctx, state, "no ExecutionRoleArn", {}, noted=False)
        return None
    alarm = alarm_reader.alarm_arn(endpoint_arn, state.brake)
    try:
        verdict = alarm_reader.decision(ctx.runtime.client("iam"), ctx.clock, role, alarm)
    except AWS_ERRORS as error:
        if is_transient(error):
            raise  # the engine runs READ again (the check is a read)
        code = error_code(error) or type(error).__name__
        why = "role not found" if code == "NoSuchEntity" else f"SimulatePrincipalPolicy {code}"
        _unchecked(ctx, state, f"{why} ({_role_name(role)})", {"role": role, "alarm": alarm})
        return None
    if not verdict:
        _unchecked(ctx, state, f"IAM gave no decision ({_role_name(role)})", {"role": role, "alarm": alarm})
        return None
    if verdict != alarm_reader.ALLOWED:
        state.brake = ""  # never created: nothing for the clean-up to delete
        return Fail(
            short(
                f"ExecutionRoleArn: role {_role_name(role)} may not cloudwatch:DescribeAlarms ({verdict}), "
                "which SageMaker needs to see the rollback alarms (the provider's brake among them): "
                'allow it on Resource "*" (or the account\'s alarm ARNs)'
            ),
            state.endpoint or None,
            FailCode.INVALID_REQUEST,
        )
    ctx.notify("brake", f"role {_role_name(role)} may read the brake alarm (IAM policy simulation)")
    state.brake_reader = CHECKED
    ctx.checkpoint()
    return None
