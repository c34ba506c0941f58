"""What the provider runs on: clock, boto3 session, settings. Injected, built lazily."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from sagemaker_rollout.aws.calls import TIMED_CLIENT_ATTRIBUTE, current_call_deadline
from sagemaker_rollout.aws.reading import ReadCache, attach_read_cache
from sagemaker_rollout.clock import Clock, SystemClock

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sagemaker import SageMakerClient


__all__ = [
    "OriginScreen",
    "ProviderRuntime",
    "ProviderSettings",
    "call_timeouts",
    "install_runtime",
    "shared_runtime",
]


class OriginScreen(Protocol):
    """Decides whether an event is CloudFormation's (the custom resource's origin check).

    :class:`sagemaker_rollout.custom_resource.origin.OriginPolicy` is the one implementation; it is
    named here structurally so that this layer does not import the front end above it.
    """

    def check(self, event: Mapping[str, Any]) -> str | None:
        """Why ``event`` is refused, or None to accept it."""


@dataclass(frozen=True)
class ProviderSettings:
    """Tunables of the wait loop.

    Attributes
    ----------
    poll_interval:
        Seconds between two DescribeEndpoint calls while waiting (a settled endpoint is noticed
        within this time; contract section 4: within 15 s). boto3's own ``EndpointInService``
        waiter polls every 30 s (botocore ``data/sagemaker/2017-07-24/waiters-2.json``), which
        would answer CloudFormation up to 30 s late.
    handoff_margin:
        Lambda time (s) kept back to hand the wait over to a fresh invocation.
    response_margin:
        The provider answers CloudFormation this many seconds before the request's
        ``ServiceTimeout`` runs out.
    sleep_on_delete:
        crhelper's pause before answering a Delete (log flushing); 0 because the provider lives in
        its own stack.
    step_call_window:
        None, or: a step's AWS calls (their retries included) end at most this many seconds after
        the invocation's time for steps (``remaining``) is over, or after the step's start for a
        step started later (an invocation's first step always runs), so that a short invocation
        keeps time for the journal's writes and its answer after its last step (the registry type's
        handlers, whose invocations last seconds).
    suspend:
        A custom-resource request waiting for SageMaker ends its invocation and resumes on
        SageMaker's events, a fallback wake-up or its deadline watchdog (issue 23), when the
        runtime has a wake-up queue. False: it waits inside the invocation, reading the endpoint
        every ``poll_interval`` and handing the wait to a fresh invocation when time runs short.
    """

    poll_interval: float = 10.0
    handoff_margin: float = 60.0
    response_margin: float = 120.0
    sleep_on_delete: int = 0
    step_call_window: float | None = None
    suspend: bool = True


@dataclass
class ProviderRuntime:
    """Clock, AWS session and settings for one provider instance.

    Parameters
    ----------
    clock:
        Time source; :class:`~sagemaker_rollout.clock.SystemClock` in Lambda.
    session:
        boto3 session the clients come from; a default ``boto3.Session()`` is built on first use.
    settings:
        Wait-loop tunables.
    ssl_verify:
        Passed to crhelper for the HTTPS PUT of the response (CA bundle path, ``False`` or ``None``).
    listener:
        Called with (kind, text) at every step of a request (the demo prints them).
    journal_table:
        The rollout journal's DynamoDB table; default: environment variable ``JOURNAL_TABLE_NAME``
        (set by ``template.yaml``).
    origin_policy:
        Which requests are CloudFormation's (:mod:`sagemaker_rollout.custom_resource.origin`). None in
        Lambda: the function's own account, region and partition. Only the test kit sets it, in
        code, to accept its local response server.
    wakeup_queue_url:
        The SQS queue of waiting requests' delayed wake-ups; default: environment variable
        ``SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL`` (set by ``template.yaml``). None: requests wait in
        their invocation.
    reads:
        The DescribeEndpoint answers of this instance (reused for a few seconds, counted).
    """

    clock: Clock = field(default_factory=SystemClock)
    session: Any = None
    settings: ProviderSettings = field(default_factory=ProviderSettings)
    ssl_verify: str | bool | None = None
    listener: Callable[[str, str], None] | None = None
    journal_table: str | None = None
    origin_policy: OriginScreen | None = None
    wakeup_queue_url: str | None = field(
        default_factory=lambda: os.environ.get("SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL") or None
    )
    reads: ReadCache = field(default_factory=ReadCache, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @overload
    def client(self, service: Literal["sagemaker"]) -> SageMakerClient: ...
    @overload
    def client(self, service: Literal["application-autoscaling"]) -> ApplicationAutoScalingClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"]) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...
    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["sqs"]) -> Any: ...
    @overload
    def client(self, service: Literal["iam"]) -> Any: ...

    def client(self, service: str) -> Any:
        """Return a cached boto3 client for ``service``, built on first use.

        Outside a :func:`~sagemaker_rollout.aws.calls.call_deadline` the client waits up to 10 s to
        connect and 60 s for an answer. Inside one, its timeouts come from the time left
        (:func:`call_timeouts`), and :func:`~sagemaker_rollout.aws.calls.call` makes every attempt
        with the client of the time left at that attempt (:data:`TIMED_CLIENT_ATTRIBUTE`): clients are
        cached per timeout step. Typed per service with boto3-stubs (``mypy_boto3_<service>``,
        imported for type checking only: the layer does not ship them).
        """
        deadline = current_call_deadline()
        return self._client(service, None if deadline is None else deadline - self.clock.now())

    def bounded_client(self, service: Literal["sagemaker-runtime", "lambda"], seconds: float) -> Any:
        """A client of ``service`` whose one attempt waits at most ``seconds`` for an answer (a
        smoke-test call: :mod:`sagemaker_rollout.aws.smoke`), whatever the request's deadline."""
        return self._client(service, None, timeouts=(min(5.0, seconds), seconds))

    def _client(self, service: str, left: float | None, timeouts: tuple[float, float] | None = None) -> Any:
        connect, read = timeouts or call_timeouts(left)
        key = service if (connect, read) == _DEFAULT_TIMEOUTS else f"{service}@{connect:g}/{read:g}"
        with self._lock:
            if key not in self._clients:
                if self.session is None:
                    import boto3

                    self.session = boto3.Session(region_name=os.environ.get("AWS_REGION"))
                from botocore.config import Config

                client = self.session.client(
                    service,
                    config=Config(
                        retries={"mode": "standard", "max_attempts": 1},
                        connect_timeout=connect,
                        read_timeout=read,
                    ),
                )
                setattr(client, TIMED_CLIENT_ATTRIBUTE, functools.partial(self._client, service))
                if service == "sagemaker":
                    attach_read_cache(client, self.reads)
                self._clients[key] = client
            return self._clients[key]


