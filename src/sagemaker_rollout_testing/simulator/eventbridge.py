"""SageMaker's endpoint events on EventBridge, as the developer guide shows them, and their delivery.

SageMaker developer guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge"
(https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html):

* "SageMaker Endpoint State Change": "a change in the status of a SageMaker hosted real-time
  inference endpoint". The guide's example carries ``EndpointName``, ``EndpointArn``,
  ``EndpointConfigName``, ``ProductionVariants`` (``DesiredWeight``, ``DesiredInstanceCount``),
  ``EndpointStatus`` in upper snake case (``"IN_SERVICE"``, where DescribeEndpoint says
  ``InService``), ``CreationTime`` and ``LastModifiedTime`` in epoch milliseconds, ``Tags`` (an
  object); its envelope ``time`` is epoch milliseconds as a string (``"1583831889050"``).
* "SageMaker Endpoint Deployment State Change": "a state change for an endpoint deployment"; the
  example is an endpoint updating with a blue/green canary deployment: ``EndpointStatus``
  ``"UPDATING"`` and a ``PendingDeploymentSummary`` (``EndpointConfigName``, ``StartTime``,
  ``ProductionVariants`` with ``CurrentWeight``, ``DesiredWeight``, ``CurrentInstanceCount``,
  ``DesiredInstanceCount`` and ``VariantStatus`` entries of ``Status``, ``StatusMessage``,
  ``StartTime``); its envelope ``time`` is ISO 8601 (``"2021-10-25T01:52:12Z"``). The guide warns
  that these examples "may not work for all endpoints" (the deployment guardrails' "Exclusions"
  page): the simulator sends no deployment event for a serverless endpoint.

The guide says events are "delivered to EventBridge in near real time" and that "SageMaker AI may
send multiple events to EventBridge for each state change". Nothing is published about delivery
latency, duplication rate, ordering or loss, so :class:`Delivery` makes each of them a parameter,
and its defaults are labelled assumptions (stated in ``benchmarks/results.md``).
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagemaker_rollout.clock import Clock

__all__ = [
    "DEPLOYMENT_STATE_CHANGE",
    "ENDPOINT_STATE_CHANGE",
    "SOURCE",
    "Delivery",
    "EndpointView",
    "EventBus",
    "deployment_state_change",
    "endpoint_state_change",
    "event_status",
]

SOURCE = "aws.sagemaker"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
DEPLOYMENT_STATE_CHANGE = "SageMaker Endpoint Deployment State Change"


def event_status(status: str) -> str:
    """DescribeEndpoint's ``EndpointStatus`` as the events spell it (``InService`` -> ``IN_SERVICE``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", status).upper()


def _millis(t: float) -> float:
    return float(round(t * 1000))


def _epoch(value: Any) -> float:
    """Seconds since the epoch of a float or a (naive: UTC) datetime, as the simulator keeps them."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


_MESSAGES = {
    "Creating": "Launching {n} instance(s).",
    "Deleting": "Terminating {n} instance(s).",
    "Baking": "Baking with traffic enabled on capacity of {n} instance(s).",
}
"""``StatusMessage`` per ``VariantStatus``, after the guide's example messages."""


@dataclass(frozen=True)
class EndpointView:
    """What an event says about one endpoint (taken from the simulator's state at the event's time)."""

    account: str
    region: str
    name: str
    arn: str
    config: str
    status: str
    created: float
    modified: float
    variants: tuple[Mapping[str, Any], ...]
    tags: Mapping[str, str] = field(default_factory=dict)
    pending: Mapping[str, Any] | None = None
    """DescribeEndpoint's ``PendingDeploymentSummary`` at the event's time (timestamps as floats)."""


def _envelope(view: EndpointView, detail_type: str, time: str, rng: random.Random) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": view.account,
        "time": time,
        "region": view.region,
        "resources": [view.arn],
    }


def _detail(view: EndpointView) -> dict[str, Any]:
    return {
        "EndpointName": view.name,
        "EndpointArn": view.arn,
        "EndpointConfigName": view.config,
        "ProductionVariants": [dict(v) for v in view.variants],
        "EndpointStatus": event_status(view.status),
        "CreationTime": _millis(view.created),
        "LastModifiedTime": _millis(view.modified),
        "Tags": dict(view.tags),
    }


def endpoint_state_change(view: EndpointView, at: float, rng: random.Random) -> dict[str, Any]:
    """The guide's "SageMaker Endpoint State Change" for ``view`` at simulated time ``at``."""
    event = _envelope(view, ENDPOINT_STATE_CHANGE, str(int(_millis(at))), rng)
    event["detail"] = _detail(view)
    return event


def deployment_state_change(view: EndpointView, at: float, rng: random.Random) -> dict[str, Any]:
    """The guide's "SageMaker Endpoint Deployment State Change" (``view.pending`` must be set)."""
    iso = datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = _envelope(view, DEPLOYMENT_STATE_CHANGE, iso, rng)
    detail = _detail(view)
    pending = dict(view.pending or {})
    variants = []
    for variant in pending.get("ProductionVariants", []):
        item = dict(variant)
        count = item.get("DesiredInstanceCount", 1)
        item["VariantStatus"] = [
            {
                "Status": status["Status"],
                "StatusMessage": _MESSAGES.get(str(status["Status"]), "").format(n=count),
                "StartTime": _millis(_epoch(status["StartTime"])),
            }
            for status in item.get("VariantStatus", [])
        ]
        variants.append(item)
    detail["PendingDeploymentSummary"] = {
        "EndpointConfigName": pending.get("EndpointConfigName"),
        "StartTime": _millis(_epoch(pending.get("StartTime") or at)),
        "ProductionVariants": variants,
    }
    event["detail"] = detail
    return event


