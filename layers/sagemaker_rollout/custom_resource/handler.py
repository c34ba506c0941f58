"""Lambda handler of ``Custom::SageMakerEndpoint``: the custom-resource adapter of the engine.

crhelper owns the CloudFormation protocol (the response PUT to the ResponseURL), reached only
through :mod:`sagemaker_rollout.aws.cfn_response`. The engine
(:mod:`sagemaker_rollout.rollout.engine`) carries the request; when it must wait longer than this
invocation can, the adapter invokes the function again asynchronously with a continuation that
holds only the request's journal key and token (the journal is the memory), and crhelper is not
called: only an invocation that has the answer sends it. The function is also the consumer of its
dead-letter queue: when Lambda's retries of an invocation are exhausted, the event arrives from SQS
and the request resumes from the journal, so no request is left unanswered. A request waiting for
SageMaker ends its invocation instead (issue 23): it resumes on a delayed wake-up message or a
SageMaker event, both handled by :mod:`sagemaker_rollout.events`. No EventBridge rule, target or
permission is ever created at run time (the stack's one rule is in ``template.yaml``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import call, short
from sagemaker_rollout.aws.cfn_response import FAILED, SUCCESS, CfnResponder
from sagemaker_rollout.aws.runtime import ProviderRuntime, install_runtime, shared_runtime
from sagemaker_rollout.custom_resource import origin
from sagemaker_rollout.custom_resource.legacy import LEGACY_STATE_KEY, legacy_state
from sagemaker_rollout.custom_resource.telemetry import Telemetry
from sagemaker_rollout.journal.records import JournalUnavailableError
from sagemaker_rollout.rollout.request import RequestError, RolloutRequest
from sagemaker_rollout.rollout.salvage import endpoint_name
from sagemaker_rollout.rollout.state import CONTINUATION_KEY
from sagemaker_rollout.spec.limits import service_timeout
from sagemaker_rollout.tracing import subsegment

if TYPE_CHECKING:
    from sagemaker_rollout.rollout.engine import Engine, EngineResult

    _Run = Callable[[Callable[[], float], Callable[[dict[str, Any]], None]], EngineResult]

# The engine is imported when the provider is first used (not at import): the engine's modules
# import this package's helpers, and this package's __init__ imports this module.

__all__ = ["configure", "handler", "request_deadline"]

_lock = threading.Lock()
_runtime: ProviderRuntime | None = None
_provider: _Provider | None = None


class _Provider:
    """The provider's engine, telemetry and crhelper responder (built once per Lambda container)."""

    def __init__(self, runtime: ProviderRuntime, telemetry: Telemetry) -> None:
        self.runtime = runtime
        self.telemetry = telemetry
        self.responder = CfnResponder(
            log_level=os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
            boto_level="WARNING",
            sleep_on_delete=runtime.settings.sleep_on_delete,
            ssl_verify=runtime.ssl_verify,
        )
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The engine and its journal, built on first use (a dropped request needs neither)."""
        if self._engine is None:
            from sagemaker_rollout.journal import Journal
            from sagemaker_rollout.rollout.engine import Engine

            self._engine = Engine(
                self.runtime, Journal.for_runtime(self.runtime), self.telemetry.logger, self.telemetry.notify
            )
        return self._engine

    def __call__(self, request: RolloutRequest, run: _Run, context: Any) -> None:
        """Carry ``request`` with ``run``; answer through crhelper unless this invocation handed it off."""
        event = request.raw
        remaining = context.get_remaining_time_in_millis() / 1000.0 - 0.5
        timer = self.runtime.clock.call_later(remaining, self._timeout)
        try:
            try:
                result = run(lambda: context.get_remaining_time_in_millis() / 1000.0, self._hand_off(context))
            except JournalUnavailableError as error:
                # The journal stayed unavailable until this invocation's end, well before the
                # request's: the invocation fails, and Lambda's retry (then the dead-letter queue)
                # carries on from the journal.
                self.telemetry.logger.warning(
                    "rollout journal unavailable: Lambda retries", extra={"error": str(error)}
                )
                raise
            except Exception as error:  # the last resort: one FAILED answer, one line, never a traceback
                self.telemetry.logger.exception("request failed unexpectedly")
                self.responder.answer(
                    event,
                    context,
                    status=FAILED,
                    physical_id=request.physical_id or endpoint_name(request),
                    reason=short(f"Internal error in the provider: {type(error).__name__}"),
                )
                return
            self._report(request, context, result)
        finally:
            timer.cancel()

    def _timeout(self) -> None:
        # Lambda retries a timed-out asynchronous invocation and the journal resumes the request:
        # answering FAILED here would end a rollout that is still going.
        self.telemetry.logger.error("invocation about to time out; Lambda's retry resumes the request")

    def _hand_off(self, context: Any) -> Callable[[dict[str, Any]], None]:
        def hand_off(payload: dict[str, Any]) -> None:
            call(
                self.runtime.clock,
                self.runtime.client("lambda").invoke,
                FunctionName=context.invoked_function_arn,
                InvocationType="Event",
                Payload=json.dumps(payload).encode(),
            )

        return hand_off

    def _report(self, request: RolloutRequest, context: Any, result: EngineResult) -> None:
        answer = result.answer
        if answer is None:
            self.telemetry.logger.info("no answer from this invocation", extra={"why": result.why})
            return
        if result.resent:
            self.telemetry.logger.info("request already answered: sending the recorded answer again")
        else:
            state = {"started": result.started}
            self.telemetry.finished(request, state, ok=answer.succeeded, reason=answer.reason or None)
        recorded = result.request.raw if result.request is not None and result.request.raw else request.raw
        self.responder.answer(
            recorded,  # the request as first delivered: a duplicate's answer goes where the first went
            context,
            status=SUCCESS if answer.succeeded else FAILED,
            physical_id=answer.physical_id,
            reason=answer.reason,
            data=answer.data if answer.succeeded else None,
        )


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
    properties = event.get("ResourceProperties")
    return signed + service_timeout(properties if isinstance(properties, Mapping) else {})


def configure(runtime: ProviderRuntime | None) -> None:
    """Use ``runtime`` for the next invocations (tests, the demo); None goes back to the default."""
    global _runtime, _provider
    with _lock:
        _runtime = runtime
        _provider = None
    install_runtime(runtime)  # the SageMaker-event resume of this function uses it too


def _get_provider() -> _Provider:
    global _runtime, _provider
    with _lock:
        if _provider is None:
            if _runtime is None:
                _runtime = shared_runtime()
            _provider = _Provider(_runtime, Telemetry(_runtime.clock, _runtime.listener))
        return _provider


def _payloads(event: Mapping[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """The requests in an invocation: the event itself, or each message of the dead-letter queue."""
    records = event.get("Records")
    if (
        isinstance(records, list)
        and records
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
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


def _one(provider: _Provider, payload: dict[str, Any], context: Any, dead_letter: bool) -> None:
    # A waiting request ends its invocation and resumes on SageMaker's events, a fallback wake-up or
    # its deadline watchdog (issue 23; without a wake-up queue the engine waits in the invocation).
    from sagemaker_rollout.rollout.suspend import WaitMode

    suspend = WaitMode.SUSPEND
    continuation = payload.get(CONTINUATION_KEY)
    run: _Run
    if isinstance(continuation, Mapping):
        key, token = str(continuation.get("key", "")), str(continuation.get("token", ""))
        record = provider.engine.continuation(key, token)
        if record is None:
            provider.telemetry.logger.warning("continuation ignored: stale, duplicated or unknown")
            return
        request = record.request

        def run(remaining: Callable[[], float], hand_off: Callable[[dict[str, Any]], None]) -> EngineResult:
            return provider.engine.resume(key, token, remaining=remaining, hand_off=hand_off, mode=suspend)

    else:
        # Only CloudFormation's requests for this account and region are acted on (a continuation
        # is authenticated by its journal token instead, above): no AWS call, no PUT otherwise.
        dropped = origin.screen(payload, context, provider.runtime.origin_policy)
        if dropped is None:
            try:
                request = RolloutRequest.from_event(payload)
            except RequestError as error:
                dropped = str(error)
        if dropped is not None:
            provider.telemetry.logger.error("REQUEST DROPPED (origin check): %s", dropped)
            return
        prior, started = legacy_state(payload)

        def run(remaining: Callable[[], float], hand_off: Callable[[dict[str, Any]], None]) -> EngineResult:
            return provider.engine.run(
                request,
                invocation_id=str(getattr(context, "aws_request_id", "local")),
                remaining=remaining,
                hand_off=hand_off,
                deadline_hint=request_deadline(payload),
                prior=prior,
                started=started,
                confirm=True,  # CloudFormation confirms the request before it changes anything
                mode=suspend,
            )

    provider.telemetry.start(request, context, resumed=LEGACY_STATE_KEY in payload)
    if dead_letter:
        provider.telemetry.logger.warning("resuming a request from the dead-letter queue")
    with subsegment(
        "## custom resource request",
        request_type=request.kind.value,
        logical_id=request.logical_id,
    ):
        provider(request, run, context)


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point (``handlers/endpoint_provider/app.py`` re-exports it)."""
    provider = _get_provider()
    try:
        for payload, dead_letter in _payloads(event):
            _one(provider, payload, context, dead_letter)
    finally:
        provider.telemetry.flush()
