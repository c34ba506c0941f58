"""What AWS authorizes for one API call: action, resource ARN and request context (tests only).

For each operation the provider calls, :func:`authorization_requests` lists the
:class:`~sagemaker_rollout_testing.iam_eval.AuthRequest` objects AWS evaluates against the caller's
policies, following the Service Authorization Reference (SAR) for the resource types and condition
keys of each action:

* SageMaker (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html):
  ``CreateEndpoint`` and ``UpdateEndpoint`` need both the ``endpoint*`` and the ``endpoint-config*``
  resource types; every endpoint / endpoint-config action has ``aws:ResourceTag/${TagKey}`` (the
  resource's tags, none while it does not exist yet); ``CreateEndpoint``, ``CreateEndpointConfig``
  and ``AddTags`` have ``aws:RequestTag/${TagKey}`` and ``aws:TagKeys``, ``DeleteTags`` has
  ``aws:TagKeys``; ``ListEndpoints`` / ``ListEndpointConfigs`` have no resource type (``*``).
  ``sagemaker:TaggingAction`` is defined for ``AddTags`` ("the API actions to which a user can apply
  tags"): a Create call with tags is also checked as ``AddTags`` with that key, so the role must allow
  it either way. SageMaker ARNs are lowercase (endpoint names are case-insensitive in ARNs; the
  template's ``ResourceNamePrefix`` is lowercase for that reason).
* Passing a role (``ExecutionRoleArn``) is ``iam:PassRole`` on the role with ``iam:PassedToService``
  (IAM user guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html); a
  KMS key SageMaker uses on the caller's behalf is ``kms:CreateGrant`` / ``kms:DescribeKey`` with
  ``kms:ViaService`` (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
* Application Auto Scaling
  (https://docs.aws.amazon.com/service-authorization/latest/reference/list_applicationautoscaling.html):
  writes act on the ``scalable-target`` resource type (an opaque id) with the
  ``application-autoscaling:service-namespace`` and ``:scalable-dimension`` keys; ``Describe*`` have
  no resource type. It validates the caller's permissions on the target ("Permissions validation",
  https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_permission_validation.html,
  and the SageMaker section of "Identity-based policy examples",
  https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_id-based-policy-examples.html):
  ``sagemaker:DescribeEndpoint`` and ``sagemaker:UpdateEndpointWeightsAndCapacities`` for a SageMaker
  variant, and ``cloudwatch:DescribeAlarms`` / ``PutMetricAlarm`` / ``DeleteAlarms`` for target
  tracking; registering needs ``iam:CreateServiceLinkedRole`` for its service-linked role until it
  exists ("Service-linked roles for Application Auto Scaling").
* CloudWatch (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html):
  ``PutMetricAlarm`` / ``DeleteAlarms`` act on ``alarm:<name>`` (a PutMetricAlarm with ``Tags`` also
  needs ``TagResource`` on it), ``ListTagsForResource`` on the alarm
  ARN it is given (the ``alarm`` resource type); ``DescribeAlarms`` and
  ``DescribeAlarmHistory`` are checked on ``*`` here (the provider reads any alarm it is given).
* CloudFormation (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html):
  ``DescribeStacks``, ``DescribeStackResource`` and ``DescribeStackEvents`` with a ``StackName`` act
  on the ``stack`` resource type (``arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>``);
  the provider passes the event's ``StackId``, which is that ARN; a bare name is resolved to
  ``stack/<name>/*``.
* IAM ``SimulatePrincipalPolicy`` is ``iam:SimulatePrincipalPolicy`` on its ``PolicySourceArn`` (SAR for
  IAM, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html:
  the ``role``, ``user`` and ``group`` resource types); the provider asks about an execution role.
* SageMaker Runtime ``InvokeEndpoint`` is ``sagemaker:InvokeEndpoint`` on the endpoint, with its tags.
* Lambda ``Invoke`` is ``lambda:InvokeFunction`` on the function ARN (with the function's tags as
  ``aws:ResourceTag``), ``ListTags`` is ``lambda:ListTags`` on it; DynamoDB item and table calls
  act on ``table/<TableName>`` (SAR for Lambda and DynamoDB).

An operation not listed raises :class:`NotModelledError`: extend this module rather than let a call
go unchecked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout_testing.iam_eval import AuthRequest

__all__ = ["Account", "NotModelledError", "authorization_requests"]

TagsOf = Callable[[str], Mapping[str, str]]
"""``tags(arn)`` -> the resource's tags now ({} if it does not exist)."""


