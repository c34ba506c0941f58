"""Properties of ``Custom::SageMakerEndpoint``: schema, coercion, SageMaker's rules, estimates."""

from __future__ import annotations

from sagemaker_rollout.spec.deployment import (
    RolloutEstimate,
    check_deployment_config,
    estimate_create,
    estimate_rollout,
    strategy_of,
)
from sagemaker_rollout.spec.endpoint import (
    FLAG_KEYS,
    OWNER_TAG_PREFIX,
    PASSABLE_ROLES_ENV,
    EndpointSpec,
    guardrail_warnings,
    parse_endpoint_properties,
    validate_endpoint_properties,
)
from sagemaker_rollout.spec.errors import PropertyError
from sagemaker_rollout.spec.shapes import is_intrinsic
from sagemaker_rollout.spec.tags import MAX_USER_TAGS, merge_stack_tags

__all__ = [
    "FLAG_KEYS",
    "MAX_USER_TAGS",
    "OWNER_TAG_PREFIX",
    "PASSABLE_ROLES_ENV",
    "EndpointSpec",
    "PropertyError",
    "RolloutEstimate",
    "check_deployment_config",
    "estimate_create",
    "estimate_rollout",
    "guardrail_warnings",
    "is_intrinsic",
    "merge_stack_tags",
    "parse_endpoint_properties",
    "strategy_of",
    "validate_endpoint_properties",
]
