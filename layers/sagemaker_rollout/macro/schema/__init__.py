"""The declarative schema of ``SageMakerRollout::Endpoint``: every compact property, once.

The macro validates through it (:meth:`~sagemaker_rollout.macro.props.Obj.mapping` and
:meth:`~sagemaker_rollout.macro.props.Obj.read`); ``sagemaker_rollout_tools.schemas_gen`` renders
it as the JSON Schema ``schemas/SageMakerRollout-Endpoint.json`` and
``sagemaker_rollout_tools.compact_docs`` as the property tables of the README and
``docs/reference.md``. SageMaker's limits come from :mod:`sagemaker_rollout.sagemaker`; the
autoscaling targets from :data:`sagemaker_rollout.macro.targets.TARGET_KINDS`.

Modules: :mod:`.endpoint` (the resource's properties, ``Deployment``, ``DataCapture``,
``AsyncInference``), :mod:`.variant` (``Variant``, ``Serverless``, ``AutoScaling``, ``Alarm``),
:mod:`.model` (inline models), :mod:`.common` (constructors, enumerations).
"""

from __future__ import annotations

from typing import Final

from sagemaker_rollout.macro.props import Obj
from sagemaker_rollout.macro.schema.common import ALARM_STATISTICS, PROVIDERS, STRATEGIES
from sagemaker_rollout.macro.schema.endpoint import (
    ASYNC_INFERENCE,
    DATA_CAPTURE,
    DEPLOYMENT,
    ENDPOINT,
    SMOKE_INVOKE,
    SMOKE_TEST,
    TAG,
)
from sagemaker_rollout.macro.schema.model import (
    CONTAINER,
    CONTAINER_KEYS,
    MODEL,
    MODEL_DATA_SOURCE,
    S3_DATA_SOURCE,
)
from sagemaker_rollout.macro.schema.variant import ALARM, AUTOSCALING, SERVERLESS, SUSPENDED_STATE, VARIANT

__all__ = [
    "ALARM",
    "ALARM_STATISTICS",
    "ASYNC_INFERENCE",
    "AUTOSCALING",
    "CONTAINER",
    "CONTAINER_KEYS",
    "DATA_CAPTURE",
    "DEPLOYMENT",
    "ENDPOINT",
    "MODEL",
    "MODEL_DATA_SOURCE",
    "OBJECTS",
    "PROVIDERS",
    "S3_DATA_SOURCE",
    "SERVERLESS",
    "SMOKE_INVOKE",
    "SMOKE_TEST",
    "STRATEGIES",
    "SUSPENDED_STATE",
    "TAG",
    "VARIANT",
]

OBJECTS: Final[dict[str, Obj]] = {
    obj.name: obj
    for obj in (
        ENDPOINT,
        VARIANT,
        MODEL,
        CONTAINER,
        MODEL_DATA_SOURCE,
        S3_DATA_SOURCE,
        SERVERLESS,
        AUTOSCALING,
        SUSPENDED_STATE,
        ALARM,
        DEPLOYMENT,
        DATA_CAPTURE,
        ASYNC_INFERENCE,
        SMOKE_TEST,
        SMOKE_INVOKE,
        TAG,
    )
}
"""Definition name -> object, in documentation order; ``Properties`` is the resource's properties."""
