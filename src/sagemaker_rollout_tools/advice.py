"""Warnings ``lint`` and ``plan`` share: instance types botocore does not list, model packages.

* **Instance types.** SageMaker's API model lists the instance types of a production variant
  (``ProductionVariantInstanceType``, an enum of botocore's ``sagemaker`` service model). AWS adds
  types faster than a locked botocore learns them, so a type missing from that list is *warned*
  about, naming the botocore version, and never refused (the provider passes it on; SageMaker
  answers for what exists).
* **Model packages.** SageMaker does not apply deployment guardrails to endpoints that use AWS
  Marketplace containers: they "fall back to using a blue/green deployment with all at once traffic
  shifting and no final baking period" (SageMaker developer guide, deployment guardrails,
  Exclusions: deployment-guardrails-exclusions.html). A model built from a model package
  (``ModelPackageName``) may be a Marketplace one; a template cannot tell, so it is a warning.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "botocore_version",
    "instance_type_warnings",
    "known_instance_types",
    "model_id",
    "model_package_warnings",
    "package_models",
]


@functools.cache
def known_instance_types() -> frozenset[str]:
    """``ProductionVariantInstanceType`` of the installed (locked) botocore's SageMaker model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(getattr(model.shape_for("ProductionVariantInstanceType"), "enum", ()))


def botocore_version() -> str:
    import botocore

    return str(botocore.__version__)


def _variants(properties: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key in ("ProductionVariants", "ShadowProductionVariants"):
        variants = properties.get(key)
        for index, variant in enumerate(variants if isinstance(variants, list) else []):
            if isinstance(variant, Mapping):
                yield f"{key}[{index}]", variant


def instance_type_warnings(properties: Mapping[str, Any], prefix: str = "") -> list[str]:
    """One line per literal ``InstanceType`` missing from botocore's list of SageMaker types."""
    known = known_instance_types()
    if not known:
        return []
    warnings = []
    for path, variant in _variants(properties):
        instance_type = variant.get("InstanceType")
        if isinstance(instance_type, str) and instance_type not in known:
            warnings.append(
                f"{prefix}{path}.InstanceType {instance_type} is not in botocore {botocore_version()}'s "
                "list of SageMaker instance types (ProductionVariantInstanceType): check the name; AWS "
                "adds types, so the provider does not refuse it, and SageMaker answers for what exists"
            )
    return warnings


def model_id(model_name: Any) -> str | None:
    """The logical id of ``!GetAtt Model.ModelName`` (or ``!Ref Model``), else None."""
    if isinstance(model_name, Mapping) and len(model_name) == 1:
        ((key, value),) = model_name.items()
        if key == "Fn::GetAtt":
            target = value.split(".", 1)[0] if isinstance(value, str) else value[0] if value else None
            return str(target) if target is not None else None
        if key == "Ref" and isinstance(value, str):
            return value
    return None


def package_models(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> the first ``ModelPackageName`` of each ``AWS::SageMaker::Model`` built from one."""
    found: dict[str, str] = {}
    resources = template.get("Resources")
    for logical_id, resource in resources.items() if isinstance(resources, Mapping) else []:
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::SageMaker::Model":
            continue
        properties = resource.get("Properties")
        if not isinstance(properties, Mapping):
            continue
        containers = properties.get("Containers")
        for container in [
            properties.get("PrimaryContainer"),
            *(containers if isinstance(containers, list) else []),
        ]:
            if isinstance(container, Mapping) and "ModelPackageName" in container:
                package = container["ModelPackageName"]
                if isinstance(package, str):
                    found[str(logical_id)] = package
                elif isinstance(package, Mapping) and isinstance(package.get("Ref"), str):
                    found[str(logical_id)] = f"the parameter {package['Ref']}"
                else:
                    found[str(logical_id)] = "an intrinsic function"
                break
    return found


def model_package_warnings(
    template: Mapping[str, Any], properties: Mapping[str, Any], *, guarded: bool, prefix: str = ""
) -> list[str]:
    """One line per variant whose model (in ``template``) comes from a model package.

    Parameters
    ----------
    template:
        The rendered template (its ``AWS::SageMaker::Model`` resources).
    properties:
        The endpoint's properties (``ProductionVariants`` naming models by ``!GetAtt M.ModelName``).
    guarded:
        Whether updates ask for guardrails (a ``DeploymentConfig``, possibly conditional).
    """
    if not guarded:
        return []
    packages = package_models(template)
    warnings = []
    for path, variant in _variants(properties):
        model = model_id(variant.get("ModelName"))
        if model in packages:
            warnings.append(
                f"{prefix}{path}.ModelName: model {model} is built from a model package ({packages[model]}); "
                "if it is an AWS Marketplace model package, SageMaker does not apply deployment guardrails "
                "(all at once, no final baking, no rollback alarms)"
            )
    return warnings