class NotModelledError(LookupError):
    """The operation's authorization is not modelled yet (add it to ``iam_requests``)."""


@dataclass(frozen=True)
class Account:
    """Where the calls happen and how to read the resources' current tags."""

    account_id: str
    region: str
    tags: TagsOf
    partition: str = "aws"

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        """``arn:<partition>:<service>:<region>:<account>:<resource>``."""
        return f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account_id}:{resource}"


def _tag_context(tags: Mapping[str, str], prefix: str) -> dict[str, Any]:
    return {f"{prefix}/{key}": value for key, value in tags.items()}


def _request_tags(params: Mapping[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in params.get("Tags") or []}


def _sagemaker(account: Account, operation: str, params: Mapping[str, Any]) -> list[AuthRequest]:
    def endpoint(name: str) -> str:
        return account.arn("sagemaker", f"endpoint/{name.lower()}")

    def config(name: str) -> str:
        return account.arn("sagemaker", f"endpoint-config/{name.lower()}")

    def on(action: str, arn: str, extra: Mapping[str, Any] | None = None, why: str = "") -> AuthRequest:
        context = {**_tag_context(account.tags(arn), "aws:ResourceTag"), **(extra or {})}
        return AuthRequest(f"sagemaker:{action}", arn, context, why or f"sagemaker.{operation}")

    tags = _request_tags(params)
    creating = {**_tag_context(tags, "aws:RequestTag"), "aws:TagKeys": sorted(tags)} if tags else {}
    requests: list[AuthRequest] = []
    if operation in ("ListEndpoints", "ListEndpointConfigs"):
        return [AuthRequest(f"sagemaker:{operation}", "*", {}, f"sagemaker.{operation}")]
    if operation in ("DescribeEndpoint", "DeleteEndpoint"):
        return [on(operation, endpoint(params["EndpointName"]))]
    if operation in ("DescribeEndpointConfig", "DeleteEndpointConfig"):
        return [on(operation, config(params["EndpointConfigName"]))]
    if operation == "ListTags":
        return [on(operation, str(params["ResourceArn"]))]
    if operation == "AddTags":
        return [on(operation, str(params["ResourceArn"]), creating)]
    if operation == "DeleteTags":
        return [on(operation, str(params["ResourceArn"]), {"aws:TagKeys": list(params["TagKeys"])})]
    if operation == "UpdateEndpoint":
        return [
            on(operation, endpoint(params["EndpointName"])),
            on(operation, config(params["EndpointConfigName"])),
        ]
    if operation == "CreateEndpoint":
        arn = endpoint(params["EndpointName"])
        requests = [
            on(operation, arn, creating),
            on(operation, config(params["EndpointConfigName"]), creating),
        ]
    elif operation == "CreateEndpointConfig":
        arn = config(params["EndpointConfigName"])
        requests = [on(operation, arn, creating)]
        role = params.get("ExecutionRoleArn")
        if role:
            requests.append(
                AuthRequest(
                    "iam:PassRole",
                    str(role),
                    {"iam:PassedToService": "sagemaker.amazonaws.com"},
                    "CreateEndpointConfig.ExecutionRoleArn",
                )
            )
        keys = [
            params.get("KmsKeyId"),
            ((params.get("AsyncInferenceConfig") or {}).get("OutputConfig") or {}).get("KmsKeyId"),
        ]
        for key in filter(None, keys):
            key_arn = str(key) if str(key).startswith("arn:") else account.arn("kms", f"key/{key}")
            via = {"kms:ViaService": f"sagemaker.{account.region}.amazonaws.com"}
            requests += [
                AuthRequest(f"kms:{action}", key_arn, via, "CreateEndpointConfig KmsKeyId (via SageMaker)")
                for action in ("CreateGrant", "DescribeKey")
            ]
    else:
        raise NotModelledError(f"sagemaker.{operation}")
    if tags:  # tag-on-create, possibly authorized as AddTags with sagemaker:TaggingAction (SAR)
        requests.append(
            on("AddTags", arn, {**creating, "sagemaker:TaggingAction": operation}, f"{operation} with Tags")
        )
    return requests


def _scalable_target(account: Account, params: Mapping[str, Any]) -> AuthRequest:
    namespace, resource_id = str(params["ServiceNamespace"]), str(params["ResourceId"])
    dimension = str(params["ScalableDimension"])
    opaque = hashlib.sha256(f"{namespace}/{resource_id}/{dimension}".encode()).hexdigest()[:32]
    context = {
        "application-autoscaling:service-namespace": namespace,
        "application-autoscaling:scalable-dimension": dimension,
    }
    return AuthRequest("", account.arn("application-autoscaling", f"scalable-target/{opaque}"), context)


def _autoscaling(account: Account, operation: str, params: Mapping[str, Any]) -> list[AuthRequest]:
    if operation.startswith("Describe"):
        return [
            AuthRequest(
                f"application-autoscaling:{operation}", "*", {}, f"application-autoscaling.{operation}"
            )
        ]
    writes = (
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "PutScalingPolicy",
        "DeleteScalingPolicy",
        "PutScheduledAction",
        "DeleteScheduledAction",
    )
    if operation not in writes:
        raise NotModelledError(f"application-autoscaling.{operation}")
    target = _scalable_target(account, params)
    why = f"application-autoscaling.{operation}"
    requests = [AuthRequest(f"application-autoscaling:{operation}", target.resource, target.context, why)]
    validated = operation in ("RegisterScalableTarget", "PutScalingPolicy")
    resource_id = str(params["ResourceId"])
    if validated and params["ServiceNamespace"] == "sagemaker" and resource_id.startswith("endpoint/"):
        endpoint = resource_id.split("/")[1].lower()
        arn = account.arn("sagemaker", f"endpoint/{endpoint}")
        check = f"{why}: Application Auto Scaling permission validation"
        requests += [
            AuthRequest(
                "sagemaker:DescribeEndpoint", arn, _tag_context(account.tags(arn), "aws:ResourceTag"), check
            ),
            AuthRequest(
                "sagemaker:UpdateEndpointWeightsAndCapacities",
                arn,
                _tag_context(account.tags(arn), "aws:ResourceTag"),
                check,
            ),
        ]
        if operation == "RegisterScalableTarget":
            role = account.arn(
                "iam",
                "role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
                region=False,
            )
            service = {"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"}
            requests.append(
                AuthRequest("iam:CreateServiceLinkedRole", role, service, f"{why}: service-linked role")
            )
        if params.get("PolicyType") == "TargetTrackingScaling":
            alarm = account.arn("cloudwatch", f"alarm:TargetTracking-{resource_id}-AlarmHigh-0000")
            requests += [
                AuthRequest("cloudwatch:DescribeAlarms", "*", {}, check),
                AuthRequest("cloudwatch:PutMetricAlarm", alarm, {}, check),
                AuthRequest("cloudwatch:DeleteAlarms", alarm, {}, check),
            ]
    return requests


def authorization_requests(
    service: str, operation: str, params: Mapping[str, Any], account: Account
) -> list[AuthRequest]:
    """Every authorization AWS makes for ``service.operation(**params)`` (boto3 service name).

    Raises
    ------
    NotModelledError
        When the operation is not modelled.
    """
    if service == "sagemaker":
        return _sagemaker(account, operation, params)
    if service == "application-autoscaling":
        return _autoscaling(account, operation, params)
    why = f"{service}.{operation}"
    if service == "cloudwatch":
        if operation in ("DescribeAlarms", "DescribeAlarmHistory"):
            return [AuthRequest(f"cloudwatch:{operation}", "*", {}, why)]
        if operation == "PutMetricAlarm":
            alarm = account.arn("cloudwatch", f"alarm:{params['AlarmName']}")
            requests = [AuthRequest("cloudwatch:PutMetricAlarm", alarm, {}, why)]
            if params.get("Tags"):
                # "To be able to associate tags with the alarm when you create the alarm, you must
                # have the cloudwatch:TagResource permission" (CloudWatch API reference,
                # PutMetricAlarm, Tags)
                requests.append(AuthRequest("cloudwatch:TagResource", alarm, {}, f"{why} with Tags"))
            return requests
        if operation == "ListTagsForResource":
            return [AuthRequest("cloudwatch:ListTagsForResource", str(params["ResourceARN"]), {}, why)]
        if operation == "DeleteAlarms":
            names: Sequence[str] = params["AlarmNames"]
            return [
                AuthRequest("cloudwatch:DeleteAlarms", account.arn("cloudwatch", f"alarm:{n}"), {}, why)
                for n in names
            ]
    stack_reads = ("DescribeStacks", "DescribeStackResource", "DescribeStackEvents")
    if service == "cloudformation" and operation in stack_reads and params.get("StackName"):
        name = str(params["StackName"])
        arn = name if name.startswith("arn:") else account.arn("cloudformation", f"stack/{name}/*")
        return [AuthRequest(f"cloudformation:{operation}", arn, {}, why)]
    if service == "lambda" and operation == "Invoke":
        # A function's tags are aws:ResourceTag keys of lambda:InvokeFunction (Lambda developer
        # guide, "Using attribute-based access control in Lambda").
        name = str(params["FunctionName"])
        arn = name if name.startswith("arn:") else account.arn("lambda", f"function:{name}")
        return [
            AuthRequest("lambda:InvokeFunction", arn, _tag_context(account.tags(arn), "aws:ResourceTag"), why)
        ]
    if service == "lambda" and operation == "ListTags":
        return [AuthRequest("lambda:ListTags", str(params["Resource"]), {}, why)]
    if service == "iam" and operation == "SimulatePrincipalPolicy":
        return [AuthRequest("iam:SimulatePrincipalPolicy", str(params["PolicySourceArn"]), {}, why)]
    if service == "sagemaker-runtime" and operation == "InvokeEndpoint":
        # The endpoint resource type, with its tags (SAR for SageMaker: InvokeEndpoint on endpoint*).
        arn = account.arn("sagemaker", f"endpoint/{str(params['EndpointName']).lower()}")
        return [
            AuthRequest(
                "sagemaker:InvokeEndpoint", arn, _tag_context(account.tags(arn), "aws:ResourceTag"), why
            )
        ]
    if service == "dynamodb" and "TableName" in params:
        table = account.arn("dynamodb", f"table/{params['TableName']}")
        return [AuthRequest(f"dynamodb:{operation}", table, {}, why)]
    if service == "dynamodb" and operation in ("TransactWriteItems", "TransactGetItems"):
        items = params["TransactItems"]
        requests = []
        for item in items:
            for kind, body in item.items():
                action = {
                    "Put": "PutItem",
                    "Update": "UpdateItem",
                    "Delete": "DeleteItem",
                    "Get": "GetItem",
                }.get(kind, "ConditionCheckItem")
                table = account.arn("dynamodb", f"table/{body['TableName']}")
                requests.append(AuthRequest(f"dynamodb:{action}", table, {}, why))
        return requests
    if service == "sqs" and operation == "SendMessage":
        url = str(params["QueueUrl"]).rstrip("/")
        return [AuthRequest("sqs:SendMessage", account.arn("sqs", url.rsplit("/", 1)[-1]), {}, why)]
    raise NotModelledError(why)
