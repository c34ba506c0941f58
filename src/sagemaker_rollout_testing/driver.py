"""Drive a custom resource handler the way CloudFormation and Lambda would, in process.

moto's CloudFormation cannot run Lambda-backed custom resources without Docker, so the driver
plays both services: it builds real-shaped events, receives crhelper's answer over real HTTPS,
runs each invocation with a 15-minute :class:`FakeLambdaContext` on the shared clock, carries the
provider's self-invocations (``lambda:Invoke``, ``InvocationType="Event"``) over to fresh
invocations, and retries invocations that die like Lambda's asynchronous invocation does. Its stack
is described to the provider as CloudFormation would describe it around each request it sends
(:mod:`sagemaker_rollout_testing.cloudformation`); :meth:`CloudFormationDriver.forge` delivers an
event CloudFormation never sent.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload
from urllib.parse import urlsplit

from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.custom_resource.origin import OriginPolicy
from sagemaker_rollout_testing.cloudformation import SimulatedCloudFormation
from sagemaker_rollout_testing.context import (
    MAX_LAMBDA_TIMEOUT_SECONDS,
    FakeLambdaContext,
    InvocationTimeoutError,
)
from sagemaker_rollout_testing.events import custom_resource_event
from sagemaker_rollout_testing.https import CapturedResponse, ResponseServer
from sagemaker_rollout_testing.template import FunctionSpec, load_function_spec, load_handler
from sagemaker_rollout_testing.wakeups import QUEUE_URL, ScheduledDeliveries

__all__ = [
    "CfnResponse",
    "CloudFormationDriver",
    "DriverError",
    "InvocationRecord",
    "TimelineEntry",
]

Handler = Callable[[dict[str, Any], Any], Any]
Configure = Callable[[ProviderRuntime], Any]

#: CloudFormation refuses response bodies larger than this.
MAX_RESPONSE_BYTES = 4096
#: Default ``ServiceTimeout`` of a custom resource request.
DEFAULT_SERVICE_TIMEOUT = 3600
#: Payload limit of an asynchronous ``Invoke`` (the historical 256 KB; kept conservative).
MAX_ASYNC_PAYLOAD_BYTES = 262_144

_PARAMS_KEY = "sagemaker_rollout_driver_invoke_params"


class DriverError(RuntimeError):
    """The driver was misused, or the handler looped (too many invocations for one request)."""


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened, for printing a timeline.

    Attributes
    ----------
    at:
        Simulated time (epoch seconds).
    offset:
        Seconds since the driver was created.
    kind:
        ``request``, ``invoke``, ``handoff``, ``returned``, ``killed``, ``error``, ``retry``,
        ``dropped``, ``answered``, ``duplicate`` or ``no-answer``.
    text:
        One readable line.
    request_id:
        The CloudFormation request it belongs to.
    """

    at: float
    offset: float
    kind: str
    text: str
    request_id: str | None = None

    def __str__(self) -> str:
        minutes, seconds = divmod(int(self.offset), 60)
        return f"+{minutes:3d}:{seconds:02d}  {self.kind:<9} {self.text}"


@dataclass(frozen=True)
class InvocationRecord:
    """One (simulated) Lambda invocation.

    Attributes
    ----------
    number:
        1-based position among the invocations of its request.
    attempt:
        0 for the first try of a payload, n for Lambda's n-th retry of it.
    outcome:
        ``returned``, ``killed`` (ran past its timeout) or ``error`` (an exception escaped).
    handoffs:
        Payloads the invocation passed to ``lambda:Invoke`` (``InvocationType="Event"``).
    """

    request_id: str
    number: int
    attempt: int
    aws_request_id: str
    payload: dict[str, Any]
    started_at: float
    ended_at: float
    outcome: str
    error: str | None = None
    handoffs: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class CfnResponse:
    """What CloudFormation got for one request (its first answer).

    Attributes
    ----------
    status, reason, physical_resource_id, data, no_echo:
        From the answer's body. Without an answer: ``FAILED`` with CloudFormation's timeout reason.
    raw:
        The body as received (``{}`` without an answer).
    body_size:
        Body size in bytes (CloudFormation refuses more than 4096).
    invocations, retries:
        Lambda invocations run for this delivery, and how many of them were Lambda retries.
    started_at, answered_at, elapsed:
        Simulated time the request was sent, the answer arrived, and the difference (seconds).
    answers:
        Bodies PUT during this delivery (more than 1: a duplicate answer).
    answered:
        ``False`` when no answer arrived (the resource times out in CloudFormation).
    service_timeout:
        The request's time limit (``ServiceTimeout`` or 3600 s).
    cloudformation_error:
        Why CloudFormation would reject the answer (too long, bad status, no physical id), or None.
    """

    request_id: str
    status: str
    reason: str
    physical_resource_id: str
    data: dict[str, Any]
    no_echo: bool
    raw: dict[str, Any]
    body_size: int
    invocations: int
    retries: int
    started_at: float
    answered_at: float
    elapsed: float
    answers: int = 1
    answered: bool = True
    service_timeout: float = DEFAULT_SERVICE_TIMEOUT
    cloudformation_error: str | None = None
    records: tuple[InvocationRecord, ...] = field(default=(), repr=False)

    @property
    def timed_out(self) -> bool:
        """No answer, or an answer later than the request's ``ServiceTimeout``."""
        return not self.answered or self.elapsed > self.service_timeout

    @property
    def ok(self) -> bool:
        """SUCCESS, accepted by CloudFormation, in time."""
        return self.status == "SUCCESS" and self.cloudformation_error is None and not self.timed_out


