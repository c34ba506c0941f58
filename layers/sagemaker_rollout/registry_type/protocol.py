"""The registry type's boundary in plain, typed values: actions, requests, progress events, permissions.

The CloudFormation CLI's Python library (``cloudformation_cli_python_lib``: ``Action``,
``OperationStatus``, ``HandlerErrorCode``, ``ProgressEvent``) is wrapped in ``registry/src`` so the
Lambda layer never needs it; these enums carry the same names (CloudFormation CLI user guide,
"ProgressEvent object schema" and "Handler error codes"), and ``registry/src`` maps them by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sagemaker_rollout.rollout.progress import FailCode

__all__ = [
    "HANDLER_PERMISSIONS",
    "WORK_BUDGET_SECONDS",
    "HandlerProgress",
    "ProgressStatus",
    "RegistryAction",
    "RegistryRequest",
]


class RegistryAction(StrEnum):
    """A handler (the library's ``Action``)."""

    CREATE = "CREATE"
    READ = "READ"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    LIST = "LIST"

    @property
    def handler(self) -> str:
        """The schema's handler name (``handlers.<name>``)."""
        return self.value.lower()


class ProgressStatus(StrEnum):
    """A progress event's status (the library's ``OperationStatus``)."""

    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


WORK_BUDGET_SECONDS: dict[RegistryAction, float] = {
    RegistryAction.CREATE: 40.0,
    RegistryAction.UPDATE: 40.0,
    RegistryAction.DELETE: 40.0,
    RegistryAction.READ: 20.0,
    RegistryAction.LIST: 20.0,
}
"""Seconds of work one handler invocation does, counted from its start: every AWS call and retry
inside it ends by then (:func:`~sagemaker_rollout.aws.calls.call_deadline`), and a mutating handler
returns IN_PROGRESS for the rest. The contract allows 60 s for create, update and delete ("Resource
type handler contract", CloudFormation CLI user guide: a handler "MUST always return a
ProgressEvent object within 60 seconds") and 30 s for read and list, which must answer at once (the
contract runner gives read and list half the others' time: ``rpdk.core.contract.resource_client``,
``assert_time``); the difference is kept for the Lambda cold start and the event's way back."""

_JOURNAL = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
_READ = (
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:ListTags",
    "application-autoscaling:DescribeScalableTargets",
)
_SWEEP = ("sagemaker:ListEndpoints", "sagemaker:ListEndpointConfigs", "sagemaker:DeleteEndpointConfig")
_AUTOSCALING = (
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScheduledActions",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:PutScheduledAction",
    "application-autoscaling:DeleteScheduledAction",
    "iam:CreateServiceLinkedRole",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:ListTagsForResource",  # only alarms of the request's stack are re-pointed
    "cloudformation:DescribeStacks",  # a rollback of an update AllowUnguardedRollout allowed
    # Application Auto Scaling checks that the caller of RegisterScalableTarget / PutScalingPolicy
    # may do these (template.yaml, LetAutoscalingValidate*): never called by the handlers.
    "sagemaker:UpdateEndpointWeightsAndCapacities",
    "cloudwatch:DeleteAlarms",
)
_ROLLOUT = (
    *_READ,
    *_JOURNAL,
    *_SWEEP,
    *_AUTOSCALING,
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateEndpoint",
    "sagemaker:UpdateEndpoint",
    "sagemaker:DeleteEndpoint",
    "sagemaker:AddTags",
    "sagemaker:DeleteTags",
    "iam:PassRole",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DescribeAlarmHistory",
    # The provider's brake (aws/brake.py): PutMetricAlarm and DeleteAlarms are above; its tags.
    "cloudwatch:TagResource",
    # SmokeTest Invoke (aws/smoke.py): InvokeEndpoint on the type's own endpoint.
    "sagemaker:InvokeEndpoint",
    # SmokeTest FunctionArn: a function of the type configuration's SmokeTestFunctionNamePattern
    # carrying the consent tag (resource-role.yaml grants InvokeFunction only on such functions).
    "lambda:InvokeFunction",
    "lambda:ListTags",
    # May the config's ExecutionRoleArn read the brake? (rollout/brake_role.py)
    "iam:SimulatePrincipalPolicy",
)
HANDLER_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "create": _ROLLOUT,
    "update": _ROLLOUT,
    # Deleting an endpoint and its configs; for an adopted one, the stack's status and the release
    # back to its original config (UpdateEndpoint with autoscaling suspended and restored, untag).
    "delete": (
        *_READ,
        *_JOURNAL,
        *_SWEEP,
        *_AUTOSCALING,
        "sagemaker:DeleteEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteTags",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DescribeAlarmHistory",
        "cloudformation:DescribeStacks",
    ),
    # The live endpoint, and the journal's record of what the template asked (the retain rule).
    "read": (*_READ, "dynamodb:GetItem"),
    # A page of ListEndpoints, and the journal's records of which of them the type created.
    "list": ("sagemaker:ListEndpoints", "dynamodb:BatchGetItem"),
}
"""IAM actions each handler may call (the schema's ``handlers.*.permissions``, generated from this
table; the registry tests and the contract harness fail when a handler calls anything else). Create
and update run the same steps as the custom resource, so they need what its role grants
(``template.yaml``, EndpointProviderRole) minus the Lambda self-invocation and queues; PassRole and
the KMS grant are SageMaker's requirements for a config with an ExecutionRoleArn or KmsKeyId
(SageMaker developer guide, "CreateEndpointConfig API: Execution Role Permissions")."""


@dataclass(frozen=True)
class RegistryRequest:
    """A handler request as the CloudFormation CLI's library delivers it (plain values).

    Attributes
    ----------
    action:
        The handler invoked.
    client_request_token:
        Identifies the operation (the same for every callback of it).
    desired, previous:
        The desired and previous resource models as dicts (None when absent).
    stack_id, logical_id:
        The stack and logical id (None outside a stack, e.g. Cloud Control API).
    journal_table:
        The type configuration's ``JournalTableName``.
    smoke_functions:
        The type configuration's ``SmokeTestFunctionNamePattern`` ('' when unset: no function).
    next_token:
        Pagination of the list handler.
    region, account_id:
        Where the handler runs.
    stack_tags, previous_stack_tags:
        The stack-level tags (the request's ``desiredResourceTags`` and ``previousResourceTags``).
    """

    action: RegistryAction
    client_request_token: str
    desired: Mapping[str, Any] | None = None
    previous: Mapping[str, Any] | None = None
    stack_id: str | None = None
    logical_id: str | None = None
    journal_table: str | None = None
    smoke_functions: str = ""
    next_token: str | None = None
    region: str | None = None
    account_id: str | None = None
    stack_tags: Mapping[str, Any] | None = None
    previous_stack_tags: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class HandlerProgress:
    """A progress event in plain values (``registry/src`` turns it into the library's ProgressEvent)."""

    status: ProgressStatus
    error_code: FailCode | None = None
    message: str = ""
    callback_context: dict[str, Any] | None = None
    callback_delay_seconds: int = 0
    model: dict[str, Any] | None = None
    models: list[dict[str, Any]] | None = None
    next_token: str | None = None

    @classmethod
    def failed(cls, code: FailCode, message: str) -> HandlerProgress:
        return cls(ProgressStatus.FAILED, code, message)
