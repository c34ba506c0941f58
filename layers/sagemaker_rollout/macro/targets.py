"""Autoscaling target kinds of the compact ``AutoScaling``, in one registry.

Each :class:`TargetKind` is one compact key (``TargetInvocationsPerInstance``, ...) with everything
about it: the schema of its value, the options only it reads, the scalable dimension it scales,
which variants it applies to, its own checks and the target-tracking metric it generates. The
compact schema (:mod:`sagemaker_rollout.macro.schema`), the macro's autoscaling part
(:mod:`sagemaker_rollout.macro.parts.autoscaling`), the JSON Schema and the property tables all
read :data:`TARGET_KINDS`: a new kind is one entry here plus its tests.

Sources: Application Auto Scaling API reference, PredefinedMetricSpecification (predefined metric
types, among them ``SageMakerVariantProvisionedConcurrencyUtilization``) and
CustomizedMetricSpecification, RegisterScalableTarget (``sagemaker:variant:DesiredProvisionedConcurrency``);
SageMaker developer guide, "Automatically scale Provisioned Concurrency for a serverless endpoint",
"Define a scaling policy"
(``SageMakerVariantInvocationsPerInstance``), "Load testing your auto scaling configuration"
(target = maximum requests per second x 60 x safety factor, 0.5 recommended), "Autoscale an
asynchronous endpoint" (``ApproximateBacklogSizePerInstance``, ``HasBacklogWithoutCapacity``, scale
from zero with a step policy), "Monitor Amazon SageMaker AI with Amazon CloudWatch" (metrics).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.macro.props import Prop
from sagemaker_rollout.macro.values import Scope
from sagemaker_rollout.naming import SCALING_GENERATION
from sagemaker_rollout.sagemaker import (
    INSTANCE_COUNT_DIMENSION,
    INSTANCE_NAMESPACE,
    INVOCATION_NAMESPACE,
    PROVISIONED_CONCURRENCY_DIMENSION,
)

__all__ = ["DEFAULT_SAFETY_FACTOR", "TARGET_KINDS", "TargetContext", "TargetKind", "option_owner"]

DEFAULT_SAFETY_FACTOR = 0.5


@dataclass(frozen=True)
class TargetContext:
    """What a target kind sees of the variant it scales.

    ``add`` (generation only) adds a resource to the expansion with the autoscaling's condition:
    ``add(logical_id, resource_type, properties)``.
    """

    scope: Scope
    config: Mapping[str, Any]
    path: str
    logical_id: str
    variant_name: Any
    endpoint_name: Any = None
    minimum: int | None = None
    is_async: bool = False
    serverless: Mapping[str, Any] | None = None
    target_id: str = ""
    prefix: str = ""
    add: Callable[[str, str, dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class TargetKind:
    """One autoscaling target kind.

    Parameters
    ----------
    key:
        Its compact key in ``AutoScaling`` (its value is the target).
    prop:
        Schema of the value.
    dimension:
        The scalable dimension it scales (:mod:`sagemaker_rollout.sagemaker`).
    serverless:
        Whether it scales serverless variants (provisioned concurrency) rather than instance-based ones.
    metric:
        The ``PredefinedMetricSpecification`` or ``CustomizedMetricSpecification`` (as a one-key dict).
    value:
        The policy's ``TargetValue`` (default: the compact value as given).
    check:
        Its own checks, beyond the value's schema (raise ``ctx.scope.error``).
    options:
        Keys of ``AutoScaling`` only this kind reads.
    resources:
        Resources it adds besides the scalable target and the target-tracking policy.
    """

    key: str
    prop: Prop
    dimension: str
    metric: Callable[[TargetContext], dict[str, Any]]
    serverless: bool = False
    value: Callable[[TargetContext], Any] | None = None
    check: Callable[[TargetContext], None] | None = None
    options: Mapping[str, Prop] = field(default_factory=dict)
    resources: Callable[[TargetContext], None] | None = None

    @property
    def variants(self) -> str:
        """The variants it applies to, for messages and documentation."""
        return "serverless variants" if self.serverless else "instance-based variants"


def _predefined(metric_type: str) -> Callable[[TargetContext], dict[str, Any]]:
    def metric(ctx: TargetContext) -> dict[str, Any]:
        return {"PredefinedMetricSpecification": {"PredefinedMetricType": metric_type}}

    return metric


def _customized(name: str, namespace: str, *, per_variant: bool) -> Callable[[TargetContext], dict[str, Any]]:
    def metric(ctx: TargetContext) -> dict[str, Any]:
        dimensions = [{"Name": "EndpointName", "Value": ctx.endpoint_name}]
        if per_variant:
            dimensions.append({"Name": "VariantName", "Value": ctx.variant_name})
        return {
            "CustomizedMetricSpecification": {
                "MetricName": name,
                "Namespace": namespace,
                "Dimensions": dimensions,
                "Statistic": "Average",
            }
        }

    return metric


def _clean_number(value: float) -> int | float:
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


def _requests_per_second(ctx: TargetContext) -> Any:
    """SageMaker's load-testing guide: ``SageMakerVariantInvocationsPerInstance = MAX_RPS * SAFETY * 60``."""
    rps = ctx.scope.number(
        ctx.config["MaxRequestsPerSecond"], f"{ctx.path}.MaxRequestsPerSecond", literal=True
    )
    factor = DEFAULT_SAFETY_FACTOR
    if "SafetyFactor" in ctx.config:
        factor = (
            ctx.scope.number(ctx.config["SafetyFactor"], f"{ctx.path}.SafetyFactor", literal=True) or factor
        )
    return _clean_number((rps or 0.0) * 60 * factor)


