"""Real-shaped CloudFormation custom resource events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["REQUEST_TYPES", "custom_resource_event", "stringify"]

REQUEST_TYPES = ("Create", "Update", "Delete")


def stringify(value: Any) -> Any:
    """Turn numbers and booleans into strings, recursively, the way CloudFormation delivers them.

    ``True`` becomes ``"true"``, ``2`` becomes ``"2"``, ``0.5`` becomes ``"0.5"``; strings,
    ``None``, lists and mappings keep their shape.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): stringify(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [stringify(item) for item in value]
    return value


def _properties(
    service_token: str, properties: Mapping[str, Any], service_timeout: int | None, as_strings: bool
) -> dict[str, Any]:
    props: dict[str, Any] = {"ServiceToken": service_token}
    props.update({k: v for k, v in properties.items() if k != "ServiceToken"})
    if service_timeout is not None:
        props["ServiceTimeout"] = service_timeout
    return stringify(props) if as_strings else props


def custom_resource_event(
    request_type: str,
    properties: Mapping[str, Any],
    *,
    service_token: str,
    response_url: str,
    stack_id: str,
    request_id: str | None = None,
    logical_id: str = "Endpoint",
    resource_type: str = "Custom::SageMakerEndpoint",
    physical_resource_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
    service_timeout: int | None = None,
    as_strings: bool = True,
) -> dict[str, Any]:
    """Build the event CloudFormation sends to a custom resource provider.

    Parameters
    ----------
    request_type:
        ``Create``, ``Update`` or ``Delete``.
    properties:
        ``ResourceProperties`` without ``ServiceToken`` (added here; one given is replaced).
    physical_resource_id:
        Required for ``Update`` and ``Delete``.
    old_properties:
        ``OldResourceProperties``; required for ``Update``.
    service_timeout:
        Put into ``ResourceProperties`` as ``ServiceTimeout`` (1-3600) when given.
    as_strings:
        Deliver numbers and booleans as strings (CloudFormation's behaviour).
    """
    if request_type not in REQUEST_TYPES:
        raise ValueError(f"RequestType: {request_type!r} is not one of {', '.join(REQUEST_TYPES)}")
    if request_type != "Create" and physical_resource_id is None:
        raise ValueError(f"PhysicalResourceId: required for a {request_type} event")
    if request_type == "Update" and old_properties is None:
        raise ValueError("OldResourceProperties: required for an Update event")
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id or str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": _properties(service_token, properties, service_timeout, as_strings),
    }
    if physical_resource_id is not None:
        event["PhysicalResourceId"] = physical_resource_id
    if old_properties is not None:
        event["OldResourceProperties"] = _properties(service_token, old_properties, None, as_strings)
    return event
