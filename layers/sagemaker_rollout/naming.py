"""Names the provider derives: endpoint names, endpoint-config names, ownership tags."""

from __future__ import annotations

import hashlib
import re

__all__ = [
    "ENDPOINT_TAG",
    "LOGICAL_ID_TAG",
    "MANAGED_BY_TAG",
    "STACK_ID_TAG",
    "config_name",
    "default_endpoint_name",
    "owner_tags",
    "stack_name_of",
]

STACK_ID_TAG = "sagemaker-rollout:stack-id"
LOGICAL_ID_TAG = "sagemaker-rollout:logical-id"
ENDPOINT_TAG = "sagemaker-rollout:endpoint-name"
MANAGED_BY_TAG = "sagemaker-rollout:managed-by"
_MAX = 63


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


def default_endpoint_name(stack_id: str, logical_id: str) -> str:
    """Deterministic, SageMaker-valid (<= 63 chars) endpoint name from stack name and logical id."""
    stack = stack_name_of(stack_id)
    base = _clean(f"{stack}-{logical_id}") or "endpoint"
    return _fit(base, f"{stack}/{logical_id}")


def config_name(endpoint_name: str, digest: str) -> str:
    """Endpoint-config name: the endpoint's name (at most 50 chars) and 12 hex digits of a hash.

    The hash covers the endpoint's full name and the content digest, so two endpoints whose names
    share their first 50 characters never share a config name, and the same content for the same
    endpoint always gives the same name (an idempotent CreateEndpointConfig).
    """
    unique = hashlib.sha256(f"{endpoint_name}\n{digest}".encode()).hexdigest()[:12]
    return f"{endpoint_name[:50].rstrip('-')}-{unique}"


def owner_tags(stack_id: str, logical_id: str, endpoint_name: str) -> list[dict[str, str]]:
    """Tags that mark a resource as created by this provider for this stack resource and endpoint."""
    return [
        {"Key": STACK_ID_TAG, "Value": stack_id[:256]},
        {"Key": LOGICAL_ID_TAG, "Value": logical_id[:256]},
        {"Key": ENDPOINT_TAG, "Value": endpoint_name},
        {"Key": MANAGED_BY_TAG, "Value": "sagemaker-rollout"},
    ]
