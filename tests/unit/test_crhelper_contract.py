"""What the provider relies on in crhelper, pinned (issue 11).

The provider reaches crhelper only through :mod:`sagemaker_rollout.aws.cfn_response`. These
tests drive the locked crhelper release with a real HTTPS PUT to a local server (the test kit's
:class:`~sagemaker_rollout_testing.https.ResponseServer`), so an upgrade that changes the body it
sends, the physical id or reason rules, its timer or the one private hook the adapter overrides
fails here rather than in production.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from crhelper import CfnResource

from sagemaker_rollout.aws import cfn_response as crhelper_adapter
from sagemaker_rollout.aws.cfn_response import FAILED, SUCCESS, CfnResponder
from sagemaker_rollout_testing.https import CapturedResponse, ResponseServer

REPO = Path(__file__).resolve().parents[2]
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/consumer/6f1c2a40-0000-11ef-9f1a-0a1b2c3d4e5f"
BODY_KEYS = {
    "Status",
    "PhysicalResourceId",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "Reason",
    "Data",
    "NoEcho",
}


@dataclass
class _Context:
    """The part of Lambda's context crhelper reads."""

    remaining_seconds: float = 900.0
    aws_request_id: str = "invocation-1"
    function_name: str = "provider"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:provider"

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_seconds * 1000)


@pytest.fixture
def server() -> Iterator[ResponseServer]:
    with ResponseServer(time.time) as running:
        yield running


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    # crhelper builds boto3 clients (lambda, events, logs) in its constructor (no call is made).
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)


def _event(
    server: ResponseServer, request_type: str = "Create", physical_id: str | None = None
) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": server.url_for("consumer", request_id) + "?X-Amz-Signature=abc",
        "StackId": STACK,
        "RequestId": request_id,
        "LogicalResourceId": "Endpoint",
        "ResourceType": "Custom::SageMakerEndpoint",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider"},
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def _bodies(server: ResponseServer, event: dict[str, Any], wait: float = 0.0) -> list[CapturedResponse]:
    time.sleep(wait)
    return server.bodies(event["ResponseURL"])


def _responder(server: ResponseServer) -> CfnResponder:
    return CfnResponder(log_level="WARNING", ssl_verify=server.ca_path)


# -- the lock and the single entry point -------------------------------------------------------------


def test_crhelper_installed_is_the_locked_release() -> None:
    """GIVEN the layer's lock WHEN crhelper's installed version is read THEN it is the pinned one."""
    pins = re.findall(r"^crhelper==(\S+)", (REPO / "layers" / "requirements.txt").read_text(), re.M)
    assert pins == [importlib.metadata.version("crhelper")]


def test_only_the_adapter_imports_crhelper() -> None:
    """GIVEN the runtime, the tools and the test kit WHEN every import is read THEN only the adapter
    names crhelper."""
    importers = set()
    for root in (REPO / "layers" / "sagemaker_rollout", REPO / "src"):
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(n.split(".")[0] == "crhelper" for n in names):
                    importers.add(str(path.relative_to(REPO)))
    assert importers == {"layers/sagemaker_rollout/aws/cfn_response.py"}


def test_the_private_hooks_exist_and_run_once_per_request(server: ResponseServer) -> None:
    """GIVEN crhelper's private names the adapter overrides WHEN a request is answered THEN each is a
    method of CfnResource, called exactly once, after the event is read."""
    assert crhelper_adapter.PRIVATE_HOOKS == ("_set_timeout",)
    for name in crhelper_adapter.PRIVATE_HOOKS:
        assert callable(getattr(CfnResource, name))
    calls: list[str] = []

    class Counting(CfnResource):
        def _set_timeout(self) -> None:
            calls.append(self.RequestId)

    resource = Counting(log_level="WARNING", sleep_on_delete=0, ssl_verify=server.ca_path)  # type: ignore[arg-type]
    resource.create(lambda event, context: "id-1")
    event = _event(server)
    resource(event, _Context())
    assert calls == [event["RequestId"]]
    assert [b.body["Status"] for b in _bodies(server, event)] == [SUCCESS]


