"""Lambda entry point of the Custom::SageMakerEndpoint provider (code lives in the layer).

One function, two front ends: SageMaker's endpoint events and the provider's delayed wake-ups go to
the SageMaker-event resume (:mod:`sagemaker_rollout.events`), everything else (CloudFormation's
requests, continuations, dead letters) to the custom resource (:mod:`sagemaker_rollout.custom_resource`).
"""

from __future__ import annotations

from typing import Any

from sagemaker_rollout import custom_resource, events

__all__ = ["handler"]


def handler(event: dict[str, Any], context: Any) -> None:
    """Route ``event`` to the front end that handles it."""
    if events.is_resume_payload(event):
        events.handler(event, context)
    else:
        custom_resource.handler(event, context)
