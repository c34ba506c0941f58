"""The properties of ``Custom::SageMakerEndpoint``: one schema, coercion and every rule.

Property names mirror CreateEndpointConfig / CreateEndpoint / UpdateEndpoint; their types,
ranges and patterns come from SageMaker's API model (:mod:`sagemaker_rollout.spec.shapes`). The
rules SageMaker only enforces at run time (or that the provider adds) are checked here too, so a
bad template fails before anything changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.sagemaker import NAME_RE
from sagemaker_rollout.spec.deployment import check_deployment_config
from sagemaker_rollout.spec.errors import PropertyError
from sagemaker_rollout.spec.estimate import RolloutEstimate
from sagemaker_rollout.spec.limits import MAX_SERVICE_TIMEOUT, parse_service_timeout
from sagemaker_rollout.spec.shapes import coerce, is_intrinsic, operation_input, unknown_reason
from sagemaker_rollout.spec.smoke import SmokeTest, parse_smoke_test
from sagemaker_rollout.spec.tags import check_tag_count
from sagemaker_rollout.spec.variants import (
    check_serverless,
    check_shadow,
    check_unique_names,
    check_variants,
    guardrail_warnings,
)

__all__ = [
    "FLAG_KEYS",
    "OWNER_TAG_PREFIX",
    "PASSABLE_ROLES_ENV",
    "EndpointSpec",
    "allowed_keys",
    "guardrail_warnings",
    "parse_endpoint_properties",
    "validate_endpoint_properties",
]

OWNER_TAG_PREFIX = "sagemaker-rollout:"
"""Tags under this prefix are the provider's own (ownership); users may not set them."""

PASSABLE_ROLES_ENV = "SAGEMAKER_ROLLOUT_PASSABLE_ROLES"
"""Role ARN pattern the provider may pass (template: ``role/${PassableRoleNamePattern}``)."""

_NAME_RE = NAME_RE
_UPDATE_KEYS = (
    "DeploymentConfig",
    "RetainAllVariantProperties",
    "ExcludeRetainedVariantProperties",
    "RetainDeploymentConfig",
)
_OWN_KEYS = ("ServiceToken", "EndpointName", "Tags", "ServiceTimeout", "SmokeTest")
#: The provider's switches (contract section 8): parsed here, never sent to SageMaker.
FLAG_KEYS = ("AdoptExistingEndpoint", "AllowIrreversibleChanges", "AllowUnguardedRollout")


