"""Fault injection on a boto3 session: errors, outages and kills at any AWS call.

Works on botocore's event hooks, so it applies to every service the provider calls (SageMaker,
Application Auto Scaling, CloudWatch, DynamoDB, Lambda) whatever answers behind (moto, the
simulator). Three kinds of fault:

* **error before the call**: the request never reaches AWS (throttling, AccessDenied, a 503);
* **error after the call**: AWS did it, but the caller sees an error (a lost response);
* **kill after the call**: AWS did it, then the Lambda invocation dies (the process is gone:
  :class:`~sagemaker_rollout_testing.context.InvocationTimeoutError`, a ``BaseException``).

Outages last a span of simulated time, as a burst of 503s does.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from sagemaker_rollout.clock import Clock
from sagemaker_rollout_testing.context import InvocationTimeoutError

__all__ = ["FaultInjector"]


@dataclass
class _Rule:
    service: str
    operation: str
    when: str  # "before" | "after" | "kill" | "then"
    code: str = ""
    message: str = ""
    status: int = 400
    times: int = 1
    until: float | None = None
    skip: int = 0
    action: Callable[[], None] | None = None
    where: Callable[[dict[str, Any]], bool] | None = None

    def matches(self, service: str, operation: str, body: dict[str, Any] | None = None) -> bool:
        if self.where is not None and not self.where(body or {}):
            return False
        return self.service in (service, "*") and self.operation in (operation, "*")


@dataclass
class FaultInjector:
    """Inject faults into every client built from ``session`` (``with`` to install and remove).

    Attributes
    ----------
    injected:
        How many faults of each kind were injected (for soak figures).
    calls:
        Every ``(service, operation)`` made while installed, in order.
    """

    session: Any
    clock: Clock
    injected: Counter[str] = field(default_factory=Counter)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _rules: list[_Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _id: str = field(default_factory=lambda: f"faults-{id(object())}")

    # ---- configuring ---------------------------------------------------------------------------
    def error(
        self,
        service: str,
        operation: str,
        code: str,
        message: str = "injected",
        *,
        times: int = 1,
        status: int = 400,
        after: bool = False,
        skip: int = 0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with ``code`` (``after``: once it took effect).

        ``where`` narrows the calls by their parameters (JSON protocols), e.g.
        ``where=lambda p: p.get("EndpointName") == "other"``.
        """
        kind = "after" if after else "before"
        rule = _Rule(service, operation, kind, code, message, status, times, skip=skip, where=where)
        with self._lock:
            self._rules.append(rule)

    def outage(
        self,
        service: str,
        operation: str,
        seconds: float,
        *,
        code: str = "ServiceUnavailable",
        status: int = 503,
    ) -> None:
        """Every matching call fails with ``code`` for the next ``seconds`` of simulated time."""
        with self._lock:
            self._rules.append(
                _Rule(
                    service,
                    operation,
                    "before",
                    code,
                    "Service Unavailable",
                    status,
                    times=10**9,
                    until=self.clock.now() + seconds,
                )
            )

    def kill_after(self, service: str, operation: str, *, skip: int = 0) -> None:
        """Kill the invocation right after the next matching call took effect (after ``skip`` of them)."""
        with self._lock:
            self._rules.append(_Rule(service, operation, "kill", skip=skip))

    def then(self, service: str, operation: str, action: Callable[[], None], *, skip: int = 0) -> None:
        """Run ``action`` once, right after the next matching call took effect (e.g. start an outage)."""
        with self._lock:
            self._rules.append(_Rule(service, operation, "then", skip=skip, action=action))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    # ---- installing ----------------------------------------------------------------------------
    def __enter__(self) -> FaultInjector:
        events = self.session.events
        events.register("before-call", self._before, unique_id=f"{self._id}-before")
        events.register("after-call", self._after, unique_id=f"{self._id}-after")
        return self

    def __exit__(self, *exc: object) -> None:
        events = self.session.events
        events.unregister("before-call", unique_id=f"{self._id}-before")
        events.unregister("after-call", unique_id=f"{self._id}-after")

    # ---- hooks ---------------------------------------------------------------------------------
    def _take(
        self, when: tuple[str, ...], service: str, operation: str, body: dict[str, Any] | None = None
    ) -> _Rule | None:
        now = self.clock.now()
        with self._lock:
            for rule in list(self._rules):
                if rule.until is not None and now >= rule.until:
                    self._rules.remove(rule)
                    continue
                if rule.when not in when or not rule.matches(service, operation, body):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def _before(self, event_name: str, model: Any, params: Any = None, **kwargs: Any) -> None:
        service = str(model.service_model.service_name)
        operation = str(model.name)
        self.calls.append((service, operation))
        rule = self._take(("before",), service, operation, _body(params))
        if rule is not None:
            self.injected[f"error:{rule.code}"] += 1
            raise _client_error(rule, operation)

    def _after(
        self, event_name: str, model: Any, http_response: Any = None, parsed: Any = None, **kwargs: Any
    ) -> None:
        service = str(model.service_model.service_name)
        operation = str(model.name)
        if http_response is not None and getattr(http_response, "status_code", 200) >= 300:
            return  # the call failed anyway: nothing took effect to fault after
        trigger = self._take(("then",), service, operation)
        if trigger is not None and trigger.action is not None:
            trigger.action()
        rule = self._take(("after", "kill"), service, operation)
        if rule is None:
            return
        if rule.when == "kill":
            self.injected["kill"] += 1
            raise InvocationTimeoutError(f"killed-after-{operation}", self.clock.now())
        self.injected[f"lost-response:{rule.code}"] += 1
        raise _client_error(rule, operation)


def _body(params: Any) -> dict[str, Any]:
    """The request's parameters, for JSON protocols (SageMaker, Application Auto Scaling, DynamoDB)."""
    raw = params.get("body") if isinstance(params, dict) else None
    if isinstance(raw, bytes | str) and raw:
        try:
            decoded = json.loads(raw)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return {}


def _client_error(rule: _Rule, operation: str) -> ClientError:
    response: Any = {
        "Error": {"Code": rule.code, "Message": rule.message},
        "ResponseMetadata": {"HTTPStatusCode": rule.status},
    }
    return ClientError(response, operation)