class _EmptyRaw:
    def stream(self, *args: Any, **kwargs: Any) -> Any:
        return iter(())


def _http_response(status: int) -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    url = "https://lambda.local/2015-03-31/functions/invocations"
    return AWSResponse(url, status, HTTPHeaders(), _EmptyRaw())


def _metadata(status: int) -> dict[str, Any]:
    return {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}


def _lambda_error(status: int, code: str, message: str) -> tuple[Any, dict[str, Any]]:
    return _http_response(status), {
        "Error": {"Code": code, "Message": message},
        "Message": message,
        "ResponseMetadata": _metadata(status),
    }


def _payload_bytes(payload: Any) -> bytes:
    if payload is None:
        return b""
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if hasattr(payload, "read"):
        data = payload.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    raise DriverError(f"Payload: unsupported type {type(payload).__name__}")


def _cloudformation_error(body: CapturedResponse, event: Mapping[str, Any]) -> str | None:
    raw = body.body
    if body.size > MAX_RESPONSE_BYTES:
        return f"Response object is too long ({body.size} bytes; the limit is {MAX_RESPONSE_BYTES})"
    if not raw:
        return "Response is not a JSON object"
    if raw.get("Status") not in ("SUCCESS", "FAILED"):
        return f"Invalid Status {raw.get('Status')!r}: expected SUCCESS or FAILED"
    if not raw.get("PhysicalResourceId"):
        return "Invalid PhysicalResourceId: missing or empty"
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        if raw.get(key) != event.get(key):
            return f"{key} {raw.get(key)!r} does not match the request's {event.get(key)!r}"
    return None


def _dead_letter(payload: Mapping[str, Any], error: str) -> dict[str, Any]:
    """An SQS event carrying ``payload`` as Lambda's asynchronous dead-letter queue sends it.

    Lambda developer guide, "Asynchronous invocation: dead-letter queues": the message body is the
    event, with the error in the message attributes (RequestID, ErrorCode, ErrorMessage).
    """
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "eventSource": "aws:sqs",
                "body": json.dumps(payload),
                "messageAttributes": {
                    "ErrorMessage": {"stringValue": error[:256], "dataType": "String"},
                },
            }
        ]
    }


@dataclass
class _Running:
    context: FakeLambdaContext
    handoffs: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    url: str = ""


