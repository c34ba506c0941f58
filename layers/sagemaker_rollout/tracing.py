"""X-Ray tracing for both functions (powertools Tracer), built lazily and only inside Lambda.

aws-xray-sdk is imported on the first traced call in Lambda, never at import time and never
outside Lambda (tests, the CLI, the demo), which keeps cold imports fast.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["subsegment"]


@functools.lru_cache(maxsize=1)
def _tracer() -> Any:
    if (
        not os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        or os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() == "true"
    ):
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sagemaker-rollout"))


@contextlib.contextmanager
def subsegment(name: str, **annotations: str) -> Iterator[None]:
    """Trace the block as an X-Ray subsegment with ``annotations``; a no-op outside Lambda."""
    tracer = _tracer()
    if tracer is None:
        yield
        return
    with tracer.provider.in_subsegment(name) as segment:
        for key, value in annotations.items():
            segment.put_annotation(key=key, value=str(value))
        yield
