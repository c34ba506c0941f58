"""``SageMakerRollout::SageMaker::Endpoint``: the registry resource type's front-end of the engine.

The custom resource and the registry type drive the same rollout steps and journal
(:mod:`sagemaker_rollout.rollout.engine`); only the ends differ. The custom resource hands a long
wait to a fresh Lambda invocation and PUTs its answer to a ResponseURL; the registry type returns
progress events to CloudFormation: IN_PROGRESS with a callback delay and a callback context that
holds the journal key and token (CloudFormation invokes the handler again with it), then SUCCESS or
FAILED.

* :mod:`sagemaker_rollout.spec.limits` (re-exported here): the type's name, handler timeouts, and
  whether a rollout needs them (imported by the macro and the linter, so this package imports
  nothing heavier on its own);
* :mod:`.protocol`: actions, progress events, per-invocation budgets, handler permissions;
* :mod:`.requests`: the handler request as the engine's request (the primary-identifier ownership
  rule, stack-level tags), the create-only name check, callback contexts;
* :mod:`.frontend`: the handlers over the engine (:class:`~.frontend.RegistryFrontEnd`);
* :mod:`.live`: the live endpoint as the type's properties (read handler, drift) and list;
* :mod:`.codes`: the handler error code of an AWS or journal error that ends a handler.

No CloudFormation CLI code lives here: ``registry/src`` wraps the front-end in the CloudFormation
CLI's Python library, so the Lambda layer never needs that library.
"""

from __future__ import annotations

from sagemaker_rollout.spec.limits import (
    HANDLER_TIMEOUT_MINUTES,
    REGISTRY_TIME_LIMIT,
    TYPE_NAME,
    needs_registry_type,
    registry_type_note,
)

__all__ = [
    "HANDLER_TIMEOUT_MINUTES",
    "REGISTRY_TIME_LIMIT",
    "TYPE_NAME",
    "needs_registry_type",
    "registry_type_note",
]
