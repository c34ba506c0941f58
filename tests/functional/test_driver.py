"""The CloudFormation test driver, exercised with a toy crhelper provider against moto."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TOY_DIR = Path(__file__).resolve().parent / "toy_handlers"
if str(TOY_DIR) not in sys.path:
    sys.path.insert(0, str(TOY_DIR))

import toy_provider  # noqa: E402

from sagemaker_rollout.clock import SimulatedClock  # noqa: E402
from sagemaker_rollout_testing import (  # noqa: E402
    CloudFormationDriver,
    DriverError,
    FakeLambdaContext,
    InvocationTimeoutError,
    TemplateError,
    TimelineEntry,
    stringify,
)

MakeDriver = Callable[..., CloudFormationDriver]


@pytest.fixture
def make_driver(clock: SimulatedClock, session: Any) -> MakeDriver:
    def make(**options: Any) -> CloudFormationDriver:
        options.setdefault("dead_letter_receives", 0)
        return CloudFormationDriver(
            toy_provider.handler, clock=clock, session=session, configure=toy_provider.configure, **options
        )

    return make


@pytest.fixture
def driver(make_driver: MakeDriver) -> Iterator[CloudFormationDriver]:
    with make_driver() as running:
        yield running


# -- FakeLambdaContext -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "slept", "remaining_ms"),
    [(900, 0, 900_000), (900, 100, 800_000), (60, 59.5, 500), (900, 1000, 0)],
)
def test_context_remaining_time_follows_clock_shrinks(
    clock: SimulatedClock, timeout: float, slept: float, remaining_ms: int
) -> None:
    # GIVEN a context created now
    context = FakeLambdaContext(clock, timeout_seconds=timeout)
    # WHEN simulated time passes (the context is not armed: nothing is killed)
    clock.sleep(slept)
    # THEN the remaining time shrinks with it and stops at zero
    assert context.get_remaining_time_in_millis() == remaining_ms


def test_context_each_invocation_fresh_request_id_and_lambda_attributes(clock: SimulatedClock) -> None:
    # GIVEN two contexts for the same function
    first = FakeLambdaContext(clock, function_name="fn", region="eu-west-1", account_id="111122223333")
    second = FakeLambdaContext(clock, function_name="fn")
    # THEN each has its own request id and Lambda-shaped attributes
    assert first.aws_request_id != second.aws_request_id
    assert first.invoked_function_arn == "arn:aws:lambda:eu-west-1:111122223333:function:fn"
    assert first.log_group_name == "/aws/lambda/fn"
    assert first.memory_limit_in_mb == 256
    assert first.function_version == "$LATEST"


@pytest.mark.parametrize("timeout", [0, 901, -5])
def test_context_timeout_outside_lambda_range_raises(clock: SimulatedClock, timeout: float) -> None:
    # WHEN a context is asked for a timeout Lambda does not allow THEN it is refused
    with pytest.raises(ValueError, match="timeout_seconds"):
        FakeLambdaContext(clock, timeout_seconds=timeout)


def test_context_armed_past_deadline_raises_base_exception_until_disarmed(clock: SimulatedClock) -> None:
    # GIVEN an armed 15-minute context
    context = FakeLambdaContext(clock)
    context.arm()
    clock.sleep(899)
    # WHEN the clock passes the deadline
    with pytest.raises(InvocationTimeoutError) as raised:
        clock.sleep(2)
    # THEN the kill is not an Exception (crhelper cannot turn it into FAILED) and is recorded
    assert not isinstance(raised.value, Exception)
    assert context.killed
    # AND once disarmed the listener is gone: the clock moves freely
    context.disarm()
    clock.sleep(5000)
    assert clock._listeners == []


# -- answers over HTTPS ------------------------------------------------------------------------


def test_driver_create_answer_captured_over_https(driver: CloudFormationDriver) -> None:
    # GIVEN a running driver WHEN a Create is sent
    response = driver.create({"Mode": "ok"}, logical_id="Thing")
    # THEN crhelper's HTTPS PUT is captured and decoded
    assert response.ok
    assert response.status == "SUCCESS"
    assert response.physical_resource_id == "toy-Thing"
    assert response.raw["RequestId"] == response.request_id
    assert response.raw["StackId"] == driver.stack_id
    assert response.cloudformation_error is None
    bodies = driver.responses_for(response.request_id)
    assert len(bodies) == 1
    assert bodies[0].size == response.body_size == len(bodies[0].text.encode())
    assert response.invocations == 1 and response.retries == 0
    assert driver.runtime is not None and driver.runtime.ssl_verify == driver.ssl_verify
    assert Path(driver.ssl_verify).is_file()


def test_driver_exit_stops_server_removes_certificate_and_threads(make_driver: MakeDriver) -> None:
    # GIVEN the threads before the driver runs
    before = set(threading.enumerate())
    # WHEN a driver is entered, answers a request, and exits
    with make_driver() as driver:
        driver.create({"Mode": "ok"})
        ca_path = Path(driver.ssl_verify)
    # THEN no thread of its own is left and the certificate is gone
    leftover = [t for t in set(threading.enumerate()) - before if t.name.startswith("cfn-response")]
    assert leftover == []
    assert not ca_path.exists()
    with pytest.raises(DriverError, match="not running"):
        driver.event("Create", {})


def test_driver_failed_handler_answers_failed_with_reason(driver: CloudFormationDriver) -> None:
    # WHEN the handler raises inside crhelper THEN CloudFormation gets FAILED with the reason
    response = driver.create({"Mode": "fail"})
    assert response.status == "FAILED"
    assert response.reason == "Mode: fail was asked for"
    assert not response.ok


def test_driver_answer_over_4096_bytes_flagged(driver: CloudFormationDriver) -> None:
    # WHEN the answer is larger than CloudFormation accepts THEN the response says why it is refused
    response = driver.create({"Mode": "big"})
    assert response.body_size > 4096
    assert response.cloudformation_error is not None and "too long" in response.cloudformation_error
    assert not response.ok


# -- event shape -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_strings", "expected"),
    [
        (
            True,
            {"Count": "3", "Ratio": "0.5", "On": "true", "Off": "false", "Nested": [{"N": "1"}], "S": "x"},
        ),
        (False, {"Count": 3, "Ratio": 0.5, "On": True, "Off": False, "Nested": [{"N": 1}], "S": "x"}),
    ],
)
def test_driver_event_numbers_and_bools_stringified_unless_disabled(
    driver: CloudFormationDriver, as_strings: bool, expected: dict[str, Any]
) -> None:
    # GIVEN properties with numbers and booleans
    properties = {"Count": 3, "Ratio": 0.5, "On": True, "Off": False, "Nested": [{"N": 1}], "S": "x"}
    # WHEN they are sent in a Create
    driver.create(properties, as_strings=as_strings)
    # THEN the handler receives them the way CloudFormation delivers them (or as given)
    received = toy_provider.RECEIVED[0]["ResourceProperties"]
    assert received == {"ServiceToken": driver.function_arn, **expected}


def test_stringify_leaves_strings_and_none_alone() -> None:
    assert stringify({"a": None, "b": "1", "c": (1, False)}) == {"a": None, "b": "1", "c": ["1", "false"]}


def test_driver_events_real_shaped_for_each_request_type(driver: CloudFormationDriver) -> None:
    # WHEN Create, Update and Delete events are built
    create = driver.event("Create", {"A": 1}, logical_id="Res", service_timeout=600)
    update = driver.event("Update", {"A": 2}, physical_resource_id="pid", old_properties={"A": 1})
    delete = driver.event("Delete", {"A": 2}, physical_resource_id="pid")
    # THEN they carry what CloudFormation sends
    assert create["ResourceProperties"] == {
        "ServiceToken": driver.function_arn,
        "A": "1",
        "ServiceTimeout": "600",
    }
    assert create["ResponseURL"].startswith("https://127.0.0.1:")
    assert create["ResponseURL"].endswith(f"/demo-stack/{create['RequestId']}")
    assert create["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/demo-stack/")
    assert create["StackId"] == update["StackId"] == delete["StackId"]
    assert create["ServiceToken"] == driver.function_arn
    assert "PhysicalResourceId" not in create and "OldResourceProperties" not in create
    assert update["OldResourceProperties"] == {"ServiceToken": driver.function_arn, "A": "1"}
    assert update["PhysicalResourceId"] == delete["PhysicalResourceId"] == "pid"
    assert "OldResourceProperties" not in delete
    assert len({create["RequestId"], update["RequestId"], delete["RequestId"]}) == 3


@pytest.mark.parametrize(
    ("request_type", "kwargs", "match"),
    [
        ("Update", {"old_properties": {}}, "PhysicalResourceId"),
        ("Update", {"physical_resource_id": "p"}, "OldResourceProperties"),
        ("Delete", {}, "PhysicalResourceId"),
        ("Replace", {}, "RequestType"),
    ],
)
def test_driver_event_incomplete_raises(
    driver: CloudFormationDriver, request_type: str, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        driver.event(request_type, {}, **kwargs)


def test_driver_update_and_rollback_delete_answered(driver: CloudFormationDriver) -> None:
    # GIVEN a resource created by the driver
    created = driver.create({"Mode": "ok"})
    # WHEN it is updated, then deleted with a physical id a failed Create might have returned
    updated = driver.update(created.physical_resource_id, {"Mode": "ok", "V": 2}, {"Mode": "ok"})
    deleted = driver.delete("demo-stack_Endpoint_ABCDEFGH", {"Mode": "ok"})
    # THEN both are answered with the physical ids they carried
    assert updated.physical_resource_id == created.physical_resource_id
    assert deleted.status == "SUCCESS" and deleted.physical_resource_id == "demo-stack_Endpoint_ABCDEFGH"
    assert [e["RequestType"] for e in toy_provider.RECEIVED] == ["Create", "Update", "Delete"]


def test_driver_event_over_8kb_passes_unchanged_across_handoffs(driver: CloudFormationDriver) -> None:
    # GIVEN properties of about 20 KB and a wait that needs a hand-off
    properties = {"Mode": "wait", "WaitSeconds": 1000, "Blob": ["v" * 100 + str(i) for i in range(200)]}
    event = driver.event("Create", properties)
    assert len(json.dumps(event)) > 8192
    # WHEN it is sent
    response = driver.send(event)
    # THEN every invocation saw the same properties, byte for byte
    assert response.invocations == 2
    assert toy_provider.RECEIVED[0] == event
    assert toy_provider.RECEIVED[1]["ResourceProperties"] == event["ResourceProperties"]
    assert response.data["Digest"] == toy_provider.digest(event["ResourceProperties"])


# -- continuation protocol ---------------------------------------------------------------------


@pytest.mark.parametrize(("wait", "invocations"), [(100, 1), (1000, 2), (2000, 3)])
def test_driver_handoff_carried_across_fresh_invocations(
    driver: CloudFormationDriver, clock: SimulatedClock, wait: int, invocations: int
) -> None:
    # GIVEN a handler that waits `wait` s and hands off with 60 s left (840 s per invocation)
    start = clock.now()
    # WHEN the request is sent
    response = driver.create({"Mode": "wait", "WaitSeconds": wait, "PollSeconds": 10})
    # THEN the wait continued in fresh invocations until the one answer
    assert response.status == "SUCCESS"
    assert response.invocations == invocations
    assert float(response.data["Waited"]) == wait
    assert response.answers == 1
    assert response.elapsed == pytest.approx(wait) and clock.now() - start == pytest.approx(wait)
    records = driver.invocations
    assert [len(r.handoffs) for r in records] == [1] * (invocations - 1) + [0]
    assert len({r.aws_request_id for r in records}) == invocations
    assert all(r.outcome == "returned" for r in records)


def test_driver_invalid_invoke_param_raises_param_validation_error(driver: CloudFormationDriver) -> None:
    # WHEN the provider calls Invoke with an invalid Payload (an int)
    response = driver.create({"Mode": "bad-invoke"})
    # THEN botocore's own validation refused it before the interceptor
    assert response.status == "FAILED"
    assert response.reason.startswith("ParamValidationError: ")
    assert "Payload" in response.reason
    assert response.invocations == 1


def test_driver_exit_unregisters_interceptor(make_driver: MakeDriver, session: Any) -> None:
    # GIVEN a driver that ran and exited
    with make_driver() as driver:
        arn = driver.function_arn
    # WHEN a client built afterwards invokes the function THEN the call reaches moto (no such function)
    client = session.client("lambda")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName=arn, InvocationType="Event", Payload=b"{}")


def test_driver_invoke_outside_invocation_raises(driver: CloudFormationDriver, session: Any) -> None:
    # WHEN something invokes the provider while no invocation runs THEN the driver says so
    client = session.client("lambda")
    with pytest.raises(DriverError, match="outside an invocation"):
        client.invoke(FunctionName=driver.function_arn, InvocationType="Event", Payload=b"{}")


# -- Lambda kills, retries and guards ----------------------------------------------------------


def test_driver_killed_invocation_retried_with_same_payload(make_driver: MakeDriver) -> None:
    # GIVEN a handler that sleeps past 15 minutes on its first attempt (a plain crhelper provider:
    # its wall-clock timer never fires on the simulated clock)
    with make_driver() as driver:
        # WHEN the request is sent
        response = driver.create({"Mode": "sleep", "SleepSeconds": 1000, "SlowAttempts": 1})
    # THEN Lambda killed it, retried the same payload, and the retry answered
    first, second = response.records
    assert first.outcome == "killed" and second.outcome == "returned"
    assert second.attempt == 1 and second.payload == first.payload
    assert second.aws_request_id != first.aws_request_id
    assert response.retries == 1 and response.status == "SUCCESS" and response.answers == 1
    assert second.started_at - first.started_at == pytest.approx(1000 + 60)


@pytest.mark.parametrize("max_retries", [0, 1, 2])
def test_driver_crashing_handler_retried_max_retries_times(
    make_driver: MakeDriver, clock: SimulatedClock, max_retries: int
) -> None:
    # GIVEN a handler that always raises outside crhelper
    start = clock.now()
    with make_driver(max_retries=max_retries) as driver:
        # WHEN the request is sent
        response = driver.create({"Mode": "crash"}, service_timeout=1800)
    # THEN Lambda ran it 1 + max_retries times, nobody answered, and CloudFormation timed out
    assert response.invocations == max_retries + 1
    assert response.retries == max_retries
    assert all(r.outcome == "error" and "crash on attempt" in (r.error or "") for r in response.records)
    assert not response.answered and response.timed_out
    assert response.status == "FAILED" and "ServiceTimeout of 1800 s" in response.reason
    assert clock.now() - start == pytest.approx(1800)


def test_driver_dead_letter_queue_delivers_sqs_events_after_lambda_gives_up(
    make_driver: MakeDriver, clock: SimulatedClock
) -> None:
    # GIVEN a function that consumes its own dead-letter queue (3 receives, 960 s visibility)
    with make_driver(max_retries=2, dead_letter_receives=3) as driver:
        # WHEN every invocation crashes
        response = driver.create({"Mode": "crash"}, service_timeout=3600)
    # THEN after Lambda's 3 attempts the event arrives 3 times more, SQS-shaped, its body the event
    assert response.invocations == 6
    letters = [r.payload for r in response.records[3:]]
    assert all(p["Records"][0]["eventSource"] == "aws:sqs" for p in letters)
    assert json.loads(letters[0]["Records"][0]["body"])["RequestType"] == "Create"
    kinds = [e.kind for e in driver.timeline]
    assert kinds.count("retry") == 4  # 2 Lambda retries, 2 SQS redeliveries


def test_driver_crash_then_recovery_answers_after_retry_delay(driver: CloudFormationDriver) -> None:
    # WHEN the first attempt crashes and the retry works
    response = driver.create({"Mode": "crash", "CrashAttempts": 1})
    # THEN the answer comes from the retry, one minute later
    assert response.status == "SUCCESS" and response.retries == 1 and response.invocations == 2
    assert response.elapsed == pytest.approx(60)


def test_driver_runaway_handoffs_raise_driver_error(make_driver: MakeDriver) -> None:
    # WHEN the handler hands off forever THEN the guard stops it with a clear error
    with (
        make_driver(max_invocations=5) as driver,
        pytest.raises(DriverError, match="more than 5 Lambda invocations"),
    ):
        driver.create({"Mode": "loop"})
    assert len(driver.invocations) == 5
    assert all(len(r.handoffs) == 1 for r in driver.invocations)


@pytest.mark.parametrize("value", [-1, 3])
def test_driver_max_retries_outside_lambda_range_raises(make_driver: MakeDriver, value: int) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        make_driver(max_retries=value)


# -- duplicates --------------------------------------------------------------------------------


def test_driver_duplicate_delivery_returns_both_answers(driver: CloudFormationDriver) -> None:
    # GIVEN one Create event
    event = driver.event("Create", {"Mode": "ok"})
    # WHEN CloudFormation delivers it twice
    first, second = driver.send(event, deliveries=2)
    # THEN the handler ran twice and both answers are recorded for the request
    assert toy_provider.ATTEMPTS[event["RequestId"]] == 2
    assert first.status == second.status == "SUCCESS"
    assert first.physical_resource_id == second.physical_resource_id
    assert len(driver.responses_for(event["RequestId"])) == 2
    assert first.answers == second.answers == 1


@pytest.mark.parametrize(("drain", "answers", "invocations"), [(True, 2, 2), (False, 1, 1)])
def test_driver_answer_plus_handoff_duplicate_seen_when_draining(
    make_driver: MakeDriver, drain: bool, answers: int, invocations: int
) -> None:
    with make_driver(drain=drain) as driver:
        # WHEN a handler answers and also hands off
        response = driver.create({"Mode": "twice"})
        # THEN draining runs the hand-off too and its second answer is recorded
        assert response.answers == answers
        assert response.invocations == invocations
        assert len(driver.responses_for(response.request_id)) == answers


# -- timeline ----------------------------------------------------------------------------------


def test_driver_timeline_streams_entries_in_order(make_driver: MakeDriver) -> None:
    # GIVEN a listener
    seen: list[TimelineEntry] = []
    with make_driver(on_event=seen.append) as driver:
        # WHEN a request is handed off once and the second invocation is killed and retried
        driver.create({"Mode": "wait", "WaitSeconds": 1000})
        driver.create({"Mode": "sleep", "SleepSeconds": 1000, "SlowAttempts": 1})
    # THEN every step is in the timeline, streamed as it happened, in time order
    assert seen == driver.timeline
    kinds = [e.kind for e in seen]
    assert kinds == [
        "request",
        "invoke",
        "handoff",
        "returned",
        "invoke",
        "answered",
        "returned",
        "request",
        "invoke",
        "killed",
        "retry",
        "invoke",
        "answered",
        "returned",
    ]
    assert [e.at for e in seen] == sorted(e.at for e in seen)
    assert "killed at its 900 s timeout" in str(seen[9])


# -- from_template -----------------------------------------------------------------------------


def test_driver_from_template_imports_handler_with_environment(clock: SimulatedClock, session: Any) -> None:
    # GIVEN the toy template (Globals env with a !Ref to a parameter, MemorySize 512)
    os.environ.pop("TOY_GREETING", None)
    driver = CloudFormationDriver.from_template(
        TOY_DIR, "ToyFunction", clock=clock, session=session, configure=toy_provider.configure
    )
    # WHEN it runs a Create
    with driver:
        response = driver.create({"Mode": "ok"})
        unresolved = os.environ.get("TOY_UNRESOLVED")
    # THEN the handler came from fn/app.py and saw the template's environment and memory
    assert response.status == "SUCCESS"
    assert response.data["Greeting"] == "hello"
    assert response.data["Memory"] == "512"
    assert unresolved is None
    assert driver.function_name == "sagemaker-rollout-ToyFunction"
    assert driver.handler.__module__ == "toy_provider"
    # AND the environment is restored afterwards
    assert "TOY_GREETING" not in os.environ


@pytest.mark.parametrize(
    ("logical_id", "match"), [("Missing", "Resources.Missing"), ("SomeQueue", "SomeQueue")]
)
def test_driver_from_template_unknown_function_raises(
    clock: SimulatedClock, session: Any, logical_id: str, match: str
) -> None:
    with pytest.raises(TemplateError, match=match):
        CloudFormationDriver.from_template(TOY_DIR, logical_id, clock=clock, session=session)


def test_driver_from_template_reads_provider_function(clock: SimulatedClock, session: Any) -> None:
    # GIVEN the real provider template THEN its function's settings are read (not imported yet)
    repo = Path(__file__).resolve().parents[2]
    driver = CloudFormationDriver.from_template(
        repo, "EndpointProviderFunction", clock=clock, session=session
    )
    assert driver.timeout_seconds == 900
    assert driver.memory_mb == 256
    assert driver.environment["POWERTOOLS_SERVICE_NAME"] == "sagemaker-rollout"
    assert driver.environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
