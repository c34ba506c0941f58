"""The SageMaker-event resume: the provider's third front end, beside the custom resource and the
registry type (issue 23; contract section 9, "Waits").

It turns SageMaker's endpoint events (hints) and the provider's delayed wake-up messages into the
resumption of a suspended request, by its journal key and token (:meth:`Engine.resume
<sagemaker_rollout.rollout.engine.Engine.resume>`); it imports no other front end.
"""

from __future__ import annotations

from sagemaker_rollout.events.handler import handler, is_resume_payload
from sagemaker_rollout.events.parse import endpoint_hint, is_sagemaker_event

__all__ = ["endpoint_hint", "handler", "is_resume_payload", "is_sagemaker_event"]
