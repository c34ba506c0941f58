"""Drive the registry type's handlers the way CloudFormation does, in process, on the simulated clock.

moto cannot run registry resource types, so the driver plays CloudFormation's side of the
resource handler protocol (CloudFormation CLI user guide, "Progress chaining, stabilization and
callback pattern" and "ProgressEvent object schema"):

* each invocation is a request in the shape the CloudFormation CLI's Python library parses
  (``HandlerRequest``: ``action``, ``bearerToken``, ``requestData`` with the resource properties,
  the previous ones, the logical id, the caller credentials and the type configuration; the
  ``callbackContext``), sent to the library's own entry point, ``Resource.__call__``;
* an IN_PROGRESS event must carry a callback context; the driver waits ``callbackDelaySeconds`` on
  the simulated clock (due timers fire: alarms, SageMaker's progress) and invokes the handler again
  with that context, until SUCCESS or FAILED;
* the operation fails when it runs longer than the handler's ``timeoutInMinutes`` in the schema
  (CloudFormation stops the operation then);
* READ and LIST must answer at once (the library itself refuses IN_PROGRESS from them);
* every AWS call a handler makes is recorded with the IAM action it needs, so tests can hold them
  against the handler's ``permissions`` in the schema;
* an invocation can be killed after a given AWS call (the Lambda process dies: its event is lost),
  after which the driver delivers the same context again.

The handler package is imported from ``registry/src`` of the project given.
"""

from __future__ import annotations

import importlib
import json
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagemaker_rollout.clock import SimulatedClock
from sagemaker_rollout_testing.context import InvocationTimeoutError

__all__ = ["HandlerCall", "Operation", "RegistryDriver", "RegistryDriverError"]

PACKAGE = "sagemakerrollout_sagemaker_endpoint"
SCHEMA_FILE = "sagemakerrollout-sagemaker-endpoint.json"
#: Operations that stop after this many handler invocations are reported as a driver error (a loop).
MAX_INVOCATIONS = 5000
IAM_PREFIXES = {"sagemaker-runtime": "sagemaker"}
"""botocore service names whose IAM action prefix differs: SageMaker Runtime's InvokeEndpoint is
``sagemaker:InvokeEndpoint`` (Service Authorization Reference, Amazon SageMaker AI)."""
IAM_ACTIONS = {"lambda:Invoke": "lambda:InvokeFunction"}
"""botocore operations whose IAM action has another name: Lambda's Invoke is authorized as
``lambda:InvokeFunction`` (Service Authorization Reference, AWS Lambda)."""


class RegistryDriverError(RuntimeError):
    """The driver was misused, or a handler broke the protocol (IN_PROGRESS without a context...)."""


@dataclass(frozen=True)
class HandlerCall:
    """One AWS call made during a handler invocation: its IAM action and the handler's action."""

    handler: str
    action: str


@dataclass
class Operation:
    """What CloudFormation saw of one operation (create, update or delete).

    Attributes
    ----------
    status:
        ``SUCCESS`` or ``FAILED``.
    error_code, message:
        Of the last event (FAILED), or the driver's own timeout.
    model:
        The resource model of the final event.
    events:
        Every progress event, in order (killed invocations have none).
    invocations:
        Handler invocations it took (killed ones included).
    killed:
        Invocations killed on purpose.
    started, finished:
        Simulated times.
    """

    status: str
    error_code: str | None
    message: str
    model: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)
    invocations: int = 0
    killed: int = 0
    started: float = 0.0
    finished: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def duration(self) -> float:
        return self.finished - self.started


@dataclass
class _Kill:
    service: str
    operation: str
    skip: int


