"""The ``SageMakerRollout`` macro: expands ``SageMakerRollout::Endpoint`` into wired resources."""

from __future__ import annotations

from sagemaker_rollout.macro.endpoint import (
    COMPACT_TYPE,
    ENDPOINT_TYPE,
    PROVIDERS,
    REGISTRY_ENDPOINT_TYPE,
    expand_endpoint,
)
from sagemaker_rollout.macro.errors import MacroError
from sagemaker_rollout.macro.graph import dependency_graph, find_cycle
from sagemaker_rollout.macro.handler import PROVIDER_ARN_ENV, handle_event, handler
from sagemaker_rollout.macro.template import (
    DEFAULT_MACRO_NAME,
    DEFAULT_SERVICE_TOKEN,
    MAX_RESOURCES,
    expand_template,
    parameter_defaults,
    strip_transform,
)

__all__ = [
    "COMPACT_TYPE",
    "DEFAULT_MACRO_NAME",
    "DEFAULT_SERVICE_TOKEN",
    "ENDPOINT_TYPE",
    "MAX_RESOURCES",
    "PROVIDERS",
    "PROVIDER_ARN_ENV",
    "REGISTRY_ENDPOINT_TYPE",
    "MacroError",
    "dependency_graph",
    "expand_endpoint",
    "expand_template",
    "find_cycle",
    "handle_event",
    "handler",
    "parameter_defaults",
    "strip_transform",
]
