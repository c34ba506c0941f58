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
from sagemaker_rollout.spec.deployment import RolloutEstimate, check_deployment_config
from sagemaker_rollout.spec.errors import PropertyError
from sagemaker_rollout.spec.shapes import coerce, is_intrinsic, operation_input, unknown_reason

__all__ = [
    "FLAG_KEYS",
    "OWNER_TAG_PREFIX",
    "PASSABLE_ROLES_ENV",
    "EndpointSpec",
    "allowed_keys",
    "parse_endpoint_properties",
    "validate_endpoint_properties",
]

OWNER_TAG_PREFIX = "sagemaker-rollout:"
"""Tags under this prefix are the provider's own (ownership); users may not set them."""

PASSABLE_ROLES_ENV = "SAGEMAKER_ROLLOUT_PASSABLE_ROLES"
"""Role ARN pattern the provider may pass (template: ``role/${PassableRoleNamePattern}``)."""

MAX_SERVICE_TIMEOUT = 3600
_NAME_RE = NAME_RE
_INSTANCE_TYPE_RE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")
_MAX_USER_TAGS = 46  # SageMaker allows 50 tags; the provider adds 4
_UPDATE_KEYS = (
    "DeploymentConfig",
    "RetainAllVariantProperties",
    "ExcludeRetainedVariantProperties",
    "RetainDeploymentConfig",
)
_OWN_KEYS = ("ServiceToken", "EndpointName", "Tags", "ServiceTimeout")
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
            timeout = _timeout(raw)

    if passable_roles:
        _check_execution_role(config.get("ExecutionRoleArn"), passable_roles)
    _check_variants(config.get("ProductionVariants", []), "ProductionVariants")
    _check_variants(config.get("ShadowProductionVariants", []), "ShadowProductionVariants")
    _check_unique_names(config)
    _check_serverless(config)
    _check_shadow(config)
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


