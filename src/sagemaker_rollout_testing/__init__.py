"""sagemaker-rollout's test kit: a simulated AWS the provider is tested and demonstrated on.

The CloudFormation driver (CloudFormation and Lambda played in process for a custom resource
handler: real events, HTTPS response capture, Lambda retries, the dead-letter queue; see
:class:`CloudFormationDriver`), the registry-type driver (:mod:`.registry`), fault injection
(:mod:`.faults`), an IAM evaluator for the provider's role (:mod:`.iam_eval`), the SageMaker
simulator on moto (:mod:`.simulator`) and the demo world (:mod:`.demo`). Used by the tests, the
``demo`` command and the benchmarks; no pytest dependency. It uses the runtime
(:mod:`sagemaker_rollout`) and the tools' template loading; the runtime never imports it. Its
third-party dependencies come with the ``testing`` extra.
"""

from __future__ import annotations

from sagemaker_rollout_testing.context import FakeLambdaContext, InvocationTimeoutError
from sagemaker_rollout_testing.driver import (
    CfnResponse,
    CloudFormationDriver,
    DriverError,
    InvocationRecord,
    TimelineEntry,
)
from sagemaker_rollout_testing.events import custom_resource_event, stringify
from sagemaker_rollout_testing.faults import FaultInjector
from sagemaker_rollout_testing.https import CapturedResponse, ResponseServer, ResponseServerError
from sagemaker_rollout_testing.template import (
    FunctionSpec,
    TemplateError,
    load_function_spec,
    load_handler,
    load_template,
)

__all__ = [
    "CapturedResponse",
    "CfnResponse",
    "CloudFormationDriver",
    "DriverError",
    "FakeLambdaContext",
    "FaultInjector",
    "FunctionSpec",
    "InvocationRecord",
    "InvocationTimeoutError",
    "ResponseServer",
    "ResponseServerError",
    "TemplateError",
    "TimelineEntry",
    "custom_resource_event",
    "load_function_spec",
    "load_handler",
    "load_template",
    "stringify",
]