class RegistryDriver:
    """CloudFormation's side of the registry type, for one stack.

    Parameters
    ----------
    project:
        The CloudFormation CLI project (``registry/``): its schema and ``src`` package.
    clock:
        The simulated clock shared with the simulator.
    session:
        The boto3 session the handlers' clients come from (moto in tests); the credentials the
        driver puts in requests are parsed by the library but this session is used, so fault
        injection and call recording apply.
    journal_table:
        Created on enter; the type configuration's ``JournalTableName``.

    Attributes
    ----------
    type_settings:
        The type configuration's other settings (``SmokeTestFunctionNamePattern``), sent with
        ``JournalTableName`` in every request that names no configuration of its own (``SetTypeConfiguration``
        as an account's administrator would call it).
    """

    def __init__(
        self,
        project: str | Path,
        *,
        clock: SimulatedClock,
        session: Any,
        journal_table: str = "sagemaker-rollout-journal",
        stack_name: str = "registry-stack",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        notify: Callable[[str, str], None] | None = None,
    ) -> None:
        self.project = Path(project)
        self.clock = clock
        self.session = session
        self.journal_table = journal_table
        self.type_settings: dict[str, Any] = {}
        self.region = region
        self.account_id = account_id
        self.notify = notify
        self.stack_id = f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/{uuid.uuid4()}"
        self.schema: dict[str, Any] = json.loads((self.project / SCHEMA_FILE).read_text(encoding="utf-8"))
        self.calls: list[HandlerCall] = []
        self.invocations: list[tuple[str, float]] = []
        """(handler, simulated seconds) of every invocation :meth:`operation` made."""
        self._handler = ""
        self._kills: list[_Kill] = []
        self._killed = False
        self._module: Any = None
        self._undo: list[Callable[[], None]] = []

    # ---- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> RegistryDriver:
        src = str(self.project / "src")
        if src not in sys.path:
            sys.path.insert(0, src)
            self._undo.append(lambda: sys.path.remove(src))
        self._module = importlib.import_module(f"{PACKAGE}.handlers")
        # The library turns the request's credentials into boto3 sessions; here they are the
        # test's session (moto, fault injection, call recording). Nothing else is replaced.
        library = importlib.import_module("cloudformation_cli_python_lib.resource")
        proxy = importlib.import_module("cloudformation_cli_python_lib.boto3_proxy").SessionProxy(
            self.session
        )
        original = getattr(library, "_get_boto_session")  # noqa: B009 (private to the library)
        setattr(library, "_get_boto_session", lambda credentials, region=None: proxy if credentials else None)  # noqa: B010
        self._undo.append(lambda: setattr(library, "_get_boto_session", original))
        self._module.configure(clock=self.clock, session=self.session, notify=self.notify)
        self._undo.append(self._module.configure)
        hook = f"registry-driver-{uuid.uuid4().hex}"
        self.session.events.register("before-call", self._before_call, unique_id=f"{hook}-before")
        self.session.events.register("after-call", self._after_call, unique_id=f"{hook}-after")
        self._undo.append(lambda: self.session.events.unregister("before-call", unique_id=f"{hook}-before"))
        self._undo.append(lambda: self.session.events.unregister("after-call", unique_id=f"{hook}-after"))
        from sagemaker_rollout.journal import table_definition

        client = self.session.client("dynamodb", region_name=self.region)
        with suppress(client.exceptions.ResourceInUseException):
            client.create_table(**table_definition(self.journal_table))
        return self

    def __exit__(self, *exc: object) -> None:
        while self._undo:
            self._undo.pop()()

    # ---- AWS call recording and kills -------------------------------------------------------------
    def _before_call(self, model: Any, **_: Any) -> None:
        if self._handler:
            service = str(model.service_model.service_name)
            self.calls.append(HandlerCall(self._handler, _iam_action(service, model.name)))

    def _after_call(self, model: Any, **_: Any) -> None:
        if not self._handler:
            return
        service = str(model.service_model.service_name)
        for kill in self._kills:
            if kill.service == service and kill.operation == model.name:
                if kill.skip > 0:
                    kill.skip -= 1
                    return
                self._kills.remove(kill)
                self._killed = True
                raise InvocationTimeoutError("registry-driver", self.clock.now())

    def kill_after(self, service: str, operation: str, *, skip: int = 0) -> None:
        """Kill the handler invocation right after its next (``skip`` + 1)-th ``operation`` call."""
        self._kills.append(_Kill(service, operation, skip))

    # ---- the protocol -------------------------------------------------------------------------------
    def timeout_seconds(self, handler: str) -> float:
        """The handler's ``timeoutInMinutes`` from the schema, in seconds (default 120 minutes)."""
        return float(self.schema["handlers"][handler].get("timeoutInMinutes", 120)) * 60.0

    def permissions(self, handler: str) -> set[str]:
        return set(self.schema["handlers"][handler]["permissions"])

    def request(
        self,
        action: str,
        *,
        token: str,
        logical_id: str | None,
        desired: Mapping[str, Any] | None,
        previous: Mapping[str, Any] | None = None,
        callback_context: Mapping[str, Any] | None = None,
        next_token: str | None = None,
        type_configuration: Mapping[str, Any] | None = None,
        stack_tags: Mapping[str, str] | None = None,
        previous_stack_tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A handler request as CloudFormation sends it (the library's ``HandlerRequest``; stack-level
        tags in ``requestData.stackTags`` and ``previousStackTags``). Without a logical id there is
        no stack either, as Cloud Control API sends it."""
        credentials = {"accessKeyId": "testing", "secretAccessKey": "testing", "sessionToken": "testing"}
        data: dict[str, Any] = {
            "resourceProperties": dict(desired or {}),
            "logicalResourceId": logical_id,
            "callerCredentials": credentials,
            "providerCredentials": credentials,
            "typeConfiguration": dict(
                type_configuration
                if type_configuration is not None
                else {"JournalTableName": self.journal_table, **self.type_settings}
            ),
        }
        if previous is not None:
            data["previousResourceProperties"] = dict(previous)
        if stack_tags is not None:
            data["stackTags"] = dict(stack_tags)
        if previous_stack_tags is not None:
            data["previousStackTags"] = dict(previous_stack_tags)
        event: dict[str, Any] = {
            "action": action,
            "awsAccountId": self.account_id,
            "bearerToken": token,
            "region": self.region,
            "resourceType": self.schema["typeName"],
            "resourceTypeVersion": "00000001",
            "requestData": data,
            "stackId": self.stack_id if logical_id else None,
            "callbackContext": dict(callback_context) if callback_context else None,
            "nextToken": next_token,
        }
        return {k: v for k, v in event.items() if v is not None}

    def invoke(
        self, event: Mapping[str, Any], *, entrypoint: str = "resource", context: Any = None
    ) -> dict[str, Any] | None:
        """One handler invocation through the library's entry point; None if it was killed.

        Parameters
        ----------
        event:
            The request: a ``HandlerRequest`` for ``resource`` (what CloudFormation and ``cfn test``
            send), a ``TestEvent`` (``credentials``, ``action``, ``request``) for ``test_entrypoint``.
        entrypoint:
            ``resource`` or ``test_entrypoint``: the two functions of the template ``cfn init``
            writes (``TypeFunction`` and ``TestEntrypoint``).
        context:
            The Lambda context passed to the entry point (default None).
        """
        if entrypoint not in ("resource", "test_entrypoint"):
            raise RegistryDriverError(f"entrypoint: {entrypoint!r} is neither resource nor test_entrypoint")
        self._handler = str(event.get("action", "")).lower()
        self._killed = False
        try:
            result: dict[str, Any] = getattr(self._module, entrypoint)(dict(event), context)
        except InvocationTimeoutError:
            result = {}
        finally:
            self._handler = ""
        return None if self._killed else result

    def operation(
        self,
        action: str,
        logical_id: str,
        desired: Mapping[str, Any] | None,
        previous: Mapping[str, Any] | None = None,
        *,
        redeliver_after: float = 60.0,
        type_configuration: Mapping[str, Any] | None = None,
        stack_tags: Mapping[str, str] | None = None,
        previous_stack_tags: Mapping[str, str] | None = None,
    ) -> Operation:
        """Run ``action`` to its end: invoke, wait the callback delay, invoke again with the context."""
        handler = action.lower()
        token = str(uuid.uuid4())
        started = self.clock.now()
        limit = self.timeout_seconds(handler)
        context: dict[str, Any] | None = None
        events: list[dict[str, Any]] = []
        killed = invocations = 0
        while True:
            if invocations >= MAX_INVOCATIONS:
                raise RegistryDriverError(f"{action}: more than {MAX_INVOCATIONS} invocations")
            invocations += 1
            event = self.request(
                action,
                token=token,
                logical_id=logical_id,
                desired=desired,
                previous=previous,
                callback_context=context,
                type_configuration=type_configuration,
                stack_tags=stack_tags,
                previous_stack_tags=previous_stack_tags,
            )
            started_invocation = self.clock.now()
            result = self.invoke(event)
            self.invocations.append((handler, self.clock.now() - started_invocation))
            if result is None:  # the process died: no event; the same context comes again
                killed += 1
                self.clock.advance(redeliver_after)
            else:
                events.append(result)
                status = result.get("status")
                if status in ("SUCCESS", "FAILED"):
                    return Operation(
                        str(status),
                        result.get("errorCode"),
                        str(result.get("message", "")),
                        result.get("resourceModel"),
                        events,
                        invocations,
                        killed,
                        started,
                        self.clock.now(),
                    )
                if status != "IN_PROGRESS" or not result.get("callbackContext"):
                    raise RegistryDriverError(f"{action}: IN_PROGRESS without a callback context: {result}")
                context = dict(result["callbackContext"])
                self.clock.advance(float(result.get("callbackDelaySeconds") or 0))
            if self.clock.now() - started > limit:
                return Operation(
                    "FAILED",
                    "NotStabilized",
                    f"handler timed out after {limit / 60:.0f} minutes (timeoutInMinutes)",
                    None,
                    events,
                    invocations,
                    killed,
                    started,
                    self.clock.now(),
                )

    # ---- what a stack does --------------------------------------------------------------------------
    def create(self, logical_id: str, properties: Mapping[str, Any]) -> Operation:
        return self.operation("CREATE", logical_id, properties)

    def update(
        self, logical_id: str, properties: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> Operation:
        return self.operation("UPDATE", logical_id, properties, previous)

    def delete(self, logical_id: str, model: Mapping[str, Any]) -> Operation:
        return self.operation("DELETE", logical_id, model)

    def read(self, model: Mapping[str, Any]) -> dict[str, Any]:
        """The read handler's event for ``model`` (its primary identifier), as drift detection calls it."""
        result = self.invoke(self.request("READ", token=str(uuid.uuid4()), logical_id=None, desired=model))
        if result is None:
            raise RegistryDriverError("READ: killed")
        return result

    def list_models(self) -> list[dict[str, Any]]:
        """Every model the list handler returns, all pages."""
        models: list[dict[str, Any]] = []
        next_token: str | None = None
        while True:
            result = self.invoke(
                self.request(
                    "LIST", token=str(uuid.uuid4()), logical_id=None, desired={}, next_token=next_token
                )
            )
            if result is None or result.get("status") != "SUCCESS":
                raise RegistryDriverError(f"LIST: {result}")
            models.extend(result.get("resourceModels") or [])
            following = result.get("nextToken")
            if following and following == next_token:
                raise RegistryDriverError("LIST: answered the nextToken it was sent (pagination stalls)")
            next_token = following
            if not next_token:
                return models

    @contextmanager
    def recording(self) -> Iterator[list[HandlerCall]]:
        """The AWS calls handlers make inside the block."""
        start = len(self.calls)
        collected: list[HandlerCall] = []
        try:
            yield collected
        finally:
            collected.extend(self.calls[start:])


def _iam_action(service: str, operation: str) -> str:
    """The IAM action of a botocore call (:data:`IAM_PREFIXES`, :data:`IAM_ACTIONS`)."""
    action = f"{IAM_PREFIXES.get(service, service)}:{operation}"
    return IAM_ACTIONS.get(action, action)
