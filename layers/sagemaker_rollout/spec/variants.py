"""SageMaker's rules on an endpoint config's variants: instance types, unique names, serverless, shadow.

Also the guardrail warnings of a config. Pure functions over already-coerced properties (part of
:mod:`sagemaker_rollout.spec`; :func:`~sagemaker_rollout.spec.endpoint.parse_endpoint_properties`
calls them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.spec.errors import PropertyError

__all__ = ["check_serverless", "check_shadow", "check_unique_names", "check_variants", "guardrail_warnings"]

_INSTANCE_TYPE_RE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")


def check_variants(variants: list[Any], path: str) -> None:
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


def check_unique_names(config: Mapping[str, Any]) -> None:
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


def _mappings(config: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
    items = config.get(key)
    if not isinstance(items, list):
        return []
    return [(f"{key}[{i}]", v) for i, v in enumerate(items) if isinstance(v, Mapping)]


def _instance_type(variant: Mapping[str, Any]) -> str:
    kind = variant.get("InstanceType")
    return kind if isinstance(kind, str) else ""


def check_serverless(config: Mapping[str, Any]) -> None:
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


def check_shadow(config: Mapping[str, Any]) -> None:
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
