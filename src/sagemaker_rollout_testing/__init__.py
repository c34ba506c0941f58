"""Test driver: CloudFormation and Lambda played in process for a custom resource handler.

Used by the provider's tests, the ``demo`` command and the benchmarks; it has no pytest
dependency. See :class:`CloudFormationDriver`.
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
