"""A toy crhelper custom resource provider for the driver's own tests.

Behaviour is chosen by the ``Mode`` property:

``ok``        answer SUCCESS with the property digest in ``Data``.
``fail``      raise inside the crhelper handler (FAILED).
``wait``      wait ``WaitSeconds`` on the clock, handing off to a fresh invocation (``lambda:Invoke``
              with ``InvocationType="Event"``) when less than ``MarginSeconds`` are left.
``sleep``     sleep ``SleepSeconds`` in one go on attempts up to ``SlowAttempts`` (default: all).
``crash``     raise outside crhelper (escapes the handler) on attempts up to ``CrashAttempts``.
``loop``      hand off again and again, never answering.
``bad-invoke`` call ``lambda:Invoke`` with an invalid ``Payload`` and answer FAILED with the error.
``big``       answer SUCCESS with more than 4096 bytes of ``Data``.
``twice``     answer SUCCESS and also hand off once more (so a second answer follows).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from typing import Any

from crhelper import CfnResource

from sagemaker_rollout.aws.runtime import ProviderRuntime

__all__ = ["ATTEMPTS", "RECEIVED", "configure", "handler"]

_state: dict[str, Any] = {"runtime": None, "helper": None}
ATTEMPTS: Counter[str] = Counter()
RECEIVED: list[dict[str, Any]] = []


def digest(properties: dict[str, Any]) -> str:
    """Stable hash of ``properties`` (what the handler saw)."""
    return hashlib.sha256(json.dumps(properties, sort_keys=True).encode()).hexdigest()


def configure(runtime: ProviderRuntime) -> None:
    """Install the runtime and build the crhelper resource (ssl_verify from the runtime)."""
    helper = CfnResource(
        log_level="ERROR",
        boto_level="ERROR",
        sleep_on_delete=0,
        ssl_verify=runtime.ssl_verify,  # type: ignore[arg-type]
    )
    helper.create(_answer)
    helper.update(_answer)
    helper.delete(_answer)
    _state.update(runtime=runtime, helper=helper)
    ATTEMPTS.clear()
    RECEIVED.clear()


def _runtime() -> ProviderRuntime:
    runtime = _state["runtime"]
    assert isinstance(runtime, ProviderRuntime), "configure() was not called"
    return runtime


def _answer(event: dict[str, Any], context: Any) -> str:
    props = event["ResourceProperties"]
    mode = props.get("Mode", "ok")
    if mode == "fail":
        raise ValueError("Mode: fail was asked for")
    if "ToyError" in event:
        raise ValueError(event["ToyError"])
    if mode == "sleep" and ATTEMPTS[event["RequestId"]] <= int(props.get("SlowAttempts", 99)):
        _runtime().clock.sleep(float(props["SleepSeconds"]))  # inside crhelper: its timer runs
    helper: CfnResource = _state["helper"]
    helper.Data.update(
        {
            "Digest": digest(props),
            "Size": len(json.dumps(props)),
            "Greeting": os.environ.get("TOY_GREETING", ""),
            "Memory": str(context.memory_limit_in_mb),
            "Waited": str(event.get("ToyState", {}).get("Waited", 0)),
        }
    )
    if mode == "big":
        helper.Data["Padding"] = "x" * 5000
    if event["RequestType"] == "Create":
        return f"toy-{event['LogicalResourceId']}"
    return str(event["PhysicalResourceId"])


def _hand_off(event: dict[str, Any], context: Any, **state: Any) -> None:
    next_event = dict(event, ToyState={**event.get("ToyState", {}), **state})
    _runtime().client("lambda").invoke(
        FunctionName=context.invoked_function_arn,
        InvocationType="Event",
        Payload=json.dumps(next_event).encode(),
    )


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point."""
    RECEIVED.append(event)
    runtime = _runtime()
    props = event["ResourceProperties"]
    mode = props.get("Mode", "ok")
    ATTEMPTS[event["RequestId"]] += 1
    attempt = ATTEMPTS[event["RequestId"]]
    if mode == "crash" and attempt <= int(props.get("CrashAttempts", 99)):
        raise RuntimeError(f"crash on attempt {attempt}")
    if mode == "loop":
        _hand_off(event, context, Loops=event.get("ToyState", {}).get("Loops", 0) + 1)
        return
    if mode == "bad-invoke":
        try:
            runtime.client("lambda").invoke(
                FunctionName=context.invoked_function_arn, InvocationType="Event", Payload=12345
            )
        except Exception as exc:
            event = dict(event, ToyError=f"{type(exc).__name__}: {exc}")
    if mode == "wait":
        waited = float(event.get("ToyState", {}).get("Waited", 0))
        need, poll = float(props["WaitSeconds"]), float(props.get("PollSeconds", 10))
        margin = float(props.get("MarginSeconds", 60))
        while waited < need:
            if context.get_remaining_time_in_millis() / 1000 < margin:
                _hand_off(event, context, Waited=waited)
                return
            runtime.clock.sleep(poll)
            waited += poll
        event = dict(event, ToyState={"Waited": waited})
    if mode == "twice" and "ToyState" not in event:
        _hand_off(event, context, Again=True)
    _state["helper"](event, context)
