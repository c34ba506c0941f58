"""Variants of the compact schema: ``Variant``, ``Serverless``, ``AutoScaling``, ``Alarm``.

``AutoScaling``'s target keys and their options come from the target-kind registry
(:data:`sagemaker_rollout.macro.targets.TARGET_KINDS`).
"""

from __future__ import annotations

from sagemaker_rollout.macro.props import Obj, Prop
from sagemaker_rollout.macro.schema.common import int_prop, name_prop, string_prop
from sagemaker_rollout.macro.targets import TARGET_KINDS
from sagemaker_rollout.sagemaker import VARIANT_METRICS

__all__ = ["ALARM", "AUTOSCALING", "SERVERLESS", "SUSPENDED_STATE", "VARIANT"]

SERVERLESS = Obj(
    "Serverless",
    "Variants[i].Serverless",
    "A serverless variant (ProductionVariantServerlessConfig) instead of instances.",
    {
        "MemorySizeInMB": int_prop(
            "Memory of each worker (MB).", required=True, enum=(1024, 2048, 3072, 4096, 5120, 6144)
        ),
        "MaxConcurrency": int_prop("Concurrent invocations at most.", 1, 200, required=True),
        "ProvisionedConcurrency": int_prop("Invocations kept warm; at most MaxConcurrency.", 1, 200),
    },
)
SUSPENDED_STATE = Obj(
    "SuspendedState",
    "Variants[i].AutoScaling.SuspendedState",
    "The scalable target's suspended scaling activities (RegisterScalableTarget SuspendedState).",
    {
        key: Prop("boolean", f"Suspend {what}.")
        for key, what in (
            ("DynamicScalingInSuspended", "scale-in by the scaling policies"),
            ("DynamicScalingOutSuspended", "scale-out by the scaling policies"),
            ("ScheduledScalingSuspended", "scheduled scaling"),
        )
    },
)
_POLICY_NAME = "1-256 printable characters (PutScalingPolicy PolicyName)"
AUTOSCALING = Obj(
    "AutoScaling",
    "Variants[i].AutoScaling",
    "A scalable target and a target-tracking policy for the variant; exactly one target key.",
    {
        "MinCapacity": int_prop(
            "Least capacity; 0 only for asynchronous endpoints. An InstanceCount below it is brought into "
            "range by RegisterScalableTarget (lint warns, W9103).",
            0,
            default=1,
        ),
        "MaxCapacity": int_prop("Most capacity.", 1, required=True),
        **{kind.key: kind.prop for kind in TARGET_KINDS.values()},
        **{key: prop for kind in TARGET_KINDS.values() for key, prop in kind.options.items()},
        "ScaleInCooldown": int_prop("Seconds between scale-in activities.", 0),
        "ScaleOutCooldown": int_prop("Seconds between scale-out activities.", 0),
        "DisableScaleIn": Prop("boolean", "The policy only scales out.", default=False),
        "RoleARN": string_prop(
            "The scalable target's role (default: the service-linked role).",
            pattern=r"^arn:",
            pattern_error="must be an IAM role ARN, got {value}",
        ),
        "SuspendedState": Prop("object", "Suspended scaling activities.", ref="SuspendedState"),
        "PolicyName": string_prop(
            f"Name of the target-tracking policy (default <Id>-<variant>-target-tracking); {_POLICY_NAME}.",
            max_length=256,
        ),
        "ScaleFromZeroPolicyName": string_prop(
            "Name of the ScaleFromZero step policy (default <Id>-<variant>-scale-from-zero), followed by "
            "-g<the endpoint's ScalingGeneration> so that CloudFormation replaces it, and re-points its "
            "alarm, when the provider had to re-create it; 1-240 printable characters (PutScalingPolicy "
            "PolicyName allows 256; the suffix takes the rest).",
            max_length=240,
        ),
    },
)
ALARM = Obj(
    "Alarm",
    "Variants[i].Alarms.<Metric>",
    "A CloudWatch alarm on the variant metric, named in the endpoint's AutoRollbackConfiguration; "
    "a number alone is its Threshold.",
    {
        "Threshold": Prop("number", "The alarm's threshold.", required=True),
        "Statistic": string_prop(
            "Sum, Average, Minimum, Maximum, SampleCount or a percentile like p99 (default: Sum for counts, "
            "Average for latencies and utilisations).",
            pattern=r"^(Sum|Average|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$",
        ),
        "Period": int_prop("Seconds per datapoint: 10, 20, 30 or a multiple of 60.", 10, default=60),
        "EvaluationPeriods": int_prop("Periods evaluated.", 1, default=1),
        "DatapointsToAlarm": int_prop("Breaching datapoints that trigger it; at most EvaluationPeriods.", 1),
        "ComparisonOperator": string_prop(
            "How the statistic is compared with the threshold.",
            enum=(
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
            ),
            default="GreaterThanOrEqualToThreshold",
            literal=True,
        ),
        "TreatMissingData": string_prop(
            "How missing datapoints count.",
            enum=("notBreaching", "breaching", "ignore", "missing"),
            default="notBreaching",
            literal=True,
        ),
    },
    shorthand="Threshold",
)
VARIANT = Obj(
    "Variant",
    "Variants[i]",
    "One production variant: a model on instances or serverless, with its autoscaling and alarms.",
    {
        "Name": name_prop(
            "The variant name: a literal, a Ref to a parameter, or any intrinsic such as !Sub "
            "${ModelVariant}-${ModelName} (generated logical ids then use the index: <Id>Variant0Model).",
            "variant name",
            required=True,
        ),
        "Model": Prop("object", "An inline model (exactly one of Model and ModelName).", ref="Model"),
        "ModelName": string_prop(
            "The name of an existing model (!GetAtt M.ModelName; !Ref of a model is its ARN)."
        ),
        "InstanceType": string_prop(
            "Instance type of an instance-based variant.",
            pattern=r"^ml\.",
            pattern_error="{value} is not a SageMaker instance type (ml.*)",
        ),
        "InstanceCount": int_prop("Instances at creation.", 1, default="AutoScaling.MinCapacity, else 1"),
        "Weight": Prop("number", "Initial traffic weight.", minimum=0, default=1),
        "Serverless": Prop("object", "Serverless instead of instances.", ref="Serverless"),
        "AutoScaling": Prop("object", "Autoscaling of the variant.", ref="AutoScaling", conditional=True),
        "Alarms": Prop(
            "keyed",
            "Variant metric -> alarm (a threshold, or its settings).",
            keys=tuple(VARIANT_METRICS),
            ref="Alarm",
            conditional=True,
        ),
        "VolumeSizeInGB": int_prop("Storage of each instance (GB), as ProductionVariant.", 1),
        "ModelDataDownloadTimeoutInSeconds": int_prop("Time to download the model, as ProductionVariant.", 1),
        "ContainerStartupHealthCheckTimeoutInSeconds": int_prop(
            "Time for the container to pass its health check, as ProductionVariant.", 1
        ),
    },
)
