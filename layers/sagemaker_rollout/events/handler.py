"""Lambda entry point of the SageMaker-event resume: the provider's third front end (issue 23).

The provider function receives, besides CloudFormation's requests (the custom resource's front end):

* SageMaker's endpoint events, from the stack's EventBridge rule (``template.yaml``): each is read
  into a hint (:mod:`.parse`) and, when it is worth a read, resumes the request suspended on that
  endpoint (its journal key and token from the endpoint's lease), which reads the endpoint first;
* the provider's own wake-up messages (SQS, delayed): a link of a suspended request's chain, which
  resumes it at its wake-up, or sends the next link (the deadline watchdog).

A resumed request that reaches its answer is answered here, through the same CloudFormation
response module as the custom resource (:mod:`sagemaker_rollout.aws.cfn_response`). Nothing here
trusts an event: a forged, duplicated, late or out-of-order one costs at most a read. Whole events
are never logged, only their endpoint and detail type.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws.calls import call
from sagemaker_rollout.aws.cfn_response import FAILED, SUCCESS, CfnResponder
from sagemaker_rollout.aws.runtime import shared_runtime
from sagemaker_rollout.events.parse import endpoint_hint, is_sagemaker_event
from sagemaker_rollout.rollout.waiting import WakeUp

if TYPE_CHECKING:
    from sagemaker_rollout.rollout.engine import Engine, EngineResult

__all__ = ["handler", "is_resume_payload"]

_lock = threading.Lock()
_state: dict[str, Any] = {}


def _wakeups(event: Mapping[str, Any]) -> list[WakeUp] | None:
    """The wake-ups of an SQS batch, or None when the batch is not (only) wake-ups."""
    records = event.get("Records")
    if not (isinstance(records, list) and records):
        return None
    found = []
    for record in records:
        if not (isinstance(record, Mapping) and record.get("eventSource") == "aws:sqs"):
            return None
        try:
            body = json.loads(str(record.get("body") or ""))
        except ValueError:
            return None
        wakeup = WakeUp.parse(body) if isinstance(body, Mapping) else None
        if wakeup is None:
            return None
        found.append(wakeup)
    return found


def is_resume_payload(event: Mapping[str, Any]) -> bool:
    """Whether this front end handles ``event``: a SageMaker-shaped event or a batch of wake-ups."""
    return is_sagemaker_event(event) or _wakeups(event) is not None


def _parts() -> tuple[Engine, Any, CfnResponder]:
    """The engine, logger and responder of this container (built on first use; no I/O before)."""
    runtime = shared_runtime()
    with _lock:
        if _state.get("runtime") is not runtime:
            from aws_lambda_powertools import Logger

            from sagemaker_rollout.journal import Journal
            from sagemaker_rollout.rollout.engine import Engine

            logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "sagemaker-rollout"))
            listener = runtime.listener or (lambda kind, text: None)

            def notify(kind: str, text: str) -> None:
                if kind != "metric":
                    logger.info(text, extra={"step": kind})
                listener(kind, text)

            engine = Engine(runtime, Journal.for_runtime(runtime), logger, notify)
            responder = CfnResponder(boto_level="WARNING", sleep_on_delete=0, ssl_verify=runtime.ssl_verify)
            _state.update(runtime=runtime, parts=(engine, logger, responder))
        parts: tuple[Engine, Any, CfnResponder] = _state["parts"]
        return parts


def _items(event: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    wakeups = _wakeups(event)
    if wakeups is not None:
        yield from (("wakeup", w) for w in wakeups)
    elif is_sagemaker_event(event):
        yield "event", event


_KEYS = ["stack_id", "logical_id", "request_type", "request_id", "endpoint_name", "function_request_id"]


def _one(kind: str, item: Any, context: Any) -> None:
    engine, logger, responder = _parts()
    logger.remove_keys(_KEYS)  # (the custom resource's keys of an earlier invocation: not this one's)
    logger.append_keys(function_request_id=getattr(context, "aws_request_id", None))
    clock = engine.clock
    arn = str(getattr(context, "invoked_function_arn", ""))
    fields = arn.split(":")
    region, account = (fields[3], fields[4]) if len(fields) > 4 else (None, None)

    def remaining() -> float:
        return float(context.get_remaining_time_in_millis()) / 1000.0

    def hand_off(payload: dict[str, Any]) -> None:
        call(
            clock,
            engine.runtime.client("lambda").invoke,
            FunctionName=arn,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )

    from sagemaker_rollout.rollout.wakeups import resume_on_hint, resume_on_wakeup

    result: EngineResult
    if kind == "wakeup":
        result = resume_on_wakeup(engine, item, remaining=remaining, hand_off=hand_off)
        logger.info("wake-up", extra={"why": result.why})
    else:
        parsed = endpoint_hint(item, received=clock.now(), account=account, region=region)
        if parsed is None:
            logger.info("event ignored: not an endpoint event of this account and region")
            return
        endpoint, hint = parsed
        logger.append_keys(endpoint_name=endpoint)
        result = resume_on_hint(engine, endpoint, hint, remaining=remaining, hand_off=hand_off)
        logger.info("SageMaker event", extra={"detail_type": item.get("detail-type"), "why": result.why})
    _answer(engine, responder, result, context)


def _answer(engine: Engine, responder: CfnResponder, result: EngineResult, context: Any) -> None:
    """Send CloudFormation the answer a resumed request reached (recorded in the journal first), and
    log it as the custom resource does (``request succeeded`` / ``request failed``, its duration)."""
    answer = result.answer
    if answer is None or not result.key:
        return
    record = engine.journal.load(result.key)
    if record is None:
        return
    request = record.request
    logger = engine.log
    logger.append_keys(
        stack_id=request.stack_id,
        logical_id=request.logical_id,
        request_type=request.kind.value,
        request_id=request.request_id,
    )
    duration = round(max(engine.clock.now() - record.started, 0.0), 1)
    if answer.succeeded:
        logger.info("request succeeded", extra={"duration_s": duration})
    else:
        logger.warning("request failed", extra={"duration_s": duration, "reason": answer.reason})
    responder.answer(
        record.request.raw,
        context,
        status=SUCCESS if answer.succeeded else FAILED,
        physical_id=answer.physical_id,
        reason=answer.reason,
        data=answer.data if answer.succeeded else None,
    )


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point for SageMaker's events and the provider's wake-ups (see the module).

    A wake-up that fails is raised again after it is logged, so that SQS delivers it again (a link
    of a deadline watchdog is never dropped on an error); a failed event is only logged (a hint).
    """
    for kind, item in _items(event):
        try:
            _one(kind, item, context)
        except Exception:  # the entry point's one broad handler: log, then let SQS redeliver a wake-up
            _parts()[1].exception("resume failed", extra={"kind": kind})
            if kind == "wakeup":
                raise
