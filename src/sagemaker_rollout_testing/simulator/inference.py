"""InvokeEndpoint on simulated endpoints: which fleet answers, and how each model behaves (tests only).

The simulator's SageMaker Runtime. A call is answered by one fleet of the endpoint at the simulated
time: the current config when nothing rolls out; during an update, the new config with the new
fleet's share of the traffic in the phase under way (:class:`~.plan.Phase` ``new_traffic``), and
the old one otherwise, and always the old one once a rollback has begun. How SageMaker routes one
request of a mixed fleet is not published: the simulator draws each call independently with that
share (a seeded random generator), the assumption the provider's smoke tests make too
(:mod:`sagemaker_rollout.spec.smoke`).

A model answers as set by :meth:`ModelBehaviours.set` (default: 200, ``{"ok": true}``,
``application/json``, 20 ms). Its latency advances the simulated clock. A non-200 status is
SageMaker's ``ModelError`` (HTTP 424, ``OriginalStatusCode``, ``OriginalMessage``: SageMaker API
reference, InvokeEndpoint, Errors). A model taking 60 s or more is cut off at 60 s with
``ModelError`` and status 0: "A customer's model containers must respond to requests within 60
seconds" (API reference, InvokeEndpoint); the text is the one users report SageMaker sends
(sagemaker-python-sdk issue 1119), the status 0 with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

__all__ = ["MODEL_TIMEOUT_SECONDS", "TIMEOUT_TEXT", "Answer", "ModelBehaviours"]

MODEL_TIMEOUT_SECONDS = 60.0
TIMEOUT_TEXT = (
    "Your invocation timed out while waiting for a response from container primary. Review the latency "
    "metrics for each container in Amazon CloudWatch, resolve the issue, and try again."
)


@dataclass(frozen=True)
class Answer:
    """How a model answers: status, body, content type and latency (s)."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    content_type: str = "application/json"
    latency: float = 0.02


class ModelBehaviours:
    """Per model name, how it answers InvokeEndpoint; and the draw of mixed fleets."""

    def __init__(self, seed: int = 0) -> None:
        self._answers: dict[str, Answer] = {}
        self.random = random.Random(seed)
        self.calls: list[tuple[float, str, str, int]] = []
        """(time, endpoint, model, status) of every call."""

    def set(self, model: str, **changes: Any) -> None:
        """How ``model`` answers from now on (fields of :class:`Answer`)."""
        current = self._answers.get(model, Answer())
        self._answers[model] = Answer(**{**current.__dict__, **changes})

    def answer(self, model: str) -> Answer:
        return self._answers.get(model, Answer())

    def new_fleet_answers(self, share: float) -> bool:
        """Whether one call lands on the new fleet, which takes ``share`` of the traffic."""
        return share >= 1.0 or (share > 0.0 and self.random.random() < share)
