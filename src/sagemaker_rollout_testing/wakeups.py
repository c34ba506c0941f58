"""What reaches the provider function later: its delayed SQS wake-ups and SageMaker's events.

The CloudFormation driver (:mod:`.driver`) runs a request's invocations one after the other. A
request that suspends (issue 23) ends its invocation with nothing queued: what resumes it arrives
later, and :class:`ScheduledDeliveries` holds it until then, in time order:

* the provider's ``sqs:SendMessage`` to its wake-up queue (``SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL``),
  intercepted on the session like its ``lambda:Invoke``: delivered ``DelaySeconds`` later (0-900 s,
  SQS API reference, SendMessage) as the SQS event source delivers a message to a function
  (Lambda developer guide, "Using Lambda with Amazon SQS": ``Records`` with ``eventSource``
  ``aws:sqs`` and the message ``body``);
* SageMaker's EventBridge events from the simulator's bus (``SageMakerSimulator.emit_events``),
  delivered when the bus's delivery model says, as EventBridge invokes a rule's Lambda target.

It also answers the invariant of the stateful test: a request that is suspended has its live wake-up
link (the deadline watchdog the journal names) on its way.
"""

from __future__ import annotations

import heapq
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["QUEUE_URL", "Delivery", "ScheduledDeliveries"]

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/RolloutWakeUpQueue"
"""The wake-up queue the driver plays (the provider's ``SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL``), named after its
logical id as the IAM evaluator names the queues of ``template.yaml``."""
_PARAMS = "sagemaker_rollout_wakeups_params"


@dataclass(order=True)
class Delivery:
    """One thing due at ``at``: ``kind`` ``sqs`` (a wake-up) or ``event`` (SageMaker's)."""

    at: float
    order: int
    kind: str = field(compare=False)
    payload: dict[str, Any] = field(compare=False)
    body: dict[str, Any] = field(compare=False, default_factory=dict)


class ScheduledDeliveries:
    """The wake-ups and events on their way to the function, earliest first.

    Parameters
    ----------
    now:
        The shared clock's ``now``.
    queue_url:
        The wake-up queue whose messages are intercepted.
    """

    def __init__(self, now: Callable[[], float], queue_url: str = QUEUE_URL) -> None:
        self.now = now
        self.queue_url = queue_url
        self._heap: list[Delivery] = []
        self.history: list[Delivery] = []
        self._order = itertools.count()
        self.sent = 0
        self.events = 0
        self._refusals: list[tuple[str, int]] = []

    def refuse(self, code: str = "AccessDenied", times: int = 1, status: int = 403) -> None:
        """Answer the next ``times`` sends to the wake-up queue with the SQS error ``code``."""
        self._refusals.extend([(code, status)] * times)

    def accept(self) -> None:
        """Stop refusing sends (:meth:`refuse`)."""
        self._refusals.clear()

    # ---- scheduling ----------------------------------------------------------------------------------
    def message(self, body: dict[str, Any], delay: float) -> None:
        """A message sent to the wake-up queue, delivered after ``delay`` seconds."""
        record = {
            "messageId": str(uuid.uuid4()),
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:RolloutWakeUpQueue",
            "body": json.dumps(body),
        }
        self.sent += 1
        item = Delivery(self.now() + delay, next(self._order), "sqs", {"Records": [record]}, body)
        self.history.append(item)
        heapq.heappush(self._heap, item)

    def event(self, at: float, event: dict[str, Any]) -> None:
        """A SageMaker event delivered at ``at`` (subscribe this to the simulator's bus)."""
        self.events += 1
        copy = json.loads(json.dumps(event))
        heapq.heappush(self._heap, Delivery(at, next(self._order), "event", copy, copy))

    def pop(self, clock: Any = None) -> Delivery | None:
        """The earliest delivery, removed; None when nothing is on its way.

        With ``clock`` (a simulated one), time is first moved through every ``call_later`` timer due
        before that delivery: the simulator's own timers send SageMaker's events when transitions
        happen, and an event may fall due before what was earliest until then.
        """
        next_timer = getattr(clock, "next_timer", None)
        while self._heap and next_timer is not None:
            due = next_timer()
            if due is None or due > self._heap[0].at:
                break
            clock.advance(max(due - clock.now(), 0.0))
        return heapq.heappop(self._heap) if self._heap else None

    def pending(self) -> list[Delivery]:
        """Everything on its way, earliest first."""
        return sorted(self._heap)

    def wakeups_for(self, key: str) -> list[dict[str, Any]]:
        """The wake-up links on their way for the request journaled under ``key``."""
        links = []
        for item in self._heap:
            raw = item.body.get("SageMakerRolloutWakeUp")
            if item.kind == "sqs" and isinstance(raw, dict) and raw.get("key") == key:
                links.append(raw)
        return links

    # ---- the provider's sqs:SendMessage, intercepted ---------------------------------------------------
    def install(self, session: Any, unique: str) -> Callable[[], None]:
        """Intercept ``SendMessage`` to the wake-up queue on every client of ``session``."""
        events = session.events
        events.register("before-parameter-build.sqs.SendMessage", self._capture, unique_id=f"{unique}-p")
        events.register("before-call.sqs.SendMessage", self._send, unique_id=f"{unique}-c")

        def remove() -> None:
            events.unregister("before-parameter-build.sqs.SendMessage", unique_id=f"{unique}-p")
            events.unregister("before-call.sqs.SendMessage", unique_id=f"{unique}-c")

        return remove

    def _capture(self, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        context[_PARAMS] = dict(params)

    def _send(self, context: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        params = context.get(_PARAMS) or {}
        if params.get("QueueUrl") != self.queue_url:
            return None
        if self._refusals:
            code, status = self._refusals.pop(0)
            return _response(status), {"Error": {"Code": code, "Message": "injected refusal"}}
        delay = int(params.get("DelaySeconds") or 0)
        if not 0 <= delay <= 900:  # SQS refuses it (SendMessage API reference: 0 to 900)
            return _response(400), {
                "Error": {"Code": "InvalidParameterValue", "Message": f"DelaySeconds {delay} is not 0-900"}
            }
        self.message(json.loads(str(params["MessageBody"])), float(delay))
        return _response(200), {"MessageId": str(uuid.uuid4()), "MD5OfMessageBody": ""}


def _response(status: int) -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    class _Raw:
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            return iter(())

    return AWSResponse("https://sqs.local/", status, HTTPHeaders(), _Raw())