@dataclass(frozen=True)
class EndpointSpec:
    """Validated, coerced properties of one ``Custom::SageMakerEndpoint``.

    Attributes
    ----------
    endpoint_name:
        The name asked for, or None (the provider derives one).
    config:
        CreateEndpointConfig arguments except ``EndpointConfigName`` and ``Tags``.
    deployment_config:
        UpdateEndpoint ``DeploymentConfig``, or None.
    retain_all_variant_properties:
        Default True: autoscaled counts and weights survive an update.
    exclude_retained_variant_properties:
        As in UpdateEndpoint, or None.
    retain_deployment_config:
        As in UpdateEndpoint, or None.
    tags:
        User tags, ``[{"Key": ..., "Value": ...}]``.
    service_timeout:
        The request's time limit in seconds (CloudFormation's ``ServiceTimeout``).
    estimate:
        Worst-case rollout estimate the spec was checked against.
    allow_unguarded_rollout:
        ``AllowUnguardedRollout`` (default False): a change of the variant set may roll out without
        its ``DeploymentConfig`` (see :func:`sagemaker_rollout.planner.plan_update`).
    allow_irreversible_changes:
        ``AllowIrreversibleChanges`` (default False): permit a change SageMaker cannot undo
        (serverless to instance-based).
    adopt_existing_endpoint:
        ``AdoptExistingEndpoint`` (default False): Create may take over an existing endpoint.
    warnings:
        What the properties alone show SageMaker will do differently from what they ask (Inf1
        instances: deployment guardrails silently not applied).
    smoke_test:
        ``SmokeTest`` (:mod:`sagemaker_rollout.spec.smoke`), or None.
    """

    endpoint_name: str | None
    config: Mapping[str, Any]
    deployment_config: Mapping[str, Any] | None
    retain_all_variant_properties: bool
    exclude_retained_variant_properties: tuple[Mapping[str, Any], ...] | None
    retain_deployment_config: bool | None
    tags: tuple[Mapping[str, str], ...]
    service_timeout: int
    estimate: RolloutEstimate
    allow_unguarded_rollout: bool = False
    allow_irreversible_changes: bool = False
    adopt_existing_endpoint: bool = False
    warnings: tuple[str, ...] = ()
    smoke_test: SmokeTest | None = None

    @property
    def variants(self) -> list[Mapping[str, Any]]:
        """The production variants."""
        return list(self.config["ProductionVariants"])

    @property
    def config_digest(self) -> str:
        """Hash of the endpoint-config content: same content, same digest (idempotent names)."""
        canonical = json.dumps(self.config, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def update_arguments(self) -> dict[str, Any]:
        """UpdateEndpoint arguments other than the endpoint and config names."""
        args: dict[str, Any] = {"RetainAllVariantProperties": self.retain_all_variant_properties}
        if self.deployment_config:
            args["DeploymentConfig"] = dict(self.deployment_config)
        if self.exclude_retained_variant_properties is not None:
            args["ExcludeRetainedVariantProperties"] = [
                dict(x) for x in self.exclude_retained_variant_properties
            ]
        if self.retain_deployment_config is not None:
            args["RetainDeploymentConfig"] = self.retain_deployment_config
        return args


def validate_endpoint_properties(properties: Mapping[str, Any]) -> None:
    """Raise :class:`PropertyError` if ``properties`` would be refused; intrinsics are tolerated.

    Used by the macro and the linter on templates whose values CloudFormation has not resolved yet.
    """
    parse_endpoint_properties(properties, allow_intrinsics=True)


def allowed_keys() -> list[str]:
    """Every property name ``Custom::SageMakerEndpoint`` accepts, sorted."""
    config_keys = [
        k for k in operation_input("CreateEndpointConfig").members if k not in ("EndpointConfigName", "Tags")
    ]
    return sorted({*config_keys, *_UPDATE_KEYS, *_OWN_KEYS, *FLAG_KEYS})


def parse_endpoint_properties(
    properties: Mapping[str, Any],
    *,
    allow_intrinsics: bool = False,
    passable_roles: str | None = None,
    time_limit: int | None = None,
    smoke_functions: str | None = None,
) -> EndpointSpec:
    """Coerce and validate the ``ResourceProperties`` of a ``Custom::SageMakerEndpoint``.

    Parameters
    ----------
    properties:
        As CloudFormation delivers them (scalars as strings).
    allow_intrinsics:
        Accept unresolved ``Ref`` / ``Fn::`` values (linting a template); False in the provider.
    passable_roles:
        The role ARN pattern the provider's IAM policy lets it pass to SageMaker (IAM wildcards
        ``*`` and ``?``; the provider gives :data:`PASSABLE_ROLES_ENV`); None: not checked.
    time_limit:
        The request's time limit in seconds when it is not the custom resource's ``ServiceTimeout``
        (the registry type's handler timeout, which has no ``ServiceTimeout`` property); None: the
        ``ServiceTimeout`` property, default 3600.
    smoke_functions:
        The function name pattern a ``SmokeTest.FunctionArn`` must match (the provider gives
        :data:`~sagemaker_rollout.spec.smoke.SMOKE_FUNCTIONS_ENV`, '' when unset: none); None: not
        checked.

    Raises
    ------
    PropertyError
        One line naming the property and what is allowed.
    """
    if not isinstance(properties, Mapping):
        raise PropertyError("", "resource properties must be an object")
    config_input = operation_input("CreateEndpointConfig")
    update_input = operation_input("UpdateEndpoint")
    allowed = allowed_keys()
    unknown = sorted(str(k) for k in properties if k not in allowed)
    if "EndpointConfigName" in unknown:  # kept from AWS::SageMaker::Endpoint: not a typo to correct
        raise PropertyError(
            "EndpointConfigName",
            "not a property: the provider creates and names the endpoint configs itself (from the "
            "endpoint name and a hash of their content); remove it and put the config's properties "
            "(ProductionVariants, DataCaptureConfig, ...) on this resource",
        )
    if unknown:
        raise PropertyError(unknown[0], unknown_reason(unknown[0], allowed, "the resource"))
    if "ProductionVariants" not in properties:
        raise PropertyError("ProductionVariants", "is required (1-10 production variants)")

    def field(shape: Any, key: str) -> Any:
        return coerce(shape.members[key], properties[key], key, allow_intrinsics=allow_intrinsics)

    config: dict[str, Any] = {}
    for key in config_input.members:
        if key in properties and key not in ("EndpointConfigName", "Tags"):
            config[key] = field(config_input, key)
    update = {key: field(update_input, key) for key in _UPDATE_KEYS if key in properties}

    name = properties.get("EndpointName")
    if (
        name is not None
        and not (allow_intrinsics and is_intrinsic(name))
        and (not isinstance(name, str) or not _NAME_RE.fullmatch(name))
    ):
        raise PropertyError(
            "EndpointName",
            f"{name!r} is not a valid endpoint name: 1-63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        )
    tags = _tags(properties.get("Tags"), allow_intrinsics)
    timeout = MAX_SERVICE_TIMEOUT if time_limit is None else time_limit
    if time_limit is None and "ServiceTimeout" in properties:
        raw = properties["ServiceTimeout"]
        if not (allow_intrinsics and is_intrinsic(raw)):
            timeout = parse_service_timeout(raw)

    if passable_roles:
        _check_execution_role(config.get("ExecutionRoleArn"), passable_roles)
    check_variants(config.get("ProductionVariants", []), "ProductionVariants")
    check_variants(config.get("ShadowProductionVariants", []), "ShadowProductionVariants")
    check_unique_names(config)
    check_serverless(config)
    check_shadow(config)
    serverless = [
        v for v in config["ProductionVariants"] if isinstance(v, Mapping) and "ServerlessConfig" in v
    ]
    if serverless and "AsyncInferenceConfig" in config:
        raise PropertyError(
            "AsyncInferenceConfig", "asynchronous inference is not supported on serverless variants"
        )
    retain = update.get("RetainAllVariantProperties", True)
    deployment = update.get("DeploymentConfig")
    estimate = check_deployment_config(
        deployment if isinstance(deployment, Mapping) else None,
        [v for v in config["ProductionVariants"] if isinstance(v, Mapping)],
        service_timeout=timeout,
    )
    excluded = update.get("ExcludeRetainedVariantProperties")
    smoke = parse_smoke_test(
        properties.get("SmokeTest"), allow_intrinsics=allow_intrinsics, function_pattern=smoke_functions
    )
    if smoke is not None and not smoke.function_arn and "AsyncInferenceConfig" in config:
        # An asynchronous endpoint is invoked with InvokeEndpointAsync (developer guide, "Invoke an
        # Asynchronous Endpoint"); what InvokeEndpoint does on one is not published: refused.
        raise PropertyError(
            "SmokeTest.Invoke",
            "an asynchronous endpoint (AsyncInferenceConfig) answers InvokeEndpointAsync, not "
            "InvokeEndpoint: use FunctionArn (a function of yours that calls it)",
        )
    return EndpointSpec(
        endpoint_name=name if isinstance(name, str) else None,
        config=config,
        deployment_config=deployment if isinstance(deployment, Mapping) else None,
        retain_all_variant_properties=retain if isinstance(retain, bool) else True,
        exclude_retained_variant_properties=tuple(excluded) if isinstance(excluded, list) else None,
        retain_deployment_config=update.get("RetainDeploymentConfig"),
        tags=tags,
        service_timeout=timeout,
        estimate=estimate,
        allow_unguarded_rollout=_flag(properties, "AllowUnguardedRollout", allow_intrinsics),
        allow_irreversible_changes=_flag(properties, "AllowIrreversibleChanges", allow_intrinsics),
        adopt_existing_endpoint=_flag(properties, "AdoptExistingEndpoint", allow_intrinsics),
        warnings=guardrail_warnings(
            config,
            guarded=(isinstance(deployment, Mapping) and bool(deployment))
            or update.get("RetainDeploymentConfig") is True,
        ),
        smoke_test=smoke,
    )


def _check_execution_role(role: Any, pattern: str) -> None:
    """Refuse an ExecutionRoleArn the provider's role may not pass (its ``iam:PassRole`` resource).

    Matched like an IAM policy's Resource element: case-sensitive, ``*`` any characters, ``?`` one
    (IAM user guide, "IAM JSON policy elements: Resource",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
    Without this check SageMaker would refuse the config with an AccessDenied on ``iam:PassRole``.
    """
    if not isinstance(role, str) or is_intrinsic(role):
        return
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    if re.fullmatch(regex, role, re.DOTALL) is None:
        raise PropertyError(
            "ExecutionRoleArn",
            f"{role!r} is not a role this provider may pass to SageMaker (allowed: {pattern}; "
            "stack parameter PassableRoleNamePattern)",
        )


def _tags(raw: Any, allow_intrinsics: bool) -> tuple[Mapping[str, str], ...]:
    if raw is None:
        return ()
    shape = operation_input("CreateEndpoint").members["Tags"]
    tags = coerce(shape, raw, "Tags", allow_intrinsics=allow_intrinsics)
    if not isinstance(tags, list):
        return ()
    check_tag_count(len(tags))
    seen: set[str] = set()
    for index, tag in enumerate(tags):
        key = tag.get("Key") if isinstance(tag, Mapping) else None
        if not isinstance(key, str):
            continue
        if key.startswith(OWNER_TAG_PREFIX) or key.lower().startswith("aws:"):
            raise PropertyError(
                f"Tags[{index}].Key", f"{key!r} is reserved (prefixes {OWNER_TAG_PREFIX} and aws:)"
            )
        if key in seen:
            raise PropertyError(f"Tags[{index}].Key", f"duplicate tag key {key!r}")
        seen.add(key)
    return tuple(tags)


def _flag(properties: Mapping[str, Any], key: str, allow_intrinsics: bool) -> bool:
    """A provider switch: true/false, or the strings CloudFormation sends; default False.

    An unresolved intrinsic (linting) counts as False: the switch only ever permits something.
    """
    raw = properties.get(key, False)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    if allow_intrinsics and is_intrinsic(raw):
        return False
    raise PropertyError(key, f"{raw!r} must be true or false (default false)")
