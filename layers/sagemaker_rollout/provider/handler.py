"""Lambda handler of ``Custom::SageMakerEndpoint``: the custom-resource adapter of the engine.

crhelper owns the CloudFormation protocol (the response PUT to the ResponseURL). The engine
(:mod:`sagemaker_rollout.rollout.engine`) carries the request; when it must wait longer than this
invocation can, the adapter invokes the function again asynchronously with a continuation that
holds only the request's journal key and token (the journal is the memory), and crhelper's
response is held back. The function is also the consumer of its dead-letter queue: when Lambda's
retries of an invocation are exhausted, the event arrives from SQS and the request resumes from
the journal, so no request is left unanswered. No EventBridge rule, target or permission is ever
created.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from crhelper import CfnResource

from sagemaker_rollout.provider import origin
from sagemaker_rollout.provider.aws import call
from sagemaker_rollout.provider.runtime import ProviderRuntime
from sagemaker_rollout.provider.telemetry import Telemetry
from sagemaker_rollout.rollout.state import CONTINUATION_KEY
from sagemaker_rollout.tracing import subsegment

if TYPE_CHECKING:
    from sagemaker_rollout.rollout.engine import Engine, EngineResult

# The engine is imported when the provider is first used (not at import): the engine's modules
# import this package's helpers, and this package's __init__ imports this module.

__all__ = ["configure", "handler", "request_deadline"]

_lock = threading.Lock()
_runtime: ProviderRuntime | None = None
_resource: _ProviderResource | None = None


class _ProviderResource(CfnResource):
    """crhelper with the provider's clock, a held-back response when nothing is to be sent."""

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
        self._engine: Engine | None = None
        self.silent = False
        self.continuation_token: str | None = None
        self._create_func = self._update_func = self._delete_func = self._run

    @property
    def engine(self) -> Engine:
        """The engine and its journal, built on first use (a dropped request needs neither)."""
        if self._engine is None:
            from sagemaker_rollout.rollout.engine import Engine

            self._engine = Engine(self.runtime, self.runtime.journal(), self.telemetry.logger,
                                  self.telemetry.notify)
        return self._engine

    # crhelper hooks (the only places crhelper's internals are relied on) ------------------------
    def _crhelper_init(self, event: dict[str, Any], context: Any) -> bool:
        self.silent = False
        return bool(super()._crhelper_init(event, context))  # type: ignore[misc]

    def _set_timeout(self) -> None:
        remaining = self._context.get_remaining_time_in_millis() / 1000.0 - 0.5
        self._timer = self.runtime.clock.call_later(remaining, self._timeout)

    def _timeout(self) -> None:
        # Lambda retries a timed-out asynchronous invocation and the journal resumes the request:
        # answering FAILED here would end a rollout that is still going.
        self.telemetry.logger.error("invocation about to time out; Lambda's retry resumes the request")

    def _cfn_response(self, event: dict[str, Any]) -> None:
        if self.silent:
            return
        super()._cfn_response(event)  # type: ignore[misc]

    # the request -----------------------------------------------------------------------------------
    def _run(self, event: dict[str, Any], context: Any) -> str:
        def hand_off(payload: dict[str, Any]) -> None:
            call(
                self.runtime.clock,
                self.runtime.client("lambda").invoke,
                FunctionName=context.invoked_function_arn,
                InvocationType="Event",
                Payload=json.dumps(payload).encode(),
            )

        result = self.engine.run(
            event,
            invocation_id=str(getattr(context, "aws_request_id", "local")),
            remaining=lambda: context.get_remaining_time_in_millis() / 1000.0,
            hand_off=hand_off,
            continuation_token=self.continuation_token,
            deadline_hint=request_deadline(event),
        )
        return self._report(event, result)

    def _report(self, event: Mapping[str, Any], result: EngineResult) -> str:
        answer = result.answer
        if answer is None:
            self.silent = True
            self.telemetry.logger.info("no answer from this invocation", extra={"why": result.why})
            return str(event.get("PhysicalResourceId", ""))
        if result.resent:
            self.telemetry.logger.info("request already answered: sending the recorded answer again")
        else:
            state = {"started": result.started}
            self.telemetry.finished(event, state, ok=answer.status == "SUCCESS", reason=answer.reason or None)
        if answer.status != "SUCCESS":
            if answer.physical_id:
                self.PhysicalResourceId = answer.physical_id
            raise RuntimeError(answer.reason)
        if answer.reason:  # a SUCCESS may say why (an adopted endpoint released, not deleted)
            self.Reason = answer.reason
        self.Data.update(answer.data)
        return answer.physical_id


def request_deadline(event: Mapping[str, Any]) -> float | None:
    """When CloudFormation gives up on the request: the ResponseURL's signing time + ServiceTimeout.

    CloudFormation pre-signs the ResponseURL when it sends the request (CloudFormation user guide,
    "Custom resource request objects": ResponseURL is a pre-signed S3 URL). When it is signed with
    SigV4, ``X-Amz-Date`` is the signing time (Amazon S3 API reference, "Authenticating requests:
    using query parameters"), so a Lambda retry or a late duplicate still knows the request's real
    deadline. None when the URL carries no such date (a SigV2 URL carries only ``Expires``): the
    journal's first record then fixes the deadline.
    """
    from datetime import UTC, datetime
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(str(event.get("ResponseURL", ""))).query)
    stamp = (query.get("X-Amz-Date") or [""])[0]
    try:
        signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
    raw = (event.get("ResourceProperties") or {}).get("ServiceTimeout")
    try:
        timeout = float(raw) if raw is not None else 3600.0
    except (TypeError, ValueError):
        timeout = 3600.0
    return signed + min(max(timeout, 1.0), 3600.0)


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


def _payloads(event: Mapping[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """The requests in an invocation: the event itself, or each message of the dead-letter queue."""
    records = event.get("Records")
    if isinstance(records, list) and records and all(
        isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records
    ):
        payloads = []
        for record in records:
            try:
                body = json.loads(str(record.get("body") or ""))
            except ValueError:
                continue
            if isinstance(body, dict):
                payloads.append((body, True))
        return payloads
    return [(dict(event), False)]


def _one(resource: _ProviderResource, payload: dict[str, Any], context: Any, dead_letter: bool) -> None:
    continuation = payload.get(CONTINUATION_KEY)
    resource.continuation_token = None
    if isinstance(continuation, Mapping):
        record = resource.engine.journal.load(str(continuation.get("key", "")))
        if record is None or record.token != continuation.get("token") or record.answered:
            resource.telemetry.logger.warning("continuation ignored: stale, duplicated or unknown")
            return
        event = dict(record.event)
        resource.continuation_token = str(continuation.get("token"))
    else:
        # Only CloudFormation's requests for this account and region are acted on (a continuation
        # is authenticated by its journal token instead, above): no AWS call, no PUT otherwise.
        event = payload
        dropped = origin.screen(event, context, resource.runtime.origin_policy)
        if dropped is not None:
            resource.telemetry.logger.error("REQUEST DROPPED (origin check): %s", dropped)
            return
    resource.telemetry.start(event, context)
    if dead_letter:
        resource.telemetry.logger.warning("resuming a request from the dead-letter queue")
    with subsegment(
        "## custom resource request",
        request_type=str(event.get("RequestType")),
        logical_id=str(event.get("LogicalResourceId")),
    ):
        resource(event, context)


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point (``handlers/endpoint_provider/app.py`` re-exports it)."""
    resource = _get_resource()
    try:
        for payload, dead_letter in _payloads(event):
            _one(resource, payload, context, dead_letter)
    finally:
        resource.telemetry.flush()
