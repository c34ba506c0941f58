"""Many CloudFormation requests at once against the provider function: one simulated account.

The CloudFormation driver plays one request at a time. :class:`Fleet` plays an account where a
release rolls out many endpoints together, on a :class:`~.cooperative.CooperativeClock` (every
Lambda invocation its own task, waiting on its own): CloudFormation's requests, Lambda's
asynchronous invocations and their retries (Lambda developer guide, "Asynchronous invocation":
two retries, 1 and 2 minutes apart by default, then the dead-letter queue), the provider's own
``lambda:Invoke`` (``InvocationType="Event"``) hand-offs, its SQS wake-ups (``SendMessage`` with
``DelaySeconds``, delivered to the function by its SQS event source once the delay is over; SQS
developer guide, "Amazon SQS delay queues" and "message timers": 0-900 s), and SageMaker's
EventBridge events from the simulator's bus (``SageMakerSimulator.emit_events``). Every AWS call may
take a simulated latency (an assumption, stated by the caller), so invocations overlap in time as
they would. Each invocation is recorded (start, end, what started it) for the benchmarks' figures:
Lambda GB-seconds, invocations held while an endpoint bakes.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.custom_resource.origin import OriginPolicy
from sagemaker_rollout_testing.cloudformation import SimulatedCloudFormation
from sagemaker_rollout_testing.context import FakeLambdaContext, InvocationTimeoutError
from sagemaker_rollout_testing.cooperative import CooperativeClock
from sagemaker_rollout_testing.events import custom_resource_event
from sagemaker_rollout_testing.https import CapturedResponse, ResponseServer

__all__ = ["Fleet", "Invocation"]

Handler = Callable[[dict[str, Any], Any], Any]
_PARAMS = "sagemaker_rollout_fleet_params"


@dataclass
class Invocation:
    """One simulated Lambda invocation of the provider function.

    Attributes
    ----------
    source:
        ``cloudformation``, ``handoff``, ``retry``, ``sqs`` (a wake-up or a dead letter) or ``event``.
    payload:
        What it was invoked with.
    started, ended:
        Simulated times; ``ended`` is the deadline for an invocation Lambda killed.
    outcome:
        ``returned``, ``killed`` or ``error``.
    """

    source: str
    payload: dict[str, Any]
    started: float
    ended: float = 0.0
    outcome: str = "running"

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 0.0)


@dataclass
class Fleet:
    """The provider function in one simulated account, driven by many requests at once.

    Parameters
    ----------
    handler:
        The function's handler (``handlers/endpoint_provider/app.py``).
    clock:
        The cooperative clock shared with the simulator.
    session:
        The boto3 session the provider's clients come from (moto behind it).
    configure:
        Called with the provider's runtime (``sagemaker_rollout.custom_resource.configure``).
    journal_table:
        The rollout journal's table (created by the caller).
    wakeup_queue_url:
        The queue whose ``SendMessage`` calls are the provider's wake-ups (None: none).
    call_latency:
        Simulated seconds every AWS call of the provider takes (0: instantaneous).
    timeout, memory_mb:
        The function's configuration (900 s, 256 MB as deployed).
    retry_delays:
        Lambda's waits before the first and second retry of a failed asynchronous invocation.
    """

    handler: Handler
    clock: CooperativeClock
    session: Any
    configure: Callable[[ProviderRuntime], Any]
    journal_table: str
    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "release"
    wakeup_queue_url: str | None = None
    call_latency: float = 0.0
    timeout: float = 900.0
    memory_mb: int = 256
    retry_delays: tuple[float, float] = (60.0, 120.0)
    invocations: list[Invocation] = field(default_factory=list)
    function_name: str = "sagemaker-rollout-EndpointProviderFunction"
    cloudformation: SimulatedCloudFormation | None = field(default=None, init=False)
    """CloudFormation's view of the release's stack (the provider confirms every request with it)."""
    _server: ResponseServer | None = field(default=None, init=False)
    _begun: dict[str, Any] = field(default_factory=dict, init=False)
    _undo: list[Callable[[], None]] = field(default_factory=list, init=False)

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def stack_id(self) -> str:
        return f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/fleet"

    # ---- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Fleet:
        self._server = ResponseServer(self.clock.now).start()
        self._undo.append(self._server.stop)
        self._server.on_response(self._answered)
        # The provider asks CloudFormation whether each request is its own (issue 21): the stack's
        # model answers DescribeStackResource and DescribeStackEvents, as under the driver.
        self.cloudformation = SimulatedCloudFormation(self.clock, self.stack_id, self.region, self.account_id)
        self.cloudformation.install(self.session)
        self._undo.append(self.cloudformation.uninstall)
        events = self.session.events
        hooks = (
            ("before-parameter-build.lambda.Invoke", self._capture),
            ("before-parameter-build.sqs.SendMessage", self._capture),
            ("before-call.lambda.Invoke", self._invoke_call),
            ("before-call.sqs.SendMessage", self._send_message_call),
            ("before-call", self._latency),
        )
        for name, hook in hooks:
            unique = f"fleet-{name}-{id(self)}"
            events.register(name, hook, unique_id=unique)
            self._undo.append(_unregister(events, name, unique))
        host = urlsplit(self._server.base_url).netloc
        runtime = ProviderRuntime(
            clock=self.clock,
            session=self.session,
            ssl_verify=self._server.ca_path,
            origin_policy=OriginPolicy(
                account_id=self.account_id,
                region=self.region,
                allowed_response_hosts=(host,),
                require_presigned=False,
            ),
            journal_table=self.journal_table,
        )
        self.configure(runtime)
        return self

    def __exit__(self, *exc: object) -> None:
        while self._undo:
            self._undo.pop()()

    # ---- requests and answers --------------------------------------------------------------------
    def request(
        self, request_type: str, properties: Mapping[str, Any], *, at: float, logical_id: str, **kw: Any
    ) -> dict[str, Any]:
        """Schedule CloudFormation's request at simulated time ``at``; returns the event.

        The stack's resource is put in the operation's ``*_IN_PROGRESS`` status now, and moved on by
        the first answer (:class:`~.cloudformation.SimulatedCloudFormation`)."""
        assert self._server is not None and self.cloudformation is not None
        request_id = str(uuid.uuid4())
        event = custom_resource_event(
            request_type,
            properties,
            service_token=self.function_arn,
            response_url=self._server.url_for(self.stack_name, request_id),
            stack_id=self.stack_id,
            request_id=request_id,
            logical_id=logical_id,
            **kw,
        )
        path = unquote(urlsplit(str(event["ResponseURL"])).path)
        self._begun[path] = self.cloudformation.begin(event)
        self._async(event, "cloudformation", at - self.clock.now())
        return event

    def _answered(self, captured: CapturedResponse) -> None:
        """CloudFormation's first answer to a request moves its resource on (in the server's thread,
        while the answering task waits for the PUT: nothing else runs)."""
        begun = self._begun.pop(captured.path, None)
        if begun is not None and self.cloudformation is not None:
            status = captured.body.get("Status")
            physical = str(captured.body.get("PhysicalResourceId") or "")
            self.cloudformation.end(begun, str(status) if status else None, physical)

    def answer(self, event: Mapping[str, Any]) -> tuple[float, dict[str, Any]] | None:
        """(time received, body) of the first answer to ``event``, or None."""
        assert self._server is not None
        bodies = self._server.bodies(str(event["ResponseURL"]))
        return (bodies[0].received_at, bodies[0].body) if bodies else None

    def answers(self, event: Mapping[str, Any]) -> int:
        assert self._server is not None
        return len(self._server.bodies(str(event["ResponseURL"])))

    def deliver_event(self, at: float, event: dict[str, Any]) -> None:
        """An EventBridge rule's target invocation (asynchronous) at ``at``: subscribe this to a bus."""
        self._async(json.loads(json.dumps(event)), "event", at - self.clock.now())

    # ---- Lambda ----------------------------------------------------------------------------------
    def _async(self, payload: dict[str, Any], source: str, delay: float, attempt: int = 0) -> None:
        def body() -> None:
            if not self._run(payload, source):
                if attempt < len(self.retry_delays):
                    self._async(payload, "retry", self.retry_delays[attempt], attempt + 1)
                else:
                    self._sqs(payload, "sqs", 0.0)  # the dead-letter queue, consumed by the function

        self.clock.spawn(delay, body, name=f"{source}-{len(self.invocations)}")

    def _sqs(self, body: dict[str, Any], source: str, delay: float, receives: int = 1) -> None:
        record = {
            "Records": [
                {
                    "messageId": str(uuid.uuid4()),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{self.region}:{self.account_id}:fleet",
                    "body": json.dumps(body),
                }
            ]
        }

        def run() -> None:
            if not self._run(record, source) and receives < 3:  # visibility timeout, then again
                self._sqs(body, source, 960.0, receives + 1)

        self.clock.spawn(delay, run, name=f"{source}-{len(self.invocations)}")

    def _run(self, payload: dict[str, Any], source: str) -> bool:
        context = FakeLambdaContext(
            self.clock,
            timeout_seconds=self.timeout,
            function_name=self.function_name,
            invoked_function_arn=self.function_arn,
            memory_limit_in_mb=self.memory_mb,
            region=self.region,
            account_id=self.account_id,
        )
        record = Invocation(source, payload, self.clock.now())
        self.invocations.append(record)
        context.arm()
        try:
            self.handler(json.loads(json.dumps(payload)), context)
            record.outcome = "returned"
        except InvocationTimeoutError:
            record.outcome = "killed"
        except Exception:  # Lambda reports any escaping exception, then retries
            record.outcome = "error"
        finally:
            context.disarm()
        if context.killed:
            record.outcome = "killed"
        record.ended = min(self.clock.now(), context.deadline)
        return record.outcome == "returned"

    # ---- botocore hooks: the provider's calls to Lambda and SQS, and their latency ----------------
    def _capture(self, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        context[_PARAMS] = dict(params)

    def _latency(self, **kwargs: Any) -> None:
        if self.call_latency > 0 and self.clock.in_task():
            self.clock.sleep(self.call_latency)

    def _invoke_call(self, context: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        params = context.get(_PARAMS) or {}
        if str(params.get("FunctionName", "")) not in (self.function_arn, self.function_name):
            return None
        payload = json.loads(params.get("Payload") or b"{}")
        self._async(payload, "handoff", 0.0)
        from botocore.response import StreamingBody

        return _response(202), {"StatusCode": 202, "Payload": StreamingBody(io.BytesIO(b""), 0)}

    def _send_message_call(self, context: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        params = context.get(_PARAMS) or {}
        if self.wakeup_queue_url is None or params.get("QueueUrl") != self.wakeup_queue_url:
            return None
        body = json.loads(str(params["MessageBody"]))
        self._sqs(body, "sqs", float(params.get("DelaySeconds") or 0))
        return _response(200), {"MessageId": str(uuid.uuid4()), "MD5OfMessageBody": ""}


def _unregister(events: Any, name: str, unique: str) -> Callable[[], None]:
    def undo() -> None:
        events.unregister(name, unique_id=unique)

    return undo


def _response(status: int) -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    class _Raw:
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            return iter(())

    return AWSResponse("https://fleet.local/", status, HTTPHeaders(), _Raw())