# -- the timer the hook switches off ------------------------------------------------------------------


def test_crhelpers_own_timer_answers_failed_execution_timed_out(server: ResponseServer) -> None:
    """GIVEN a plain CfnResource and 0.6 s left in the invocation WHEN the handler takes 2 s THEN
    crhelper's threading.Timer PUTs FAILED "Execution timed out" first (why the adapter turns it off)."""
    resource = CfnResource(log_level="WARNING", sleep_on_delete=0, ssl_verify=server.ca_path)  # type: ignore[arg-type]
    resource.create(lambda event, context: time.sleep(2.0) or "id-1")
    event = _event(server)
    resource(event, _Context(remaining_seconds=0.6))
    deadline = time.monotonic() + 10  # the timer's PUT runs in its own thread
    while len(_bodies(server, event)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    bodies = [(b.body["Status"], b.body["Reason"]) for b in _bodies(server, event)]
    assert bodies == [(FAILED, "Execution timed out"), (SUCCESS, "")]


def test_the_adapter_sends_one_answer_even_with_no_time_left(server: ResponseServer) -> None:
    """GIVEN 0.1 s left in the invocation (crhelper's timer would fire at once) WHEN the adapter
    answers THEN only its answer is PUT and no timer thread is left behind."""
    before = {t.ident for t in threading.enumerate()}
    event = _event(server)
    _responder(server).answer(event, _Context(remaining_seconds=0.1), status=SUCCESS, physical_id="id-1")
    assert [b.body["Status"] for b in _bodies(server, event, wait=0.3)] == [SUCCESS]
    assert not [t for t in threading.enumerate() if t.ident not in before and isinstance(t, threading.Timer)]


# -- the body crhelper PUTs ----------------------------------------------------------------------------


def test_success_body_shape(server: ResponseServer) -> None:
    """GIVEN a SUCCESS with data and a reason WHEN sent THEN one PUT carries exactly CloudFormation's
    response fields (user guide, "Custom resource response objects"), JSON, content-type empty."""
    event = _event(server)
    _responder(server).answer(
        event,
        _Context(),
        status=SUCCESS,
        physical_id="ep-1",
        reason="released",
        data={"EndpointName": "ep-1"},
    )
    (put,) = _bodies(server, event)
    assert set(put.body) == BODY_KEYS
    assert put.body == {
        "Status": SUCCESS,
        "PhysicalResourceId": "ep-1",
        "StackId": STACK,
        "RequestId": event["RequestId"],
        "LogicalResourceId": "Endpoint",
        "Reason": "released",
        "Data": {"EndpointName": "ep-1"},
        "NoEcho": False,
    }
    assert put.path == f"/consumer/{event['RequestId']}"
    assert put.headers.get("content-type") == "" and int(put.headers["content-length"]) == put.size


def test_data_does_not_leak_into_the_next_request(server: ResponseServer) -> None:
    """GIVEN one responder WHEN two requests are answered THEN the second's Data is only its own."""
    responder = _responder(server)
    first, second = _event(server), _event(server)
    responder.answer(first, _Context(), status=SUCCESS, physical_id="a", data={"One": "1"})
    responder.answer(second, _Context(), status=SUCCESS, physical_id="b", data={"Two": "2"})
    assert _bodies(server, second)[0].body["Data"] == {"Two": "2"}


@pytest.mark.parametrize(
    ("request_type", "event_id", "answer_id", "expected"),
    [
        ("Update", "ep-old", "ep-new", "ep-new"),  # an id set before raising is kept
        ("Update", "ep-old", "", "ep-old"),  # none set: the event's
        ("Create", None, "", r"consumer_Endpoint_[A-Z0-9]{8}"),  # a Create without one: generated
    ],
)
def test_failed_physical_id_rules(
    server: ResponseServer, request_type: str, event_id: str | None, answer_id: str, expected: str
) -> None:
    """GIVEN a FAILED answer WHEN sent THEN the physical id follows crhelper's rules, Data is empty."""
    event = _event(server, request_type, event_id)
    _responder(server).answer(
        event, _Context(), status=FAILED, physical_id=answer_id, reason="it broke", data={"Ignored": "x"}
    )
    (put,) = _bodies(server, event)
    assert put.body["Status"] == FAILED and put.body["Reason"] == "it broke" and put.body["Data"] == {}
    assert re.fullmatch(expected, put.body["PhysicalResourceId"])


def test_success_without_an_id_keeps_the_events(server: ResponseServer) -> None:
    """GIVEN a SUCCESS without a physical id on an Update WHEN sent THEN the event's id is answered."""
    event = _event(server, "Update", "ep-old")
    _responder(server).answer(event, _Context(), status=SUCCESS)
    assert _bodies(server, event)[0].body["PhysicalResourceId"] == "ep-old"


def test_fail_sends_the_errors_text(server: ResponseServer) -> None:
    """GIVEN an unexpected error WHEN the adapter fails the request THEN the reason is ``str(error)``."""
    event = _event(server, "Delete", "ep-1")
    _responder(server).fail(event, _Context(), KeyError("ProductionVariants"))
    (put,) = _bodies(server, event)
    assert (put.body["Status"], put.body["Reason"], put.body["PhysicalResourceId"]) == (
        FAILED,
        "'ProductionVariants'",
        "ep-1",
    )


def test_a_long_reason_keeps_its_tail(server: ResponseServer) -> None:
    """GIVEN a reason over 256 characters WHEN sent THEN crhelper keeps ``ERROR: (truncated) `` and
    the last 240 (the provider shortens its own reasons to 255 first: ``aws.calls.short``)."""
    event = _event(server)
    reason = "head " + "x" * 300 + " tail"
    _responder(server).answer(event, _Context(), status=FAILED, reason=reason)
    assert _bodies(server, event)[0].body["Reason"] == "ERROR: (truncated) " + reason[-240:]


def test_an_unknown_status_is_refused(server: ResponseServer) -> None:
    """GIVEN a status CloudFormation does not know WHEN answered THEN ValueError names it, no PUT."""
    event = _event(server)
    with pytest.raises(ValueError, match="status: 'OK' is not SUCCESS or FAILED"):
        _responder(server).answer(event, _Context(), status="OK")
    assert _bodies(server, event) == []


# -- what crhelper must not do -------------------------------------------------------------------------


def test_no_eventbridge_rule_without_poll_functions(server: ResponseServer) -> None:
    """GIVEN no poll_* function registered WHEN a request is answered THEN crhelper creates no
    EventBridge rule (its polling mode is what would; the provider hands off itself)."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        event = _event(server)
        _responder(server).answer(event, _Context(), status=SUCCESS, physical_id="id-1")
        assert boto3.client("events", region_name="us-east-1").list_rules()["Rules"] == []
    assert len(_bodies(server, event)) == 1


def test_delete_does_not_sleep_with_sleep_on_delete_0(server: ResponseServer) -> None:
    """GIVEN ``sleep_on_delete=0`` WHEN a Delete is answered with 900 s left THEN it is sent at once
    (crhelper sleeps only ``sleep_on_delete`` seconds, and only when more than 1)."""
    event = _event(server, "Delete", "ep-1")
    started = time.monotonic()
    _responder(server).answer(event, _Context(), status=SUCCESS, physical_id="ep-1")
    assert time.monotonic() - started < 5
    assert len(_bodies(server, event)) == 1


def test_a_failed_init_answers_failed(
    server: ResponseServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """GIVEN no AWS region (crhelper's constructor cannot build its boto3 clients) WHEN a request is
    answered THEN crhelper PUTs FAILED with the error rather than nothing."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    event = _event(server)
    _responder(server).answer(event, _Context(), status=SUCCESS, physical_id="id-1")
    (put,) = _bodies(server, event)
    assert put.body["Status"] == FAILED and "region" in put.body["Reason"].lower()
