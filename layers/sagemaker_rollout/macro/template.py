"""Expansion of a whole template: compact resources replaced in place, everything else unchanged."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.endpoint import COMPACT_TYPE, expand_endpoint
from sagemaker_rollout.macro.errors import MacroError

__all__ = [
    "DEFAULT_MACRO_NAME",
    "DEFAULT_SERVICE_TOKEN",
    "MAX_RESOURCES",
    "expand_template",
    "parameter_defaults",
    "strip_transform",
]

DEFAULT_MACRO_NAME = "SageMakerRollout"
#: ``ServiceToken`` used by ``render`` when none is given: the provider stack's export.
DEFAULT_SERVICE_TOKEN: dict[str, Any] = {"Fn::ImportValue": "sagemaker-rollout-EndpointProviderArn"}
MAX_RESOURCES = 500
_LOGICAL_ID_RE = re.compile(r"^[A-Za-z0-9]{1,255}$")


def expand_template(
    template: Mapping[str, Any],
    *,
    service_token: Any,
    parameters: Mapping[str, Any] | None = None,
    max_resources: int | None = MAX_RESOURCES,
) -> dict[str, Any]:
    """Expand every ``SageMakerRollout::Endpoint`` of a template (pure: the input is not modified).

    Parameters
    ----------
    template:
        The template fragment (the macro event's ``fragment``).
    service_token:
        ``ServiceToken`` of the generated custom resources (the provider's ARN, or an intrinsic).
    parameters:
        Template parameter values (``templateParameterValues``).
    max_resources:
        CloudFormation's resource limit, checked after expansion; ``None`` skips the check
        (benchmarks only).

    Returns
    -------
    dict
        A new template: each compact resource is replaced, at its position, by its generated
        resources; every other key and resource is an unchanged (deep) copy.

    Raises
    ------
    MacroError
        On invalid compact resources, logical-id collisions, or more than 500 resources.
    """
    if not isinstance(template, Mapping):
        raise MacroError("Template", "", "must be a mapping")
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise MacroError("Resources", "", "must be a mapping of logical ids to resources")
    declared_parameters = template.get("Parameters")
    declared = frozenset(
        str(name) for name in (declared_parameters if isinstance(declared_parameters, Mapping) else {})
    ) | frozenset(parameters or {})
    result: dict[str, Any] = {}
    for key, value in template.items():
        if key != "Resources":
            result[key] = copy.deepcopy(value)
            continue
        expanded: dict[str, Any] = {}
        for logical_id, resource in resources.items():
            if not (isinstance(resource, Mapping) and resource.get("Type") == COMPACT_TYPE):
                _put(expanded, logical_id, copy.deepcopy(resource), resources, owner=None)
                continue
            if not _LOGICAL_ID_RE.match(str(logical_id)):
                raise MacroError(str(logical_id), "", "logical ids must be alphanumeric")
            generated = expand_endpoint(
                logical_id,
                copy.deepcopy(resource),
                service_token=copy.deepcopy(service_token),
                parameters=parameters,
                declared=declared,
            )
            for generated_id, generated_resource in generated.items():
                _put(expanded, generated_id, generated_resource, resources, owner=logical_id)
        if max_resources is not None and len(expanded) > max_resources:
            raise MacroError(
                "Resources",
                "",
                f"the expanded template has {len(expanded)} resources; CloudFormation allows at most "
                f"{max_resources} (split the endpoints across stacks, or drop alarms, autoscaling or "
                "dashboards)",
            )
        result[key] = expanded
    return result


def _put(
    expanded: dict[str, Any], logical_id: str, resource: Any, original: Mapping[str, Any], owner: str | None
) -> None:
    """Add a resource, refusing a logical id that another resource already has."""
    clash = logical_id in expanded or (owner is not None and logical_id != owner and logical_id in original)
    if clash:
        other = owner if owner is not None else logical_id
        raise MacroError(
            other,
            "",
            f"generated logical id {logical_id!r} collides with another resource of the template; "
            "rename that resource or this one",
        )
    expanded[logical_id] = resource


def strip_transform(template: Mapping[str, Any], macro_name: str = DEFAULT_MACRO_NAME) -> dict[str, Any]:
    """Remove the macro from ``Transform`` (a string or a list); drop the key if nothing is left."""
    result = dict(template)
    transform = result.get("Transform")
    if transform == macro_name:
        del result["Transform"]
    elif isinstance(transform, list):
        remaining = [item for item in transform if item != macro_name]
        if not remaining:
            del result["Transform"]
        else:
            result["Transform"] = remaining[0] if len(remaining) == 1 else remaining
    return result


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values a local render uses: each parameter's ``Default``, if it has one."""
    parameters = template.get("Parameters")
    if not isinstance(parameters, Mapping):
        return {}
    return {
        name: spec["Default"]
        for name, spec in parameters.items()
        if isinstance(spec, Mapping) and "Default" in spec
    }
