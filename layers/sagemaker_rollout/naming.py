"""Names the provider derives: endpoint names, endpoint-config names, ownership tags."""

from __future__ import annotations

import hashlib
import os
import re

__all__ = [
    "ADOPTABLE_TAG",
    "BRAKE_ALARM_PREFIX",
    "ENDPOINT_TAG",
    "LOGICAL_ID_TAG",
    "MANAGED_BY_CUSTOM_RESOURCE",
    "MANAGED_BY_REGISTRY_TYPE",
    "MANAGED_BY_TAG",
    "NAME_PREFIX_ENV",
    "OWNER_TAG_KEYS",
    "SCALING_GENERATION",
    "STACK_ID_TAG",
    "brake_alarm_name",
    "config_name",
    "default_endpoint_name",
    "name_prefix",
    "owner_tags",
    "stack_name_of",
]

STACK_ID_TAG = "sagemaker-rollout:stack-id"
LOGICAL_ID_TAG = "sagemaker-rollout:logical-id"
ENDPOINT_TAG = "sagemaker-rollout:endpoint-name"
MANAGED_BY_TAG = "sagemaker-rollout:managed-by"
MANAGED_BY_CUSTOM_RESOURCE = "sagemaker-rollout"
"""Value of :data:`MANAGED_BY_TAG` on what ``Custom::SageMakerEndpoint`` creates (and on what the
registry type created before it had a value of its own)."""
MANAGED_BY_REGISTRY_TYPE = "SageMakerRollout::SageMaker::Endpoint"
"""Value of :data:`MANAGED_BY_TAG` on what the registry type creates or adopts: its type name (the
same text as ``spec.limits.TYPE_NAME``, which this domain module cannot import). IAM tells the two
front ends' resources apart by this value (template.yaml, registry/resource-role.yaml)."""
OWNER_TAG_KEYS = (STACK_ID_TAG, LOGICAL_ID_TAG, ENDPOINT_TAG, MANAGED_BY_TAG)
"""The ownership tags (:func:`owner_tags`): added on create and adoption, removed on release."""
ADOPTABLE_TAG = "sagemaker-rollout:adoptable"
"""The owner's consent to adoption (value ``true``, exactly). Set by the owner, never by the provider."""
SCALING_GENERATION = "ScalingGeneration"
"""``Fn::GetAtt`` attribute of the endpoint resource: how many times the provider re-created the
endpoint's scaling policies (each time under new ARNs). The macro ends the names of the policies its
alarms act on with it (:mod:`sagemaker_rollout.macro.targets`)."""
NAME_PREFIX_ENV = "SAGEMAKER_ROLLOUT_NAME_PREFIX"
"""Environment variable holding the stack parameter ``ResourceNamePrefix`` (provider and macro)."""
_MAX = 63
BRAKE_ALARM_PREFIX = "sagemaker-rollout-brake-"
SMOKE_CONSENT_TAG = "sagemaker-rollout:smoke-test"
"""A Lambda function consents to be invoked as a smoke test by carrying this tag with the value
``true`` (:mod:`sagemaker_rollout.spec.smoke`)."""
"""Start of the name of every brake alarm the provider creates (IAM scopes its PutMetricAlarm,
DeleteAlarms and TagResource to ``alarm:sagemaker-rollout-brake-<ResourceNamePrefix>*``)."""


def stack_name_of(stack_id: str) -> str:
    """``arn:aws:cloudformation:r:a:stack/NAME/guid`` -> ``NAME`` (or the input if not an ARN)."""
    parts = stack_id.split("/")
    return parts[1] if len(parts) >= 3 else stack_id


def _clean(text: str) -> str:
    text = re.sub(r"[^a-zA-Z0-9-]+", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-")


def _fit(base: str, seed: str, limit: int = _MAX) -> str:
    if len(base) <= limit:
        return base
    digest = hashlib.sha256(seed.encode()).hexdigest()[:8]
    return f"{base[: limit - 9].rstrip('-')}-{digest}"


def brake_alarm_name(endpoint_name: str, request_key: str) -> str:
    """The brake alarm of one request's rollout: ``sagemaker-rollout-brake-<endpoint>-<hash>``.

    Derived from the journal's request key, so every retry, duplicate or continuation of the request
    names the same alarm (a PutMetricAlarm repeated replaces it; CloudWatch API reference,
    PutMetricAlarm), and no other request's. The endpoint name starts with ``ResourceNamePrefix``,
    so the alarm name stays inside the IAM pattern. At most 255 characters (CloudWatch API
    reference, PutMetricAlarm ``AlarmName``: 1-255).
    """
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:12]
    return f"{BRAKE_ALARM_PREFIX}{endpoint_name}-{digest}"


def name_prefix() -> str:
    """``ResourceNamePrefix`` as the template hands it to the functions ('' when unset)."""
    return os.environ.get(NAME_PREFIX_ENV, "")


def default_endpoint_name(stack_id: str, logical_id: str, prefix: str | None = None) -> str:
    """Deterministic, SageMaker-valid (<= 63 chars) endpoint name: ``<prefix><stack>-<logical id>``.

    ``prefix`` (default: :func:`name_prefix`) is kept whole, so the name stays inside the IAM
    resource pattern ``endpoint/<prefix>*``; a name too long is cut after the prefix and ends with
    8 hex digits of a hash of stack name and logical id (still deterministic).
    """
    prefix = name_prefix() if prefix is None else prefix
    stack = stack_name_of(stack_id)
    rest = _clean(f"{stack}-{logical_id}") or "endpoint"
    if prefix:
        rest = rest.lstrip("-") or "endpoint"
    return prefix + _fit(rest, f"{stack}/{logical_id}", _MAX - len(prefix))


def config_name(endpoint_name: str, digest: str) -> str:
    """Endpoint-config name: the endpoint's name (at most 50 chars) and 12 hex digits of a hash.

    The hash covers the endpoint's full name and the content digest, so two endpoints whose names
    share their first 50 characters never share a config name, and the same content for the same
    endpoint always gives the same name (an idempotent CreateEndpointConfig).
    """
    unique = hashlib.sha256(f"{endpoint_name}\n{digest}".encode()).hexdigest()[:12]
    return f"{endpoint_name[:50].rstrip('-')}-{unique}"


def owner_tags(
    stack_id: str, logical_id: str, endpoint_name: str, managed_by: str = MANAGED_BY_CUSTOM_RESOURCE
) -> list[dict[str, str]]:
    """Tags that mark a resource as created by this provider for this stack resource and endpoint.

    ``managed_by`` names the front end that owns it (:data:`MANAGED_BY_CUSTOM_RESOURCE` or
    :data:`MANAGED_BY_REGISTRY_TYPE`); the stack and logical id say where it was created.
    """
    return [
        {"Key": STACK_ID_TAG, "Value": stack_id[:256]},
        {"Key": LOGICAL_ID_TAG, "Value": logical_id[:256]},
        {"Key": ENDPOINT_TAG, "Value": endpoint_name},
        {"Key": MANAGED_BY_TAG, "Value": managed_by},
    ]