@dataclass(frozen=True)
class Delivery:
    """How SageMaker's events reach a rule's target (every figure an assumption: none is published).

    For each event SageMaker emits, the rule's target receives it ``1 + k`` times, where each of up
    to ``max_copies - 1`` extra copies comes with probability ``duplicate`` ("may send multiple
    events for each state change"), each copy independently lost with probability ``loss``, and
    each delivered copy after its own delay: ``base_delay + Exp(mean_delay)`` seconds, capped at
    ``max_delay``. Independent delays reorder events emitted close together; ``reorder_window``
    adds a uniform 0-``reorder_window`` s to every delay, so later events can overtake earlier ones.

    Attributes
    ----------
    base_delay, mean_delay, max_delay:
        Delivery delay (s): a floor, the mean of its exponential part, a cap. Defaults 0.3 s, 0.7 s,
        10 s: mean about 1.0 s, p95 about 2.4 s (assumptions: "near real time").
    duplicate:
        Probability of each extra copy (default 0.1).
    max_copies:
        Copies of one event at most (default 2).
    loss:
        Probability that a copy never arrives (default 0).
    reorder_window:
        Extra uniform delay (s) that lets later events overtake earlier ones (default 0).
    """

    base_delay: float = 0.3
    mean_delay: float = 0.7
    max_delay: float = 10.0
    duplicate: float = 0.1
    max_copies: int = 2
    loss: float = 0.0
    reorder_window: float = 0.0

    def __post_init__(self) -> None:
        for name in ("duplicate", "loss"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Delivery.{name}: {value} is not a probability")
        if self.base_delay < 0 or self.mean_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("Delivery: delays must be >= 0 and max_delay >= base_delay")
        if self.max_copies < 1:
            raise ValueError("Delivery.max_copies: at least 1")

    def delays(self, rng: random.Random) -> list[float]:
        """The delays of the copies of one event that arrive (empty: every copy lost)."""
        copies = 1 + sum(1 for _ in range(self.max_copies - 1) if rng.random() < self.duplicate)
        out = []
        for _ in range(copies):
            lost = rng.random() < self.loss
            delay = self.base_delay + (rng.expovariate(1.0 / self.mean_delay) if self.mean_delay > 0 else 0.0)
            delay += rng.uniform(0.0, self.reorder_window) if self.reorder_window > 0 else 0.0
            if not lost:
                out.append(min(delay, self.max_delay))
        return out

    def mean(self) -> float:
        """Mean delivery delay (s) of a copy, ignoring the cap (for the stated distribution)."""
        return self.base_delay + self.mean_delay + self.reorder_window / 2

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of the delay without ``reorder_window`` (exponential part), capped."""
        tail = -self.mean_delay * math.log(1.0 - q) if self.mean_delay > 0 else 0.0
        return min(self.base_delay + tail, self.max_delay)


Sink = Callable[[float, dict[str, Any]], None]
"""Receives ``(delivery time, event)`` for every copy that arrives."""


class EventBus:
    """The account's default event bus as far as SageMaker's endpoint events go.

    Parameters
    ----------
    clock:
        The shared clock (delivery times are ``max(event time, now) + delay``).
    delivery:
        The delivery model (:class:`Delivery`).
    seed:
        Seeds the random draws (delays, copies, losses, event ids): runs repeat exactly.
    """

    def __init__(self, clock: Clock, delivery: Delivery | None = None, seed: int = 0) -> None:
        self.clock = clock
        self.delivery = delivery or Delivery()
        self.rng = random.Random(seed)
        self.published: list[dict[str, Any]] = []
        self.delivered = 0
        self.lost = 0
        self._sinks: list[Sink] = []

    def subscribe(self, sink: Sink) -> Callable[[], None]:
        """Send every delivered copy to ``sink``; returns a function that unsubscribes it."""
        self._sinks.append(sink)

        def remove() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)

        return remove

    def publish(self, event: dict[str, Any], at: float) -> None:
        """SageMaker emits ``event`` at simulated time ``at``: schedule its copies' deliveries."""
        self.published.append(event)
        delays = self.delivery.delays(self.rng)
        if not delays:
            self.lost += 1
        start = max(at, self.clock.now())
        for delay in delays:
            self.delivered += 1
            for sink in list(self._sinks):
                sink(start + delay, event)

    def of(self, detail_type: str | None = None, endpoint: str | None = None) -> Sequence[dict[str, Any]]:
        """Events published so far, optionally of one detail type and endpoint."""
        return [
            e
            for e in self.published
            if (detail_type is None or e["detail-type"] == detail_type)
            and (endpoint is None or e["detail"]["EndpointName"] == endpoint)
        ]
