"""Structured logs (powertools Logger) and EMF metrics (powertools Metrics) of the provider."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from sagemaker_rollout.clock import Clock, SystemClock
from sagemaker_rollout.rollout.request import RolloutRequest

__all__ = ["Telemetry"]

_COUNTERS = {
    "RolloutSucceeded",
    "RolloutFailed",
    "RolloutRolledBack",
    "RolloutAborted",
    "AutoscalingSuspended",
    "SmokeTestPassed",
    "SmokeTestFailed",
}


class Telemetry:
    """Logger and metrics for one provider instance; built lazily, no I/O until used.

    Every log line carries ``stack_id``, ``logical_id``, ``request_type``, ``request_id`` (also the
    correlation id) and ``endpoint_name``. Metrics (namespace ``SageMakerRollout``):
    ``RolloutDuration`` (seconds), ``RolloutSucceeded``, ``RolloutFailed``, ``RolloutRolledBack``,
    ``RolloutAborted`` (the provider tripped its brake), ``AutoscalingSuspended``, ``Handoffs``,
    ``SmokeTestPassed``, ``SmokeTestFailed`` (counts), ``SmokeTestLatency`` (milliseconds, one per call).

    Parameters
    ----------
    clock:
        For durations.
    listener:
        Called with (kind, text) for every step (the demo's timeline).
    """

    def __init__(
        self, clock: Clock | None = None, listener: Callable[[str, str], None] | None = None
    ) -> None:
        from aws_lambda_powertools import Logger, Metrics

        self.clock = clock or SystemClock()
        self.listener = listener
        self.logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sagemaker-rollout"))
        self.metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "SageMakerRollout"))
        self._has_metrics = False

    def start(self, request: RolloutRequest, context: Any, *, resumed: bool = False) -> None:
        """Bind the request's keys to every following log line."""
        self.logger.remove_keys(["endpoint_name"])
        self.logger.append_keys(
            stack_id=request.stack_id,
            logical_id=request.logical_id,
            request_type=request.kind.value,
            request_id=request.request_id,
            endpoint_name=request.physical_id or request.properties.get("EndpointName"),
            function_request_id=getattr(context, "aws_request_id", None),
        )
        self.logger.set_correlation_id(request.request_id)
        self.logger.info("request resumed" if resumed else "request received")

    def notify(self, kind: str, text: str) -> None:
        """Record one step: a log line, a metric for counters, and the listener."""
        if kind == "metric" and "=" in text:  # a measurement: Name=milliseconds
            self._milliseconds(*text.split("=", 1))
        elif kind == "metric":
            self._count(text)
        else:
            self.logger.info(text, extra={"step": kind})
            if kind == "handoff":
                self._count("Handoffs")
        if self.listener is not None:
            self.listener(kind, text)

    def _count(self, name: str) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        self._has_metrics = True

    def _milliseconds(self, name: str, value: str) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self.metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=float(value))
        self._has_metrics = True

    def finished(
        self, request: RolloutRequest, state: Mapping[str, Any], *, ok: bool, reason: str | None = None
    ) -> None:
        """The request is answered: its duration and outcome."""
        from aws_lambda_powertools.metrics import MetricUnit

        duration = max(self.clock.now() - float(state.get("started", self.clock.now())), 0.0)
        if not request.is_delete:
            self.metrics.add_metric(name="RolloutDuration", unit=MetricUnit.Seconds, value=round(duration, 3))
            self._has_metrics = True
        if ok:
            self.logger.info("request succeeded", extra={"duration_s": round(duration, 1)})
        else:
            self.logger.warning("request failed", extra={"duration_s": round(duration, 1), "reason": reason})
        if self.listener is not None:
            self.listener("answer", f"{'SUCCESS' if ok else 'FAILED'}{': ' + reason if reason else ''}")

    def flush(self) -> None:
        """Write the EMF record of this invocation (nothing if no metric was added)."""
        if self._has_metrics:
            self.metrics.flush_metrics()
            self._has_metrics = False