class CloudFormationDriver:
    """CloudFormation + Lambda, in process, for one custom resource handler.

    Parameters
    ----------
    handler:
        The Lambda handler ``handler(event, context)``, or a :class:`FunctionSpec` imported when
        the driver is entered (after ``AWS_REGION`` is set; see :meth:`from_template`).
    clock:
        The shared clock (a ``SimulatedClock`` for the deadline to be enforced).
    session:
        The boto3 session the provider builds its clients from. The driver registers its
        ``lambda:Invoke`` interceptor on it when entered, before ``configure`` runs.
    configure:
        Called on enter with ``ProviderRuntime(clock, session, ssl_verify=<CA path>,
        origin_policy=<this driver's stack and response server>)``.
    stack_name, region, account_id:
        The consumer stack the events come from.
    max_retries:
        Lambda's ``MaximumRetryAttempts`` for asynchronous invocations (0-2).
    max_invocations:
        Runaway guard: more invocations than this for one request raise :class:`DriverError`.
    timeout_seconds, memory_mb, function_name, environment:
        The function's configuration (``from_template`` reads them from the template).
    on_event:
        Called with every :class:`TimelineEntry` as it happens.
    drain:
        Keep running queued invocations (hand-offs, retries) after the first answer, as Lambda
        would; their answers show up as duplicates. ``False`` stops at the first answer.
    retry_delays:
        Simulated seconds Lambda waits before its 1st and 2nd retry (needs ``clock.advance``).
    journal_table:
        The provider stack's rollout journal, created in the simulated account on enter (as the
        provider stack's ``RolloutJournalTable``) and set on the runtime; None: no journal.
    dead_letter_receives:
        When Lambda gives up on an event, it goes to the function's dead-letter queue, which the
        function consumes (an SQS event source): up to this many receives of the message (0: no
        dead-letter path).
    visibility_timeout:
        Simulated seconds before SQS delivers a message again after the invocation that received it
        died (at least the function timeout, as Lambda requires of an SQS event source).
    wakeups:
        Play the provider's wake-up queue (issue 23): its URL is set in the function's environment,
        its delayed messages (and the SageMaker events of a bus given to :meth:`listen`) are
        delivered when due (:mod:`.wakeups`), while a request waits for its answer. False: the
        provider has no queue and waits inside its invocations.
    """

    def __init__(
        self,
        handler: Handler | FunctionSpec,
        *,
        clock: Clock,
        session: Any,
        configure: Configure | None = None,
        stack_name: str = "demo-stack",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        max_retries: int = 2,
        max_invocations: int = 400,
        timeout_seconds: float = MAX_LAMBDA_TIMEOUT_SECONDS,
        memory_mb: int = 256,
        function_name: str | None = None,
        environment: Mapping[str, str] | None = None,
        on_event: Callable[[TimelineEntry], None] | None = None,
        drain: bool = True,
        retry_delays: tuple[float, ...] = (60.0, 120.0),
        journal_table: str | None = "sagemaker-rollout-journal",
        dead_letter_receives: int = 3,
        visibility_timeout: float = 960.0,
        wakeups: bool = True,
    ) -> None:
        if not 0 <= max_retries <= 2:
            raise ValueError(f"max_retries: {max_retries} is outside Lambda's 0-2")
        if max_invocations < 1:
            raise ValueError(f"max_invocations: {max_invocations} must be at least 1")
        self._spec = handler if isinstance(handler, FunctionSpec) else None
        self._handler: Handler | None = None if isinstance(handler, FunctionSpec) else handler
        self.clock = clock
        self.session = session
        self.configure = configure
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.max_retries = max_retries
        self.max_invocations = max_invocations
        self.timeout_seconds = timeout_seconds
        self.memory_mb = memory_mb
        logical = self._spec.logical_id if self._spec else "Function"
        self.function_name = function_name or f"sagemaker-rollout-{logical}"[:64]
        self.function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{self.function_name}"
        self.environment = dict(environment or {})
        self.on_event = on_event
        self.drain = drain
        self.retry_delays = retry_delays
        self.journal_table = journal_table
        self.dead_letter_receives = dead_letter_receives
        self.visibility_timeout = visibility_timeout
        self.scheduled = ScheduledDeliveries(clock.now) if wakeups else None
        self.stack_id = f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/{uuid.uuid4()}"
        self.cloudformation = SimulatedCloudFormation(clock, self.stack_id, region, account_id)
        """CloudFormation's view of the stack (DescribeStacks, DescribeStackResource, DescribeStackEvents)."""
        self.timeline: list[TimelineEntry] = []
        self.invocations: list[InvocationRecord] = []
        self.runtime: ProviderRuntime | None = None
        self._origin = clock.now()
        self._server = ResponseServer(clock.now)
        self._urls: dict[str, str] = {}
        self._running: _Running | None = None
        self._lock = threading.RLock()
        self._throttled_invokes = 0
        self._active = False
        self._undo: list[Callable[[], None]] = []
        self._handler_id = f"sagemaker-rollout-driver-{uuid.uuid4().hex}"

    @classmethod
    def from_template(
        cls,
        repo_root: str | Path,
        logical_id: str,
        *,
        clock: Clock,
        session: Any,
        configure: Configure | None = None,
        template: str = "template.yaml",
        **options: Any,
    ) -> CloudFormationDriver:
        """A driver for the function ``logical_id`` of ``repo_root/template`` (SAM).

        ``Handler``, ``CodeUri``, ``Timeout``, ``MemorySize`` and literal environment variables
        (``Globals.Function`` applied) come from the template; ``options`` go to the constructor.
        """
        pseudo = {
            "AWS::Region": str(options.get("region", "us-east-1")),
            "AWS::AccountId": str(options.get("account_id", "123456789012")),
            "AWS::Partition": "aws",
        }
        spec = load_function_spec(repo_root, logical_id, template, pseudo)
        options.setdefault("timeout_seconds", min(spec.timeout_seconds, MAX_LAMBDA_TIMEOUT_SECONDS))
        options.setdefault("memory_mb", spec.memory_mb)
        options.setdefault("environment", spec.environment)
        return cls(spec, clock=clock, session=session, configure=configure, **options)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def handler(self) -> Handler:
        """The handler (imported on enter when built from a template)."""
        if self._handler is None:
            raise DriverError("the handler is imported when the driver is entered (use `with driver:`)")
        return self._handler

    @property
    def ssl_verify(self) -> str:
        """CA bundle to trust for the response URL (while entered)."""
        return self._server.ca_path

    def __enter__(self) -> CloudFormationDriver:
        if self._active:
            raise DriverError("the driver is already entered")
        try:
            self._set_environment()
            self._server.start()
            self._undo.append(self._server.stop)
            events = self.session.events
            events.register(
                "before-parameter-build.lambda.Invoke",
                self._capture_params,
                unique_id=f"{self._handler_id}-params",
            )
            events.register(
                "before-call.lambda.Invoke", self._intercept_invoke, unique_id=f"{self._handler_id}-invoke"
            )
            self._undo.append(self._unregister)
            self.cloudformation.install(self.session)
            self._undo.append(self.cloudformation.uninstall)
            if self.scheduled is not None:
                self._undo.append(self.scheduled.install(self.session, self._handler_id))
            self._active = True
            self.runtime = ProviderRuntime(
                clock=self.clock,
                session=self.session,
                ssl_verify=self._server.ca_path,
                origin_policy=self.origin_policy(),
            )
            if self.journal_table:
                self._create_journal(self.journal_table)
                self.runtime.journal_table = self.journal_table
            if self._handler is None and self._spec is not None:
                self._handler = load_handler(self._spec)
            if self.configure is not None:
                self.configure(self.runtime)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _create_journal(self, name: str) -> None:
        from sagemaker_rollout.journal import table_definition

        client = self.session.client("dynamodb", region_name=self.region)
        with contextlib.suppress(client.exceptions.ResourceInUseException):
            client.create_table(**table_definition(name))

    def origin_policy(self) -> OriginPolicy:
        """The requests the provider accepts under this driver: its stack's, answered to its local server.

        Set in code on the provider's runtime (the only seam; see ``custom_resource.origin``). The local
        server's URLs are not pre-signed, so that one check is off; host, scheme and StackId are not.
        """
        host = urlsplit(self._server.base_url).netloc
        return OriginPolicy(
            account_id=self.account_id,
            region=self.region,
            allowed_response_hosts=(host,),
            require_presigned=False,
        )

    def __exit__(self, *exc: object) -> None:
        self._active = False
        while self._undo:
            self._undo.pop()()

    def _set_environment(self) -> None:
        values = {
            **self.environment,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL": QUEUE_URL if self.scheduled is not None else "",
        }
        if "POWERTOOLS_TRACE_DISABLED" not in os.environ:
            values["POWERTOOLS_TRACE_DISABLED"] = "true"
        saved = {name: os.environ.get(name) for name in values}

        def restore() -> None:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

        os.environ.update(values)
        self._undo.append(restore)

    def _unregister(self) -> None:
        events = self.session.events
        events.unregister("before-parameter-build.lambda.Invoke", unique_id=f"{self._handler_id}-params")
        events.unregister("before-call.lambda.Invoke", unique_id=f"{self._handler_id}-invoke")

    def _require_active(self) -> None:
        if not self._active:
            raise DriverError("the driver is not running: use `with driver:` first")

    # -- the consumer stack ----------------------------------------------------------------------

    def create_stack(self) -> str:
        """The consumer stack's id (kept for callers of earlier versions: the stack always exists).

        The driver answers ``DescribeStacks``, ``DescribeStackResource`` and ``DescribeStackEvents``
        for its stack itself (:attr:`cloudformation`); moto is not involved.
        """
        self._require_active()
        return self.stack_id

    def set_stack_status(self, status: str) -> None:
        """Put the consumer stack in ``status``, e.g. a rollback status (a stack event is written)."""
        self.cloudformation.set_status(status)

    def continue_update_rollback(self) -> None:
        """``aws cloudformation continue-update-rollback``: the next Update is the rollback's again."""
        self.cloudformation.continue_update_rollback()

    def revert_replacement(self, logical_id: str = "Endpoint") -> str:
        """Another resource failed after ``logical_id`` was replaced: the stack rolls back to the old
        resource; returns the new resource's physical id, which the rollback's cleanup deletes."""
        return self.cloudformation.revert_replacement(logical_id)

    # -- events --------------------------------------------------------------------------------

    def response_url(self, request_id: str) -> str:
        """The pre-signed-URL stand-in for ``request_id``."""
        self._require_active()
        return self._server.url_for(self.stack_name, request_id)

    def event(
        self,
        request_type: str,
        properties: Mapping[str, Any],
        *,
        logical_id: str = "Endpoint",
        resource_type: str = "Custom::SageMakerEndpoint",
        physical_resource_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
        service_timeout: int | None = None,
        as_strings: bool = True,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Build a real-shaped event for this driver's stack (see ``custom_resource_event``)."""
        request_id = request_id or str(uuid.uuid4())
        return custom_resource_event(
            request_type,
            properties,
            service_token=self.function_arn,
            response_url=self.response_url(request_id),
            stack_id=self.stack_id,
            request_id=request_id,
            logical_id=logical_id,
            resource_type=resource_type,
            physical_resource_id=physical_resource_id,
            old_properties=old_properties,
            service_timeout=service_timeout,
            as_strings=as_strings,
        )

    def create(
        self,
        properties: Mapping[str, Any],
        *,
        logical_id: str = "Endpoint",
        resource_type: str = "Custom::SageMakerEndpoint",
        service_timeout: int | None = None,
        as_strings: bool = True,
    ) -> CfnResponse:
        """Send a Create and return CloudFormation's view of the answer."""
        return self.send(
            self.event(
                "Create",
                properties,
                logical_id=logical_id,
                resource_type=resource_type,
                service_timeout=service_timeout,
                as_strings=as_strings,
            )
        )

    def update(
        self,
        physical_resource_id: str,
        properties: Mapping[str, Any],
        old_properties: Mapping[str, Any],
        *,
        logical_id: str = "Endpoint",
        resource_type: str = "Custom::SageMakerEndpoint",
        service_timeout: int | None = None,
        as_strings: bool = True,
        rollback: bool | None = None,
    ) -> CfnResponse:
        """Send an Update (also what a stack rollback sends, with the old properties as new).

        ``rollback``: the stack is rolling back (``UPDATE_ROLLBACK_IN_PROGRESS``); None: it is when
        the stack's last update failed, as CloudFormation's rollback follows a failure.
        """
        return self.send(
            self.event(
                "Update",
                properties,
                logical_id=logical_id,
                resource_type=resource_type,
                physical_resource_id=physical_resource_id,
                old_properties=old_properties,
                service_timeout=service_timeout,
                as_strings=as_strings,
            ),
            rollback=rollback,
        )

    def delete(
        self,
        physical_resource_id: str,
        properties: Mapping[str, Any],
        *,
        logical_id: str = "Endpoint",
        resource_type: str = "Custom::SageMakerEndpoint",
        service_timeout: int | None = None,
        as_strings: bool = True,
    ) -> CfnResponse:
        """Send a Delete (a rollback Delete carries whatever physical id a failed Create returned)."""
        return self.send(
            self.event(
                "Delete",
                properties,
                logical_id=logical_id,
                resource_type=resource_type,
                physical_resource_id=physical_resource_id,
                service_timeout=service_timeout,
                as_strings=as_strings,
            )
        )

    @overload
    def send(self, event: Mapping[str, Any], *, rollback: bool | None = ...) -> CfnResponse: ...

    @overload
    def send(  # type: ignore[overload-overlap]
        self, event: Mapping[str, Any], deliveries: Literal[1], *, rollback: bool | None = ...
    ) -> CfnResponse: ...

    @overload
    def send(
        self, event: Mapping[str, Any], deliveries: int, *, rollback: bool | None = ...
    ) -> list[CfnResponse]: ...

    def send(
        self, event: Mapping[str, Any], deliveries: int = 1, *, rollback: bool | None = None
    ) -> CfnResponse | list[CfnResponse]:
        """Deliver ``event`` (``deliveries`` times, one after the other) and return the answer(s).

        CloudFormation sends it: the stack's resource is put in the matching ``*_IN_PROGRESS`` status
        first and moved on by the first answer (:attr:`cloudformation`; ``rollback``: see
        :meth:`update`). With ``deliveries > 1`` (CloudFormation delivering the same request again) a
        list is returned, one :class:`CfnResponse` per delivery; with the default 1, the response itself.
        """
        return self._send(event, deliveries, genuine=True, rollback=rollback)

    def forge(self, event: Mapping[str, Any]) -> CfnResponse:
        """Deliver ``event`` as a principal allowed ``lambda:InvokeFunction`` could: CloudFormation
        never sent it, and its view of the stack does not move."""
        response = self._send(event, 1, genuine=False, rollback=None)
        assert isinstance(response, CfnResponse)
        return response

    def _send(
        self, event: Mapping[str, Any], deliveries: int, *, genuine: bool, rollback: bool | None
    ) -> CfnResponse | list[CfnResponse]:
        self._require_active()
        if deliveries < 1:
            raise ValueError(f"deliveries: {deliveries} must be at least 1")
        event_copy: dict[str, Any] = json.loads(json.dumps(event))
        for key in ("RequestType", "RequestId", "ResponseURL", "StackId", "LogicalResourceId"):
            if key not in event_copy:
                raise DriverError(f"event.{key}: required in a CloudFormation custom resource event")
        self._urls[event_copy["RequestId"]] = event_copy["ResponseURL"]
        ours = genuine and event_copy.get("StackId") == self.stack_id
        begun = self.cloudformation.begin(event_copy, rollback=rollback) if ours else None
        responses = []
        for delivery in range(deliveries):
            responses.append(self._deliver(event_copy, delivery, waits=genuine))
            if begun is not None:
                first = responses[0]
                status = first.status if first.answered else None
                self.cloudformation.end(begun, status, first.physical_resource_id)
                begun = None
        return responses[0] if deliveries == 1 else responses

    def duplicate_now(self) -> InvocationRecord:
        """Lambda runs the payload of the running invocation a second time, now, while the first one
        is stopped where it is (at-least-once delivery: two invocations of one payload racing on the
        journal). The second invocation's hand-offs join the first's, so the delivery runs them."""
        with self._lock:
            running = self._running
        if running is None:
            raise DriverError("duplicate_now: no invocation is running")
        known = len(self._server.bodies(running.url))
        record = self._invoke(running.payload, 0, running.request_id, 0, running.url, known)
        running.handoffs.extend(record.handoffs)
        self._emit("duplicate", "the same payload ran again alongside the invocation", running.request_id)
        return record

    def listen(self, bus: Any) -> None:
        """Deliver the SageMaker events of ``bus`` (the simulator's ``emit_events``) to the function."""
        if self.scheduled is None:
            raise DriverError("listen: the driver plays no wake-up queue (wakeups=False)")
        self._undo.append(bus.subscribe(self.scheduled.event))

    def deliver_pending(self, limit: int = 1000) -> int:
        """Deliver everything still on its way (wake-ups, events) as it falls due, as Lambda would;
        returns how many were delivered. Each runs as an invocation of its own."""
        delivered = 0
        while self.scheduled is not None and delivered < limit:
            item = self.scheduled.pop(self.clock)
            if item is None:
                break
            self._due(item.at)
            self._invoke(item.payload, 0, "", 0, "", 0)
            delivered += 1
        return delivered

    def _due(self, at: float) -> None:
        advance = getattr(self.clock, "advance", None)
        if advance is not None and at > self.clock.now():
            advance(at - self.clock.now())

    def throttle_handoffs(self, times: int = 1) -> None:
        """Answer the next ``times`` self-invocations with Lambda's 429 TooManyRequestsException."""
        self._throttled_invokes += times

    def responses_for(self, request_id: str) -> list[CapturedResponse]:
        """Every body PUT for ``request_id`` so far (more than one: duplicate answers)."""
        url = self._urls.get(request_id) or self.response_url(request_id)
        return self._server.bodies(url)

    @property
    def all_responses(self) -> list[CapturedResponse]:
        """Every body PUT to the response server, in arrival order."""
        return self._server.all_bodies()

    # -- the Lambda side -----------------------------------------------------------------------

    def _emit(self, kind: str, text: str, request_id: str | None, at: float | None = None) -> None:
        moment = self.clock.now() if at is None else at
        entry = TimelineEntry(moment, moment - self._origin, kind, text, request_id)
        self.timeline.append(entry)
        if self.on_event is not None:
            self.on_event(entry)

    def _deliver(self, event: dict[str, Any], delivery: int, *, waits: bool = True) -> CfnResponse:
        request_id = event["RequestId"]
        url = event["ResponseURL"]
        seen = len(self._server.bodies(url))
        started = self.clock.now()
        service_timeout = self._service_timeout(event)
        again = f" (delivery {delivery + 1})" if delivery else ""
        kind = f"{event['RequestType']} {event['LogicalResourceId']} ({event.get('ResourceType', '?')})"
        self._emit("request", f"{kind} sent{again}", request_id)
        queue: deque[tuple[dict[str, Any], int]] = deque([(event, 0)])
        receives: dict[int, int] = {}
        records: list[InvocationRecord] = []
        retries = 0
        # A forged event (waits=False) never takes what is on its way for genuine requests: Lambda
        # would run it in a container of its own, and nobody waits for its answer.
        while queue or (
            waits and not self._server.bodies(url)[seen:] and self._next_scheduled(queue, receives)
        ):
            if not self.drain and len(self._server.bodies(url)) > seen:
                self._emit("dropped", f"{len(queue)} queued invocation(s) not run (drain=False)", request_id)
                break
            if len(records) >= self.max_invocations:
                raise DriverError(
                    f"request {request_id}: more than {self.max_invocations} Lambda invocations "
                    f"without settling (runaway hand-off or retry loop)"
                )
            payload, attempt = queue.popleft()
            if attempt:
                delay = (
                    self.retry_delays[min(attempt, len(self.retry_delays)) - 1] if self.retry_delays else 0.0
                )
                advance = getattr(self.clock, "advance", None)
                if delay > 0 and advance is not None:
                    advance(delay)
            known = len(self._server.bodies(url))
            record = self._invoke(payload, attempt, request_id, len(records) + 1, url, known)
            records.append(record)
            queue.extend((handoff, 0) for handoff in record.handoffs)
            if record.outcome != "returned":
                if attempt < self.max_retries and not payload.get("Records"):
                    retries += 1
                    queue.append((payload, attempt + 1))
                    self._emit(
                        "retry",
                        f"Lambda retries the same event (retry {attempt + 1} of {self.max_retries})",
                        request_id,
                    )
                elif payload.get("Records") and id(payload) in receives:
                    count = receives.pop(id(payload))
                    if count < self.dead_letter_receives:
                        retries += 1  # SQS delivers the message again: a retry too
                        advance = getattr(self.clock, "advance", None)
                        if advance is not None:
                            advance(self.visibility_timeout)
                        redelivery = dict(payload)
                        receives[id(redelivery)] = count + 1
                        queue.append((redelivery, 0))
                        self._emit(
                            "retry", f"SQS delivers the dead letter again (receive {count + 1})", request_id
                        )
                    else:
                        self._emit("dropped", "dead letter dropped after its last receive", request_id)
                elif self.dead_letter_receives > 0:
                    letter = _dead_letter(payload, record.error or "Task timed out")
                    receives[id(letter)] = 1
                    queue.append((letter, 0))
                    self._emit(
                        "dropped",
                        f"Lambda gives up after {attempt} retr{'y' if attempt == 1 else 'ies'}: "
                        "event sent to the dead-letter queue",
                        request_id,
                    )
                else:
                    self._emit(
                        "dropped",
                        f"Lambda gives up after {attempt} retr{'y' if attempt == 1 else 'ies'}: "
                        "event dropped",
                        request_id,
                    )
        bodies = self._server.bodies(url)[seen:]
        return self._response(event, bodies, records, retries, started, service_timeout, waits=waits)

    def _next_scheduled(self, queue: deque[tuple[dict[str, Any], int]], receives: dict[int, int]) -> bool:
        """Nothing runs and no answer yet: what is on its way next (a wake-up, an event) is due.

        A wake-up is an SQS message: if its invocation fails, SQS delivers it again after the
        visibility timeout (as the dead letters); an event is an asynchronous invocation (retried).
        """
        item = self.scheduled.pop(self.clock) if self.scheduled is not None else None
        if item is None:
            return False
        self._due(item.at)
        if item.kind == "sqs":
            receives[id(item.payload)] = 1
        queue.append((item.payload, 0))
        return True

    @staticmethod
    def _service_timeout(event: Mapping[str, Any]) -> float:
        raw = (event.get("ResourceProperties") or {}).get("ServiceTimeout")
        try:
            value = float(raw) if raw is not None else DEFAULT_SERVICE_TIMEOUT
        except (TypeError, ValueError):
            return DEFAULT_SERVICE_TIMEOUT
        return value if 0 < value <= DEFAULT_SERVICE_TIMEOUT else DEFAULT_SERVICE_TIMEOUT

    def _invoke(
        self, payload: dict[str, Any], attempt: int, request_id: str, number: int, url: str, known: int
    ) -> InvocationRecord:
        context = FakeLambdaContext(
            self.clock,
            timeout_seconds=self.timeout_seconds,
            function_name=self.function_name,
            invoked_function_arn=self.function_arn,
            memory_limit_in_mb=self.memory_mb,
            region=self.region,
            account_id=self.account_id,
        )
        running = _Running(context, payload=payload, request_id=request_id, url=url)
        retry = f", retry {attempt}" if attempt else ""
        self._emit(
            "invoke", f"invocation #{number} started ({self.timeout_seconds:g} s budget{retry})", request_id
        )
        outcome, error = "returned", None
        with self._lock:
            outer, self._running = self._running, running  # (an invocation run inside another: a race)
        context.arm()
        try:
            self.handler(json.loads(json.dumps(payload)), context)
        except InvocationTimeoutError:
            outcome = "killed"
        except Exception as exc:  # Lambda reports any escaping exception
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
        finally:
            context.disarm()
            with self._lock:
                self._running = outer
        if context.killed:
            outcome = "killed"
        for index, body in enumerate(self._server.bodies(url)[known:], start=known):
            self._emit_answer(body, request_id, duplicate=index > 0)
        ended = self.clock.now()
        took = ended - context.started_at
        if outcome == "killed":
            self._emit(
                "killed",
                f"invocation #{number} killed at its {self.timeout_seconds:g} s timeout",
                request_id,
                at=min(ended, context.deadline),
            )
        elif outcome == "error":
            self._emit("error", f"invocation #{number} failed after {took:.0f} s: {error}", request_id)
        else:
            self._emit("returned", f"invocation #{number} returned after {took:.0f} s", request_id)
        record = InvocationRecord(
            request_id=request_id,
            number=number,
            attempt=attempt,
            aws_request_id=context.aws_request_id,
            payload=copy.deepcopy(payload),
            started_at=context.started_at,
            ended_at=ended,
            outcome=outcome,
            error=error,
            handoffs=tuple(running.handoffs),
        )
        self.invocations.append(record)
        return record

    def _emit_answer(self, body: CapturedResponse, request_id: str, *, duplicate: bool) -> None:
        status = body.body.get("Status", "?")
        reason = body.body.get("Reason") or ""
        text = f"CloudFormation got {status}" + (f": {reason}" if reason else "")
        if duplicate:
            self._emit(
                "duplicate",
                f"second answer ignored by CloudFormation: {status}",
                request_id,
                at=body.received_at,
            )
        else:
            self._emit("answered", text, request_id, at=body.received_at)

    def _response(
        self,
        event: Mapping[str, Any],
        bodies: list[CapturedResponse],
        records: list[InvocationRecord],
        retries: int,
        started: float,
        service_timeout: float,
        *,
        waits: bool = True,
    ) -> CfnResponse:
        request_id = event["RequestId"]
        if bodies:
            first = bodies[0]
            raw = first.body
            data = raw.get("Data")
            return CfnResponse(
                request_id=request_id,
                status=str(raw.get("Status", "")),
                reason=str(raw.get("Reason") or ""),
                physical_resource_id=str(raw.get("PhysicalResourceId") or ""),
                data=data if isinstance(data, dict) else {},
                no_echo=bool(raw.get("NoEcho", False)),
                raw=raw,
                body_size=first.size,
                invocations=len(records),
                retries=retries,
                started_at=started,
                answered_at=first.received_at,
                elapsed=first.received_at - started,
                answers=len(bodies),
                service_timeout=service_timeout,
                cloudformation_error=_cloudformation_error(first, event),
                records=tuple(records),
            )
        deadline = started + service_timeout
        advance = getattr(self.clock, "advance", None)
        if waits and advance is not None and self.clock.now() < deadline:
            advance(deadline - self.clock.now())  # (nobody waits for a forged event's answer)
        reason = (
            f"CloudFormation did not receive a response from the custom resource within its "
            f"ServiceTimeout of {service_timeout:g} s"
        )
        self._emit("no-answer", reason, request_id)
        return CfnResponse(
            request_id=request_id,
            status="FAILED",
            reason=reason,
            physical_resource_id=str(event.get("PhysicalResourceId") or ""),
            data={},
            no_echo=False,
            raw={},
            body_size=0,
            invocations=len(records),
            retries=retries,
            started_at=started,
            answered_at=self.clock.now(),
            elapsed=self.clock.now() - started,
            answers=0,
            answered=False,
            service_timeout=service_timeout,
            records=tuple(records),
        )

    # -- the lambda:Invoke interceptor -----------------------------------------------------

    def _capture_params(self, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        context[_PARAMS_KEY] = dict(params)

    def _targets_this_function(self, name: str) -> bool:
        if name in (self.function_name, self.function_arn):
            return True
        tail = name.split(":function:", 1)[-1] if ":function:" in name else name
        return tail.split(":", 1)[0] == self.function_name

    def _intercept_invoke(self, context: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        """``before-call.lambda.Invoke``: botocore has validated the parameters; answer like Lambda."""
        params = context.get(_PARAMS_KEY)
        if not self._active or params is None or not self._targets_this_function(str(params["FunctionName"])):
            return None
        invocation_type = params.get("InvocationType", "RequestResponse")
        if invocation_type == "DryRun":
            return _http_response(204), {"StatusCode": 204, "ResponseMetadata": _metadata(204)}
        if invocation_type != "Event":
            raise DriverError(
                f"Invoke(InvocationType={invocation_type!r}) of {self.function_name}: the driver only "
                "carries asynchronous (Event) self-invocations"
            )
        if self._throttled_invokes > 0:
            self._throttled_invokes -= 1
            return _lambda_error(429, "TooManyRequestsException", "Rate Exceeded.")
        data = _payload_bytes(params.get("Payload"))
        if len(data) > MAX_ASYNC_PAYLOAD_BYTES:
            return _lambda_error(
                413,
                "RequestEntityTooLargeException",
                f"{len(data)} byte payload is too large for the Event invocation type "
                f"(limit {MAX_ASYNC_PAYLOAD_BYTES} bytes)",
            )
        try:
            payload = json.loads(data or b"{}")
        except ValueError:
            return _lambda_error(
                400, "InvalidRequestContentException", "Could not parse request body into json"
            )
        if not isinstance(payload, dict):
            return _lambda_error(400, "InvalidRequestContentException", "the payload must be a JSON object")
        with self._lock:
            running = self._running
            if running is None:
                raise DriverError(f"Invoke of {self.function_name} outside an invocation run by the driver")
            running.handoffs.append(payload)
        request_id = payload.get("RequestId") if isinstance(payload.get("RequestId"), str) else None
        self._emit("handoff", f"hand-off to a new invocation ({len(data) / 1024:.1f} KB event)", request_id)
        from botocore.response import StreamingBody

        return _http_response(202), {
            "StatusCode": 202,
            "Payload": StreamingBody(io.BytesIO(b""), 0),
            "ResponseMetadata": _metadata(202),
        }
