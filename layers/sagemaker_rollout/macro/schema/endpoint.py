"""The compact schema's endpoint level.

``Properties`` (the resource's), ``Deployment``, ``DataCapture``, ``AsyncInference``, ``Tag``.
"""

from __future__ import annotations

from sagemaker_rollout.macro.props import Obj, Prop, When
from sagemaker_rollout.macro.schema.common import PROVIDERS, STRATEGIES, int_prop, name_prop, string_prop
from sagemaker_rollout.sagemaker import (
    BLUE_GREEN_TIMEOUT_RANGE,
    CANARY_PERCENT_RANGE,
    LINEAR_PERCENT_RANGE,
    ROLLING_BATCH_PERCENT_RANGE,
    ROLLING_TIMEOUT_RANGE,
    TERMINATION_WAIT_RANGE,
    WAIT_INTERVAL_RANGE,
)

__all__ = ["ASYNC_INFERENCE", "DATA_CAPTURE", "DEPLOYMENT", "ENDPOINT", "TAG"]

_SIZE_NOTE = "a percent like 10% or a whole instance count"
DEPLOYMENT = Obj(
    "Deployment",
    "Deployment",
    "How updates roll out (the endpoint's DeploymentConfig) and whether alarms roll them back.",
    {
        "Strategy": string_prop(
            "Blue/green all at once, canary or linear traffic shifting, or rolling batches.",
            enum=STRATEGIES,
            default="AllAtOnce",
            literal=True,
        ),
        "CanarySize": Prop(
            "size",
            f"Strategy Canary: {_SIZE_NOTE}; at most half of the smallest variant.",
            minimum=CANARY_PERCENT_RANGE[0],
            maximum=CANARY_PERCENT_RANGE[1],
            exclusive_minimum=True,
        ),
        "LinearStepSize": Prop(
            "size",
            f"Strategy Linear: {_SIZE_NOTE}; a percent is 10-50%.",
            minimum=LINEAR_PERCENT_RANGE[0],
            maximum=LINEAR_PERCENT_RANGE[1],
        ),
        "BatchSize": Prop(
            "size",
            f"Strategy Rolling: {_SIZE_NOTE}; a percent is 5-50%.",
            minimum=ROLLING_BATCH_PERCENT_RANGE[0],
            maximum=ROLLING_BATCH_PERCENT_RANGE[1],
            default=1,
        ),
        "WaitIntervalSeconds": int_prop(
            "Baking time between steps (s).",
            *WAIT_INTERVAL_RANGE,
            default="300 (0 for AllAtOnce without rollback alarms)",
        ),
        "TerminationWaitSeconds": int_prop(
            "Blue/green: wait before the old fleet is terminated (s).", *TERMINATION_WAIT_RANGE
        ),
        "MaximumExecutionTimeoutSeconds": int_prop(
            "Limit of the whole deployment (s): 600-28800 blue/green (BlueGreenUpdatePolicy), 600-14400 "
            "with Strategy Rolling (RollingUpdatePolicy).",
            *BLUE_GREEN_TIMEOUT_RANGE,
        ),
        "RollbackOnAlarms": Prop(
            "boolean", "Roll back when a variant alarm fires.", default="true when a variant has Alarms"
        ),
    },
    rules=(
        When(
            "Strategy",
            "Rolling",
            {"MaximumExecutionTimeoutSeconds": ROLLING_TIMEOUT_RANGE},
            source="API reference, RollingUpdatePolicy MaximumExecutionTimeoutInSeconds",
        ),
    ),
)
DATA_CAPTURE = Obj(
    "DataCapture",
    "DataCapture",
    "Capture of requests and responses to S3 (the endpoint's DataCaptureConfig).",
    {
        "DestinationS3Uri": string_prop("Where captured data goes.", required=True),
        "SamplingPercentage": int_prop("Share of requests captured (%).", 0, 100, default=100),
        "CaptureModes": Prop(
            "array",
            "Input, Output or both.",
            min_items=1,
            max_items=2,
            literal=True,
            items=string_prop("", enum=("Input", "Output")),
            default="[Input, Output]",
        ),
        "KmsKeyId": string_prop("KMS key of the captured data."),
        "CsvContentTypes": Prop("array", "Content types captured as CSV.", items=string_prop("")),
        "JsonContentTypes": Prop("array", "Content types captured as JSON.", items=string_prop("")),
        "EnableCapture": Prop("boolean", "Turn capture on or off.", default=True),
    },
)
ASYNC_INFERENCE = Obj(
    "AsyncInference",
    "AsyncInference",
    "An asynchronous endpoint (AsyncInferenceConfig): results to S3, optional SNS notifications.",
    {
        "OutputPath": string_prop("S3 location of the results.", required=True),
        "FailurePath": string_prop("S3 location of failed requests' errors."),
        "SuccessTopic": string_prop("SNS topic told of a success."),
        "ErrorTopic": string_prop("SNS topic told of a failure."),
        "MaxConcurrentInvocationsPerInstance": int_prop("Requests each instance processes at once.", 1, 1000),
        "KmsKeyId": string_prop("KMS key of the results."),
    },
)
SMOKE_INVOKE = Obj(
    "SmokeInvoke",
    "SmokeTest.Invoke",
    "InvokeEndpoint on the new fleet, and what a passing answer looks like.",
    {
        "Body": string_prop("The request body.", required=True),
        "ContentType": string_prop("Its content type (default application/json)."),
        "ExpectStatus": int_prop("The status a passing answer has (default 200).", 100, 599),
        "ExpectContentType": string_prop("The content type a passing answer has."),
    },
)
SMOKE_TEST = Obj(
    "SmokeTest",
    "SmokeTest",
    "Calls that check the new fleet where it takes all traffic and after completion; a failure rolls "
    "the endpoint back (contract section 9).",
    {
        "FunctionArn": string_prop(
            'A Lambda answering {"Passed": true|false}, named by SmokeTestFunctionNamePattern (the '
            "provider stack's parameter; the registry type's type configuration) and tagged "
            "sagemaker-rollout:smoke-test=true."
        ),
        "Invoke": Prop("object", "InvokeEndpoint with this body.", ref="SmokeInvoke"),
        "Count": int_prop("Calls per run (default 3).", 1, 100),
    },
)
TAG = Obj(
    "Tag",
    "Tags[i]",
    "A tag.",
    {"Key": string_prop("", required=True), "Value": string_prop("", required=True)},
)
ENDPOINT = Obj(
    "Properties",
    "Properties",
    "A SageMaker endpoint expanded by the SageMakerRollout macro into a Custom::SageMakerEndpoint with "
    "models, autoscaling, alarms and an optional dashboard.",
    {
        "EndpointName": name_prop(
            "Endpoint name (default: <logical id, lowercased>-<stack UUID>).", "SageMaker endpoint name"
        ),
        "Variants": Prop(
            "array",
            "The production variants: 1-10.",
            required=True,
            literal=True,
            items=Prop("object", "", ref="Variant"),
            min_items=1,
            max_items=10,
        ),
        "Deployment": Prop("object", "Rollout strategy and alarm rollback.", ref="Deployment"),
        "AlarmActions": Prop(
            "array",
            "Actions (SNS topic ARNs) of every generated alarm: 1-5.",
            items=string_prop(""),
            min_items=1,
            max_items=5,
        ),
        "AsyncInference": Prop("object", "Make the endpoint asynchronous.", ref="AsyncInference"),
        "DataCapture": Prop("object", "Capture requests and responses.", ref="DataCapture"),
        "KmsKeyId": string_prop("KMS key of the instances' storage volumes."),
        "Dashboard": Prop("boolean", "Add a CloudWatch dashboard of the variants.", default=False),
        "Tags": Prop("tags", "Tags of the endpoint and the generated models: a mapping or [{Key, Value}]."),
        "ServiceTimeout": int_prop(
            "CloudFormation's limit for the request (s): a guarded rollout must be expected to fit (else it "
            "is aborted at its deadline), an unguarded one at its worst; Provider: CustomResource only.",
            1,
            3600,
        ),
        "SmokeTest": Prop("object", "Smoke tests of the new fleet (FunctionArn or Invoke).", ref="SmokeTest"),
        "AdoptExistingEndpoint": Prop(
            "boolean",
            "Take over an existing endpoint its owner tagged "
            "sagemaker-rollout:adoptable=true (the provider validates it).",
            default=False,
        ),
        "Provider": string_prop(
            "CustomResource (requests of at most an hour) or the registry type RegistryType "
            "(registered once per account and region, up to 36 hours).",
            enum=PROVIDERS,
            default="CustomResource",
            literal=True,
        ),
    },
)