def _check_backlog(ctx: TargetContext) -> None:
    if not ctx.is_async:
        raise ctx.scope.error(
            ctx.path, "TargetBacklogPerInstance needs an asynchronous endpoint (AsyncInference)"
        )
    wakes = "ScaleFromZero" in ctx.config and ctx.scope.boolean(
        ctx.config["ScaleFromZero"], f"{ctx.path}.ScaleFromZero"
    )
    if wakes and ctx.minimum != 0:
        raise ctx.scope.error(ctx.path, f"ScaleFromZero needs MinCapacity 0, got {ctx.minimum}")


def _scale_from_zero(ctx: TargetContext) -> None:
    """A step policy adding an instance while ``HasBacklogWithoutCapacity`` is 1 (the async guide).

    The alarm acts on the policy's ARN, which CloudFormation knows as the policy's physical id (its
    ``Ref``). When a rollout must deregister the variant's autoscaling (an instance-type change:
    SageMaker developer guide, "Update endpoints that use auto scaling"), DeregisterScalableTarget
    deletes the policy and the provider puts it back under a new ARN; CloudFormation would keep the
    old one and write it back into the alarm at the alarm's next update. So the policy's name ends
    with the endpoint's ``ScalingGeneration`` attribute, which the provider increments whenever it
    re-creates the endpoint's policies: in the same stack update CloudFormation then replaces the
    policy (a new ``PolicyName`` requires replacement: ``AWS::ApplicationAutoScaling::ScalingPolicy``
    reference) and updates the alarm to the new policy's ARN, and deletes the old policy in the
    cleanup. The provider points the alarm at the policy it restored in the meantime (only alarms of
    the same stack: :mod:`sagemaker_rollout.aws.autoscaling.alarms`).
    """
    from sagemaker_rollout.macro.naming import alarm_name
    from sagemaker_rollout.macro.parts.common import text

    config, add = ctx.config, ctx.add
    if add is None or not (
        "ScaleFromZero" in config and ctx.scope.boolean(config["ScaleFromZero"], f"{ctx.path}.ScaleFromZero")
    ):
        return
    step_id = f"{ctx.prefix}ScaleFromZeroPolicy"
    add(
        step_id,
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": text(
                config.get(
                    "ScaleFromZeroPolicyName",
                    text(f"{ctx.logical_id}-", ctx.variant_name, "-scale-from-zero"),
                ),
                "-g",
                {"Fn::GetAtt": [ctx.logical_id, SCALING_GENERATION]},
            ),
            "PolicyType": "StepScaling",
            "ScalingTargetId": {"Ref": ctx.target_id},
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "MetricAggregationType": "Average",
                "Cooldown": config.get("ScaleOutCooldown", 300),
                "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
            },
        },
    )
    add(
        f"{ctx.prefix}HasBacklogWithoutCapacityAlarm",
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": alarm_name(ctx.logical_id, ctx.variant_name, "HasBacklogWithoutCapacity"),
            "AlarmDescription": text(
                "Wakes variant ",
                ctx.variant_name,
                f" of {ctx.logical_id} from zero instances when requests are queued",
            ),
            "Namespace": INVOCATION_NAMESPACE,
            "MetricName": "HasBacklogWithoutCapacity",
            "Dimensions": [{"Name": "EndpointName", "Value": ctx.endpoint_name}],
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 2,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "missing",
            "AlarmActions": [{"Ref": step_id}],
        },
    )


