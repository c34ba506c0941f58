"""Names the macro computes: logical ids, the endpoint name, alarm names, SageMaker's metric catalogue."""

from __future__ import annotations

import re
from typing import Any

from sagemaker_rollout.naming import name_prefix
from sagemaker_rollout.sagemaker import INSTANCE_NAMESPACE, INVOCATION_NAMESPACE, VARIANT_METRICS
from sagemaker_rollout.sagemaker import NAME_RE as ENDPOINT_NAME_RE

__all__ = [
    "ENDPOINT_NAME_RE",
    "INSTANCE_NAMESPACE",
    "INVOCATION_NAMESPACE",
    "MAX_ALARM_NAME_SUFFIX",
    "VARIANT_METRICS",
    "alarm_name",
    "alarm_suffix",
    "default_endpoint_name_expression",
    "pascal",
]

#: CloudWatch alarm names are at most 255 characters and stack names at most 128: the part after
#: ``${AWS::StackName}-`` may use the rest.
MAX_ALARM_NAME_SUFFIX = 255 - 128 - 1

#: Characters of the logical id kept in the default endpoint name (``<id>-<stack uuid>``, 63 max).
_DEFAULT_NAME_PREFIX = 63 - 36 - 1


def pascal(name: str) -> str:
    """``model-a`` -> ``ModelA``: the part of a logical id that comes from a variant name."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def default_endpoint_name_expression(logical_id: str, prefix: str | None = None) -> dict[str, Any]:
    """The endpoint name when the user gives none, as a template expression:
    ``<prefix><logical id, lowercased>-<stack uuid>``.

    Not :func:`sagemaker_rollout.naming.default_endpoint_name` (``<prefix><stack>-<logical id>``),
    on purpose: that one runs in the provider, which knows the stack's name and can shorten it; the
    macro runs before the stack exists and can only build an expression CloudFormation evaluates,
    which cannot shorten a string.

    CloudFormation cannot truncate strings and stack names may be 128 characters long, while
    SageMaker endpoint names are at most 63; the stack id's UUID (36 characters) is unique per
    stack and stable across updates, so ``classifier-1c2fa620-982a-11e3-aff7-50e2416294e0`` is
    valid, unique and computable without referring to the endpoint resource.

    ``prefix`` (default: the provider stack's ``ResourceNamePrefix``, from the macro function's
    environment) comes first, whole, so the name stays inside the provider's IAM resource pattern.
    When a long prefix leaves no room for the whole UUID, its last group (12 hex digits, 48 bits of
    the stack's UUID) is used instead: ``<prefix><logical id>-50e2416294e0``.
    """
    prefix = name_prefix() if prefix is None else prefix
    stack_uuid: Any = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
    room = _DEFAULT_NAME_PREFIX - len(prefix)
    if room < 1:
        stack_uuid = {"Fn::Select": [4, {"Fn::Split": ["-", stack_uuid]}]}
        room = 63 - 12 - 1 - len(prefix)
    head = prefix + logical_id.lower()[:room]
    return {"Fn::Join": ["-", [head, stack_uuid]]}


def alarm_name(logical_id: str, variant: Any, metric: str) -> dict[str, Any]:
    """``${AWS::StackName}-<logical id>-<variant>-<metric>``: known before the alarm exists.

    ``variant`` may be an intrinsic (a name built with ``!Sub``): the name is then an ``Fn::Join``.
    """
    if not isinstance(variant, str):
        return {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, logical_id, variant, metric]]}
    return {"Fn::Sub": f"${{AWS::StackName}}-{alarm_suffix(logical_id, variant, metric)}"}


def alarm_suffix(logical_id: str, variant: str, metric: str) -> str:
    """The part of an alarm name after the stack name."""
    return f"{logical_id}-{variant}-{metric}"