def _timeout(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise PropertyError("ServiceTimeout", f"{raw!r} must be a whole number of seconds, 1-3600") from None
    if not 1 <= value <= MAX_SERVICE_TIMEOUT:
        raise PropertyError("ServiceTimeout", f"{value} is outside 1-{MAX_SERVICE_TIMEOUT} seconds")
    return value


def _tags(raw: Any, allow_intrinsics: bool) -> tuple[Mapping[str, str], ...]:
    if raw is None:
        return ()
    shape = operation_input("CreateEndpoint").members["Tags"]
    tags = coerce(shape, raw, "Tags", allow_intrinsics=allow_intrinsics)
    if not isinstance(tags, list):
        return ()
    if len(tags) > _MAX_USER_TAGS:
        raise PropertyError(
            "Tags", f"allows at most {_MAX_USER_TAGS} tags (SageMaker's 50 less 4 the provider adds)"
        )
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


def _check_variants(variants: list[Any], path: str) -> None:
    for index, variant in enumerate(variants):
        if not isinstance(variant, Mapping):
            continue
        where = f"{path}[{index}]"
        has_type, has_serverless = "InstanceType" in variant, "ServerlessConfig" in variant
        if has_type == has_serverless:
            raise PropertyError(
                where, "set exactly one of InstanceType (with InitialInstanceCount) or ServerlessConfig"
            )
        if "ModelName" not in variant:
            raise PropertyError(f"{where}.ModelName", "is required")
        if has_type:
            kind = variant["InstanceType"]
            if isinstance(kind, str) and not _INSTANCE_TYPE_RE.fullmatch(kind):
                raise PropertyError(
                    f"{where}.InstanceType", f"{kind!r} is not an instance type like ml.c5.xlarge"
                )
            if "InitialInstanceCount" not in variant:
                raise PropertyError(
                    f"{where}.InitialInstanceCount", "is required with InstanceType (1 or more)"
                )
        else:
            serverless = variant["ServerlessConfig"]
            if isinstance(serverless, Mapping):
                memory = serverless.get("MemorySizeInMB")
                if isinstance(memory, int) and memory % 1024:
                    raise PropertyError(
                        f"{where}.ServerlessConfig.MemorySizeInMB",
                        f"{memory} must be 1024, 2048, 3072, 4096, 5120 or 6144",
                    )
                provisioned, maximum = (
                    serverless.get("ProvisionedConcurrency"),
                    serverless.get("MaxConcurrency"),
                )
                if isinstance(provisioned, int) and isinstance(maximum, int) and provisioned > maximum:
                    raise PropertyError(
                        f"{where}.ServerlessConfig.ProvisionedConcurrency",
                        f"{provisioned} is greater than MaxConcurrency {maximum}",
                    )


def _check_unique_names(config: Mapping[str, Any]) -> None:
    seen: dict[str, str] = {}
    for path in ("ProductionVariants", "ShadowProductionVariants"):
        for index, variant in enumerate(config.get(path, [])):
            name = variant.get("VariantName") if isinstance(variant, Mapping) else None
            if not isinstance(name, str):
                continue
            if name in seen:
                raise PropertyError(
                    f"{path}[{index}].VariantName", f"duplicate variant name {name!r} (also {seen[name]})"
                )
            seen[name] = f"{path}[{index}]"


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


def _mappings(config: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
    items = config.get(key)
    if not isinstance(items, list):
        return []
    return [(f"{key}[{i}]", v) for i, v in enumerate(items) if isinstance(v, Mapping)]


def _instance_type(variant: Mapping[str, Any]) -> str:
    kind = variant.get("InstanceType")
    return kind if isinstance(kind, str) else ""


def _check_serverless(config: Mapping[str, Any]) -> None:
    """Serverless Inference's feature exclusions that the endpoint config alone shows.

    SageMaker developer guide, "Deploy models with Amazon SageMaker Serverless Inference", Feature
    exclusions (serverless-endpoints.html): GPUs, AWS Marketplace model packages, private Docker
    registries, multi-model endpoints, VPC configuration, network isolation, data capture, multiple
    production variants, Model Monitor and inference pipelines are not supported. Checked here:
    multiple production variants, ``VpcConfig``, ``EnableNetworkIsolation``, ``DataCaptureConfig``
    (a serverless variant has no instance type, so no GPU). The others are properties of the model
    (``CreateModel``), which the endpoint's properties do not show.
    """
    variants = _mappings(config, "ProductionVariants")
    serverless = [(path, v) for path, v in variants if "ServerlessConfig" in v]
    if not serverless:
        return
    path, variant = serverless[0]
    name = variant.get("VariantName", path)
    count = len(config.get("ProductionVariants") or [])
    if count > 1:
        raise PropertyError(
            "ProductionVariants",
            f"serverless variant {name} must be the only production variant, got {count}; "
            "serverless endpoints take one variant",
        )
    data_capture = config.get("DataCaptureConfig")
    excluded = {
        "VpcConfig": "VpcConfig" in config,
        "EnableNetworkIsolation": config.get("EnableNetworkIsolation") is True,
        "DataCaptureConfig": isinstance(data_capture, Mapping)
        and data_capture.get("EnableCapture", True) is not False,
    }
    for key, present in excluded.items():
        if present:
            raise PropertyError(
                key,
                f"is not supported with serverless variant {name}; remove it or use InstanceType",
            )


def _check_shadow(config: Mapping[str, Any]) -> None:
    """Shadow variants: one production and one shadow variant, and the shadow-test exclusions.

    API reference, CreateEndpointConfig ``ShadowProductionVariants``: "If you use this field, you
    can only specify one variant for ProductionVariants and one variant for
    ShadowProductionVariants." SageMaker developer guide, shadow tests, Exclusions
    (shadow-tests-exclusions.html): serverless inference, asynchronous inference, Marketplace
    containers, multi-container and multi-model endpoints, Inf1 instances and Elastic Inference
    lead to validation errors; the ones the endpoint config shows are checked.
    """
    shadows = config.get("ShadowProductionVariants")
    if not isinstance(shadows, list) or not shadows:
        return
    production = config.get("ProductionVariants") or []
    if len(production) != 1:
        raise PropertyError(
            "ProductionVariants",
            f"with ShadowProductionVariants exactly one production variant is allowed, got {len(production)}",
        )
    if len(shadows) != 1:
        raise PropertyError("ShadowProductionVariants", f"allows one shadow variant, got {len(shadows)}")
    if "AsyncInferenceConfig" in config:
        raise PropertyError(
            "AsyncInferenceConfig",
            "asynchronous inference is not supported with ShadowProductionVariants",
        )
    for path, variant in [
        *_mappings(config, "ProductionVariants"),
        *_mappings(config, "ShadowProductionVariants"),
    ]:
        if "ServerlessConfig" in variant:
            reason = "serverless variants are not supported with shadow variants"
            raise PropertyError(f"{path}.ServerlessConfig", f"{reason}; use InstanceType")
        if _instance_type(variant).startswith("ml.inf1."):
            raise PropertyError(
                f"{path}.InstanceType",
                "Inf1 instances are not supported with shadow variants; use another type",
            )
        if "AcceleratorType" in variant:
            raise PropertyError(
                f"{path}.AcceleratorType",
                "Elastic Inference is not supported with shadow variants; remove it",
            )


def guardrail_warnings(config: Mapping[str, Any], *, guarded: bool) -> tuple[str, ...]:
    """Where SageMaker silently does not apply the requested deployment guardrails.

    SageMaker developer guide, deployment guardrails, Exclusions
    (deployment-guardrails-exclusions.html): endpoints that use Marketplace containers or Inf1
    (Inferentia-based) instances "fall back to using a blue/green deployment with all at once
    traffic shifting and no final baking period". Inf1 shows in the instance type; a Marketplace
    container is a property of the model, not of the endpoint (``lint`` warns where the template
    shows a model package).

    Parameters
    ----------
    config:
        CreateEndpointConfig arguments.
    guarded:
        Whether the update asks for guardrails (a ``DeploymentConfig``, or the retained one).
    """
    if not guarded:
        return ()
    return tuple(
        f"{path}.InstanceType {_instance_type(variant)}: SageMaker does not apply deployment guardrails "
        "to endpoints with Inf1 instances; updates fall back to all at once with no final baking, so "
        "rollback alarms cannot act"
        for key in ("ProductionVariants", "ShadowProductionVariants")
        for path, variant in _mappings(config, key)
        if _instance_type(variant).startswith("ml.inf1.")
    )