def _check_provisioned_concurrency(ctx: TargetContext) -> None:
    """The variant must have provisioned concurrency, and the range must fit the serverless config.

    SageMaker developer guide, "Automatically scale Provisioned Concurrency for a serverless
    endpoint": autoscaling needs a serverless variant deployed with Provisioned Concurrency, whose
    scalable target is ``sagemaker:variant:DesiredProvisionedConcurrency``. API reference,
    ProductionVariantServerlessConfig: ``ProvisionedConcurrency`` is 1-200 and "should be less than
    or equal to MaxConcurrency", so MinCapacity is at least 1 and MaxCapacity at most MaxConcurrency.
    """
    scope, path, serverless = ctx.scope, ctx.path, ctx.serverless or {}
    key = "TargetProvisionedConcurrencyUtilization"
    if "ProvisionedConcurrency" not in serverless:
        raise scope.error(
            path, f"{key} scales provisioned concurrency: give the variant Serverless.ProvisionedConcurrency"
        )
    if ctx.minimum is not None and ctx.minimum < 1:
        raise scope.error(
            path, f"MinCapacity must be at least 1 for provisioned concurrency, got {ctx.minimum}"
        )
    maximum = scope.integer(ctx.config["MaxCapacity"], f"{path}.MaxCapacity")
    most = scope.integer(serverless.get("MaxConcurrency"), f"{path}.MaxCapacity")
    if maximum is not None and most is not None and maximum > most:
        raise scope.error(
            path,
            f"MaxCapacity {maximum} is greater than Serverless.MaxConcurrency {most} (provisioned "
            "concurrency is at most MaxConcurrency)",
        )


_KINDS = (
    TargetKind(
        key="TargetInvocationsPerInstance",
        prop=Prop(
            "number",
            "Target of SageMakerVariantInvocationsPerInstance: invocations per instance per minute.",
            minimum=0,
            exclusive_minimum=True,
        ),
        dimension=INSTANCE_COUNT_DIMENSION,
        metric=_predefined("SageMakerVariantInvocationsPerInstance"),
    ),
    TargetKind(
        key="MaxRequestsPerSecond",
        prop=Prop(
            "number",
            "Requests per second one instance serves at most; the target is rps x 60 x SafetyFactor "
            "invocations per instance per minute.",
            minimum=0,
            exclusive_minimum=True,
            literal=True,
        ),
        dimension=INSTANCE_COUNT_DIMENSION,
        metric=_predefined("SageMakerVariantInvocationsPerInstance"),
        value=_requests_per_second,
        options={
            "SafetyFactor": Prop(
                "number",
                "Share of MaxRequestsPerSecond to target (SageMaker's load-testing guide).",
                default=DEFAULT_SAFETY_FACTOR,
                minimum=0,
                maximum=1,
                exclusive_minimum=True,
                literal=True,
            )
        },
    ),
    TargetKind(
        key="TargetBacklogPerInstance",
        prop=Prop(
            "number",
            "Target of ApproximateBacklogSizePerInstance (queued requests per instance); asynchronous "
            "endpoints only.",
            minimum=0,
            exclusive_minimum=True,
        ),
        dimension=INSTANCE_COUNT_DIMENSION,
        metric=_customized("ApproximateBacklogSizePerInstance", INVOCATION_NAMESPACE, per_variant=False),
        check=_check_backlog,
        options={
            "ScaleFromZero": Prop(
                "boolean",
                "Add a step policy and a HasBacklogWithoutCapacity alarm that wake the variant from zero "
                "instances (needs MinCapacity 0).",
                default=False,
            )
        },
        resources=_scale_from_zero,
    ),
    TargetKind(
        key="TargetCpuUtilization",
        prop=Prop(
            "number",
            "Target of the variant's average CPUUtilization (per cent).",
            minimum=0,
            maximum=100,
            exclusive_minimum=True,
        ),
        dimension=INSTANCE_COUNT_DIMENSION,
        metric=_customized("CPUUtilization", INSTANCE_NAMESPACE, per_variant=True),
    ),
    TargetKind(
        key="TargetProvisionedConcurrencyUtilization",
        prop=Prop(
            "number",
            "Target of SageMakerVariantProvisionedConcurrencyUtilization, the share of the provisioned "
            "concurrency in use (0.5: half); MinCapacity and MaxCapacity bound the provisioned "
            "concurrency (at least 1, at most Serverless.MaxConcurrency).",
            minimum=0,
            maximum=1,
            exclusive_minimum=True,
            source="Application Auto Scaling API reference, PredefinedMetricSpecification; SageMaker "
            "developer guide, Automatically scale Provisioned Concurrency for a serverless endpoint",
        ),
        dimension=PROVISIONED_CONCURRENCY_DIMENSION,
        metric=_predefined("SageMakerVariantProvisionedConcurrencyUtilization"),
        serverless=True,
        check=_check_provisioned_concurrency,
    ),
)

TARGET_KINDS: Mapping[str, TargetKind] = {kind.key: kind for kind in _KINDS}
"""Compact key -> target kind, in the order messages and tables list them."""


def option_owner(option: str) -> TargetKind | None:
    """The kind that reads the ``AutoScaling`` option ``option``, if one does."""
    return next((kind for kind in TARGET_KINDS.values() if option in kind.options), None)
