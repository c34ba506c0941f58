"""``sagemaker-rollout demo``: the provider's real handler against a simulated AWS account.

Also home of the small intrinsic-function resolver (:mod:`sagemaker_rollout_tools.intrinsics`) that
``plan`` shares, and of the miniature CloudFormation (:mod:`sagemaker_rollout_testing.demo.stack`) that
deploys a rendered template into moto. Nothing here imports moto or boto3 at import time.
"""

from __future__ import annotations

from sagemaker_rollout_testing.demo.stack import (
    Deployed,
    SimulatedStack,
    StackError,
    StackOutcome,
    deployment_order,
)
from sagemaker_rollout_testing.demo.story import run_demo
from sagemaker_rollout_testing.demo.template import example_template_path, render
from sagemaker_rollout_testing.demo.world import (
    DemoError,
    DemoOptions,
    DemoResult,
    DemoWorld,
    StepResult,
    simulated_account,
)
from sagemaker_rollout_tools.intrinsics import NO_VALUE, Resolver, UnresolvableError, parameter_values

__all__ = [
    "NO_VALUE",
    "DemoError",
    "DemoOptions",
    "DemoResult",
    "DemoWorld",
    "Deployed",
    "Resolver",
    "SimulatedStack",
    "StackError",
    "StackOutcome",
    "StepResult",
    "UnresolvableError",
    "deployment_order",
    "example_template_path",
    "parameter_values",
    "render",
    "run_demo",
    "simulated_account",
]
