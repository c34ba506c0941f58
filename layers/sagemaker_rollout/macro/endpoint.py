"""Expansion of one ``SageMakerRollout::Endpoint`` into wired CloudFormation resources.

Generated resources, for a compact resource ``Classifier`` and a variant ``model-a``:

* ``ClassifierModelAModel`` (``AWS::SageMaker::Model``) for an inline ``Model``;
* ``Classifier`` (``Custom::SageMakerEndpoint``, or with ``Provider: RegistryType`` the registry
  type ``SageMakerRollout::SageMaker::Endpoint``), keeping the compact id so ``!Ref Classifier``
  and ``!GetAtt Classifier.EndpointName`` keep working;
* ``ClassifierModelAScalableTarget`` and ``ClassifierModelAScalingPolicy`` (plus
  ``ClassifierModelAScaleFromZeroPolicy`` and ``ClassifierModelAHasBacklogWithoutCapacityAlarm``);
* ``ClassifierModelA<Metric>Alarm`` per alarm, and ``ClassifierDashboard``.

Wiring without cycles: the endpoint name is computed (the user's ``EndpointName`` or
:func:`~sagemaker_rollout.macro.naming.default_endpoint_name_expression`), never read from the endpoint;
alarm names are ``${AWS::StackName}-<id>-<variant>-<metric>``. So alarms do not reference the
endpoint, the endpoint's ``AutoRollbackConfiguration`` names them and ``DependsOn`` them (they exist
before any rollout watches them), and scalable targets ``DependsOn`` the endpoint (the variant must
exist before it is registered).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.macro.parts import options
from sagemaker_rollout.macro.parts.alarms import alarms
from sagemaker_rollout.macro.parts.autoscaling import autoscaling_resources
from sagemaker_rollout.macro.parts.common import Expansion
from sagemaker_rollout.macro.parts.dashboard import dashboard_body
from sagemaker_rollout.macro.parts.deployment import deployment_config
from sagemaker_rollout.macro.parts.variant import check_unique_names, check_variant_set, variant
from sagemaker_rollout.macro.schema import ENDPOINT, PROVIDERS
from sagemaker_rollout.macro.values import Scope

__all__ = ["COMPACT_TYPE", "ENDPOINT_TYPE", "PROVIDERS", "REGISTRY_ENDPOINT_TYPE", "expand_endpoint"]

COMPACT_TYPE = "SageMakerRollout::Endpoint"
ENDPOINT_TYPE = "Custom::SageMakerEndpoint"
REGISTRY_ENDPOINT_TYPE = "SageMakerRollout::SageMaker::Endpoint"
_RESOURCE_KEYS = (
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
)


def expand_endpoint(
    logical_id: str,
    resource: Mapping[str, Any],
    *,
    service_token: Any,
    parameters: Mapping[str, Any] | None = None,
    declared: frozenset[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Expand one compact resource into CloudFormation resources (pure: the input is not modified).

    Parameters
    ----------
    logical_id:
        The compact resource's logical id.
    resource:
        The resource (``Type: SageMakerRollout::Endpoint``, ``Properties`` ...).
    service_token:
        ``ServiceToken`` of the generated ``Custom::SageMakerEndpoint`` (a string or an intrinsic);
        unused with ``Provider: RegistryType``.
    parameters:
        Template parameter values, to resolve ``Ref``s where a value must be known.
    declared:
        Names of the template's parameters (default: those with a value), so that a ``Ref`` to a
        parameter without a value is reported as such.

    Returns
    -------
    dict
        Logical id -> resource, in a deterministic order; the endpoint keeps ``logical_id``.

    Raises
    ------
    MacroError
        When the compact resource is invalid (the message names resource, path and what is allowed).
    """
    values = dict(parameters or {})
    scope = Scope(logical_id, values, frozenset(declared if declared is not None else values))
    scope.mapping(resource, "", _RESOURCE_KEYS, required=("Properties",))
    if isinstance(resource["Properties"], Mapping) and "EndpointConfigName" in resource["Properties"]:
        raise scope.error(
            "Properties.EndpointConfigName",
            "not a key: the provider creates and names the endpoint configs itself; remove it and "
            "describe the variants under Variants",
        )
    props = ENDPOINT.mapping(scope, resource["Properties"], "Properties")
    registry = "Provider" in props and ENDPOINT.read(scope, props, "Provider", "") == "RegistryType"
    expansion = Expansion(scope, resource.get("Condition"))

    async_config = options.async_inference(scope, props.get("AsyncInference"))
    endpoint_name = options.endpoint_name(scope, logical_id, props.get("EndpointName"))
    tags = options.tags(scope, props.get("Tags"))

    raw_variants = ENDPOINT.read(scope, props, "Variants", "")
    check_unique_names(scope, raw_variants)
    variants = [
        variant(expansion, logical_id, index, raw, tags, is_async=async_config is not None)
        for index, raw in enumerate(raw_variants)
    ]
    check_variant_set(scope, variants, is_async=async_config is not None)

    alarm_actions = props.get("AlarmActions")
    if alarm_actions is not None:
        ENDPOINT.read(scope, props, "AlarmActions", "")
    for item in variants:
        alarms(expansion, logical_id, item, endpoint_name, alarm_actions)

    deployment = deployment_config(scope, props.get("Deployment"), variants, expansion)

    endpoint_props: dict[str, Any] = {} if registry else {"ServiceToken": service_token}
    endpoint_props |= {
        "EndpointName": endpoint_name,
        "ProductionVariants": [item.properties for item in variants],
    }
    if "DataCapture" in props:
        endpoint_props["DataCaptureConfig"] = options.data_capture(scope, props["DataCapture"])
    if async_config is not None:
        endpoint_props["AsyncInferenceConfig"] = async_config
    if "KmsKeyId" in props:
        endpoint_props["KmsKeyId"] = props["KmsKeyId"]
    if deployment is not None:
        endpoint_props["DeploymentConfig"] = deployment
    if tags is not None:
        endpoint_props["Tags"] = tags
    if "ServiceTimeout" in props:
        if registry:
            raise scope.error(
                "ServiceTimeout",
                "only with Provider: CustomResource; the registry type has no ServiceTimeout (its "
                "handlers run up to 36 hours): remove it",
            )
        ENDPOINT.read(scope, props, "ServiceTimeout", "")
        endpoint_props["ServiceTimeout"] = props["ServiceTimeout"]
    if "SmokeTest" in props:  # validated through the schema here, and by the provider (spec/smoke.py)
        smoke = ENDPOINT.read(scope, props, "SmokeTest", "")
        endpoint_props["SmokeTest"] = smoke if smoke is not None else props["SmokeTest"]
    if "AdoptExistingEndpoint" in props:  # the provider's switch (contract section 8), validated by it
        endpoint_props["AdoptExistingEndpoint"] = props["AdoptExistingEndpoint"]
    options.provider_validation(scope, endpoint_props, registry=registry)

    depends_on = options.depends_on(scope, resource.get("DependsOn"))
    rollback_ids = (
        [
            alarm
            for alarm, condition in zip(
                expansion.rollback_alarm_ids, expansion.rollback_alarm_conditions, strict=True
            )
            if condition is None  # a conditional alarm is named by Ref inside Fn::If instead
        ]
        if deployment is not None and "AutoRollbackConfiguration" in deployment
        else []
    )
    endpoint_depends = depends_on + [alarm for alarm in rollback_ids if alarm not in depends_on]

    # The endpoint goes first among what it does not depend on; models and alarms were added already.
    ordered = Expansion(scope, expansion.condition)
    for model_id, model in expansion.resources.items():
        if model["Type"] == "AWS::SageMaker::Model":
            ordered.resources[model_id] = model
    ordered.add(
        logical_id,
        REGISTRY_ENDPOINT_TYPE if registry else ENDPOINT_TYPE,
        endpoint_props,
        DependsOn=endpoint_depends or None,
        DeletionPolicy=resource.get("DeletionPolicy"),
        UpdateReplacePolicy=resource.get("UpdateReplacePolicy"),
        Metadata=resource.get("Metadata"),
    )
    for other_id, other in expansion.resources.items():
        if other["Type"] != "AWS::SageMaker::Model":
            ordered.resources[other_id] = other

    for item in variants:
        autoscaling_resources(ordered, logical_id, item, endpoint_name)
    if "Dashboard" in props and ENDPOINT.read(scope, props, "Dashboard", ""):
        ordered.add(
            f"{logical_id}Dashboard",
            "AWS::CloudWatch::Dashboard",
            {"DashboardBody": dashboard_body(variants, endpoint_name)},
        )
    return ordered.resources
