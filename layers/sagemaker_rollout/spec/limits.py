"""The registry type's limits, and whether a rollout needs them (light: the macro and lint use it).

A custom resource's request has at most 3600 s (its ``ServiceTimeout``, AWS CloudFormation user
guide, "AWS::CloudFormation::CustomResource": 1-3600 seconds); the registry type's create and update
handlers have up to 2160 minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.spec.errors import PropertyError

__all__ = [
    "HANDLER_TIMEOUT_MINUTES",
    "MAX_SERVICE_TIMEOUT",
    "REGISTRY_TIME_LIMIT",
    "TYPE_NAME",
    "needs_registry_type",
    "parse_service_timeout",
    "registry_type_note",
    "service_timeout",
]

MAX_SERVICE_TIMEOUT = 3600
"""A custom resource's ``ServiceTimeout``: 1-3600 seconds, default 3600 (CloudFormation user guide,
"AWS::CloudFormation::CustomResource")."""


def parse_service_timeout(raw: Any) -> int:
    """``ServiceTimeout`` as CloudFormation delivers it (a string) -> seconds.

    Raises
    ------
    PropertyError
        Not a whole number of seconds in 1-3600.
    """
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise PropertyError(
            "ServiceTimeout", f"{raw!r} must be a whole number of seconds, 1-{MAX_SERVICE_TIMEOUT}"
        ) from None
    if not 1 <= value <= MAX_SERVICE_TIMEOUT:
        raise PropertyError("ServiceTimeout", f"{value} is outside 1-{MAX_SERVICE_TIMEOUT} seconds")
    return value


def service_timeout(properties: Mapping[str, Any]) -> int:
    """The request's time limit from its properties: ``ServiceTimeout``, or 3600 when it is absent.

    The one reading of ``ServiceTimeout`` (the engine's deadline, the custom resource's deadline
    from the signed URL, the spec's validation). An invalid value counts as the default: such a
    request fails validation before anything is touched.
    """
    raw = properties.get("ServiceTimeout")
    if raw is None:
        return MAX_SERVICE_TIMEOUT
    try:
        return parse_service_timeout(raw)
    except PropertyError:
        return MAX_SERVICE_TIMEOUT


TYPE_NAME = "SageMakerRollout::SageMaker::Endpoint"

HANDLER_TIMEOUT_MINUTES = {"create": 2160, "update": 2160, "delete": 720, "read": 5, "list": 5}
"""``timeoutInMinutes`` of each handler in the schema (generated from this table).

2160 minutes (36 h) is the largest value the CloudFormation CLI's provider definition meta-schema
allows (``provider.definition.schema.v1.json``, ``handlers.*.timeoutInMinutes``: minimum 2, maximum
2160, default 120). Create and update get all of it: SageMaker lets a guarded update run for
``MaximumExecutionTimeoutInSeconds`` up to 28,800 s (API reference, BlueGreenUpdatePolicy and
RollingUpdatePolicy), after provisioning whose model download and container health check take up to
3600 s each (API reference, ProductionVariant); with a wait for an endpoint busy with another
update and the rollback, that is far above the custom resource's 3600 s. Delete may first wait for
a running rollout to settle (720 minutes). Read and list answer at once.
"""

REGISTRY_TIME_LIMIT = HANDLER_TIMEOUT_MINUTES["update"] * 60
"""Seconds a rollout of the registry type may take (its update handler's timeout)."""


def needs_registry_type(properties: Mapping[str, Any], *, allow_intrinsics: bool = True) -> bool:
    """Whether endpoint ``properties`` need more time than any custom resource request has.

    True when they are refused with the custom resource's largest ``ServiceTimeout`` (3600 s) and
    valid with the registry type's time limit: nothing else is wrong with them.
    """
    from sagemaker_rollout.spec import parse_endpoint_properties

    base = {k: v for k, v in properties.items() if k not in ("ServiceToken", "ServiceTimeout")}
    for limit, fits in ((3600, False), (REGISTRY_TIME_LIMIT, True)):
        try:
            parse_endpoint_properties(base, allow_intrinsics=allow_intrinsics, time_limit=limit)
        except PropertyError:
            continue
        return fits
    return False


def registry_type_note(compact: bool) -> str:
    """What to do about it, for a refusal's message."""
    how = "set Provider: RegistryType" if compact else f"use the registry type {TYPE_NAME}"
    return (
        f"a custom resource has at most 3600 s: {how} (handlers of up to "
        f"{HANDLER_TIMEOUT_MINUTES['update'] // 60} hours, docs/registry.md)"
    )