_DEFAULT_TIMEOUTS = (10.0, 60.0)
_READ_TIMEOUT_STEPS = (60.0, 20.0, 10.0, 5.0, 2.0, 1.0)


def call_timeouts(left: float | None) -> tuple[float, float]:
    """botocore's (``connect_timeout``, ``read_timeout``) for a call with ``left`` seconds to its
    deadline (None: no deadline, 10 s and 60 s).

    The read timeout is the largest step not over a quarter of the time left (at least 1 s), the
    connect timeout at most 5 s and never more than the read timeout: one call that gets no answer
    costs at most a fraction of the invocation's budget, leaving time for a retry and the answer.
    botocore's own defaults are 60 s for both (botocore ``Config``: ``connect_timeout``,
    ``read_timeout``).
    """
    if left is None:
        return _DEFAULT_TIMEOUTS
    read = next((step for step in _READ_TIMEOUT_STEPS if step <= left / 4), _READ_TIMEOUT_STEPS[-1])
    return min(5.0, read), read


_shared: ProviderRuntime | None = None
_shared_lock = threading.Lock()


def shared_runtime() -> ProviderRuntime:
    """The runtime every front end of this Lambda container uses (built on first use, no I/O).

    The custom resource and the SageMaker-event resume run in the same function: one runtime
    gives them one set of clients and one cache of DescribeEndpoint answers.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ProviderRuntime()
        return _shared


def install_runtime(runtime: ProviderRuntime | None) -> None:
    """Use ``runtime`` as :func:`shared_runtime` (tests, the demo); None: build a default one again."""
    global _shared
    with _shared_lock:
        _shared = runtime
