"""Lambda handler of ``Custom::SageMakerEndpoint``: parse, call the executor, report.

crhelper owns the CloudFormation protocol (the response PUT to the ResponseURL, failures of its
own). Long waits continue in a fresh invocation: the provider invokes itself asynchronously with
the event plus its continuation state, and crhelper's response is held back until the request
is settled. No EventBridge rule, target or permission is ever created.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any, cast

from crhelper import CfnResource

from sagemaker_rollout.provider import origin
from sagemaker_rollout.provider.aws import call, reason_of
from sagemaker_rollout.provider.executor import STATE_KEY, Executor, HandOffError, RequestFailedError
from sagemaker_rollout.provider.runtime import ProviderRuntime
from sagemaker_rollout.provider.telemetry import Telemetry
from sagemaker_rollout.tracing import subsegment

__all__ = ["configure", "handler"]

_lock = threading.Lock()
_runtime: ProviderRuntime | None = None
_resource: _ProviderResource | None = None


class _ProviderResource(CfnResource):
    """crhelper with the provider's clock, a held-back response after a hand-off, and no polling."""

    _context: Any
    _timer: Any

    def __init__(self, runtime: ProviderRuntime, telemetry: Telemetry) -> None:
        super().__init__(
            json_logging=False,
            log_level=os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
            boto_level="WARNING",
            sleep_on_delete=runtime.settings.sleep_on_delete,
            ssl_verify=cast(Any, runtime.ssl_verify),
        )
        self.runtime = runtime
        self.telemetry = telemetry
        self.handed_off = False
        self._create_func = self._update_func = self._delete_func = self._run

    # crhelper hooks ------------------------------------------------------------------------
    def _crhelper_init(self, event: dict[str, Any], context: Any) -> bool:
        self.handed_off = False
        return bool(super()._crhelper_init(event, context))  # type: ignore[misc]

    def _set_timeout(self) -> None:
        remaining = self._context.get_remaining_time_in_millis() / 1000.0 - 0.5
        self._timer = self.runtime.clock.call_later(remaining, self._timeout)

    def _timeout(self) -> None:
        # Lambda retries a timed-out asynchronous invocation with the same event, which carries the
        # continuation state: answering FAILED here would end a rollout that is still going.
        self.telemetry.logger.error("invocation about to time out; Lambda's retry resumes the request")

    def _cfn_response(self, event: dict[str, Any]) -> None:
        if self.handed_off:
            return
        super()._cfn_response(event)  # type: ignore[misc]

    # the request ---------------------------------------------------------------------------
    def _run(self, event: dict[str, Any], context: Any) -> str:
        executor = Executor(
            self.runtime,
            event,
            lambda: context.get_remaining_time_in_millis() / 1000.0,
            self.telemetry.logger,
            self.telemetry.notify,
        )
        try:
            outcome = executor.run()
        except HandOffError as handoff:
            self._hand_off(event, context, handoff.state)
            return str(event.get("PhysicalResourceId", ""))
        except RequestFailedError as failure:
            if failure.physical_id:
                self.PhysicalResourceId = failure.physical_id
            self.telemetry.finished(event, executor.state, ok=False, reason=failure.reason)
            raise RuntimeError(failure.reason) from None
        except Exception as error:  # an AWS call failed for good: the cause first, within 256 chars
            self.telemetry.logger.exception("request failed unexpectedly")
            reason = reason_of(error)
            self.telemetry.finished(event, executor.state, ok=False, reason=reason)
            raise RuntimeError(reason) from None
        self.Data.update(outcome.data)
        self.telemetry.finished(event, executor.state, ok=True)
        return outcome.physical_id

    def _hand_off(self, event: Mapping[str, Any], context: Any, state: dict[str, Any]) -> None:
        payload = {**event, STATE_KEY: state}
        payload.pop("CrHelperData", None)
        call(
            self.runtime.clock,
            self.runtime.client("lambda").invoke,
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps(payload, default=str).encode(),
        )
        self.handed_off = True
        self.telemetry.notify(
            "handoff", f"continuing in a fresh invocation (#{int(state.get('invocation', 1)) + 1})"
        )


def configure(runtime: ProviderRuntime | None) -> None:
    """Use ``runtime`` for the next invocations (tests, the demo); None goes back to the default."""
    global _runtime, _resource
    with _lock:
        _runtime = runtime
        _resource = None


def _get_resource() -> _ProviderResource:
    global _runtime, _resource
    with _lock:
        if _resource is None:
            if _runtime is None:
                _runtime = ProviderRuntime()
            _resource = _ProviderResource(_runtime, Telemetry(_runtime.clock, _runtime.listener))
        return _resource


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point (``handlers/endpoint_provider/app.py`` re-exports it)."""
    resource = _get_resource()
    dropped = origin.screen(event, context, resource.runtime.origin_policy)
    if dropped is not None:  # not CloudFormation's request for this account and region: no AWS call, no PUT
        resource.telemetry.logger.error("REQUEST DROPPED (origin check): %s", dropped)
        return
    resource.telemetry.start(event, context)
    try:
        with subsegment(
            "## custom resource request",
            request_type=str(event.get("RequestType")),
            logical_id=str(event.get("LogicalResourceId")),
        ):
            resource(event, context)
    finally:
        resource.telemetry.flush()
